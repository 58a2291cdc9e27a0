// Which idempotency keys a head's snapshot has folded, kept in a fixed-size Bloom filter so the head
// stays bounded however long the stream grows. The tail's keys are exact; for an event landing after
// the cut the filter answers "certainly new" or "maybe folded before" — and the recorder settles a maybe
// exactly with one query in the stream's partition (EventStore.holds). So a CRM resending an event with
// another `time` is caught, at the price of an occasional query, never a double.
import { createHash } from "node:crypto";

/** 16,384 bits (2 KiB, 2,732 base64 characters) and 4 probes: ~0.2% maybes at 1,000 folded events. */
const BITS = 16_384;
const PROBES = 4;
const BYTES = BITS / 8;

/** The filter as stored: base64 of its bits. */
export type FoldedKeys = string;

export const NO_FOLDED_KEYS: FoldedKeys = Buffer.alloc(BYTES).toString("base64");

function probes(key: string): number[] {
  const digest = createHash("sha256").update(key).digest();
  return Array.from({ length: PROBES }, (_, i) => digest.readUInt32BE(i * 4) % BITS);
}

/** The filter with `keys` added. */
export function withFoldedKeys(filter: FoldedKeys, keys: Iterable<string>): FoldedKeys {
  const bits = Buffer.from(filter, "base64");
  if (bits.length !== BYTES) throw new RangeError("a folded-keys filter has another size");
  let changed = false;
  for (const key of keys) {
    for (const p of probes(key)) {
      const byte = p >> 3;
      const bit = 1 << (p & 7);
      if ((bits[byte]! & bit) === 0) {
        bits[byte] = bits[byte]! | bit;
        changed = true;
      }
    }
  }
  return changed ? bits.toString("base64") : filter;
}

/**
 * A test of keys against the filter, decoded once: false when a key was certainly never added, true
 * when it may have been.
 */
export function foldedKeysTest(filter: FoldedKeys): (key: string) => boolean {
  const bits = Buffer.from(filter, "base64");
  return (key) => probes(key).every((p) => (bits[p >> 3]! & (1 << (p & 7))) !== 0);
}
