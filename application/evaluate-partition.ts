// One partition of the parallel evaluator: the pairs of the tenants whose id hashes to it. A tenant's
// events reach every pair of that tenant, so partitioning by tenant lets each partition fold its
// pairs alone. Runs in a worker thread, or in the main thread when there is only one partition.
import { parentPort, workerData } from "node:worker_threads";
import { intakeLine, StreamEvents } from "./evaluate-file.ts";

/** FNV-1a over the lower-cased tenant id (ASCII, as a valid GUID is): the same hash the byte scanner computes. */
export function partitionOf(tenantIdLower: string, count: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < tenantIdLower.length; i++) {
    h ^= tenantIdLower.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return partitionOfHash(h, count);
}

// The main thread also splits the file and writes the output, so its partition 0 takes fewer tenants.
const MAIN_WEIGHT = 0.85;

/** The partition of a tenant id's FNV-1a hash: partition 0 weighs MAIN_WEIGHT, every other 1. */
export function partitionOfHash(fnv: number, count: number): number {
  const h = mix(fnv);
  if (count === 1) return 0;
  const share = MAIN_WEIGHT / (MAIN_WEIGHT + count - 1);
  if (h % 1000 < share * 1000) return 0;
  return 1 + (Math.floor(h / 1000) % (count - 1));
}

/** MurmurHash3's finalizer: sequential tenant ids spread evenly over the partitions. */
export function mix(fnv: number): number {
  let h = fnv;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Lines as sent to a partition: UTF-8 bytes, each line followed by "\n", and each line's number. */
export interface LineBatch {
  readonly bytes: ArrayBuffer;
  readonly length: number;
  readonly lineNumbers: Int32Array;
}

/** A line that turned out to belong to another partition (its tenant id was written unusually). */
export type Stray = readonly [partition: number, lineNumber: number, line: string];

export interface IntakeResult {
  /** Bad lines: [line number, report lines]. */
  readonly bad: [number, readonly string[]][];
  readonly strays: Stray[];
}

/**
 * Serialized states in output order: stream ids (the sort key) and their JSON as UTF-8, state i
 * ending at ends[i]. Bytes, so the main thread only copies them to the output (the buffer is
 * transferred, not cloned).
 */
export interface StateBatch {
  readonly streamIds: string[];
  readonly bytes: Uint8Array;
  readonly ends: Int32Array;
}

export class FoldPartition {
  private readonly streams = new StreamEvents();
  private readonly bad: [number, readonly string[]][] = [];
  private readonly strays: Stray[] = [];
  private readonly decoder = new TextDecoder("utf-8", { ignoreBOM: true });

  constructor(
    private readonly index: number,
    private readonly count: number,
  ) {}

  takeBatch(batch: LineBatch): void {
    const text = this.decoder.decode(new Uint8Array(batch.bytes, 0, batch.length));
    let start = 0;
    for (let i = 0; i < batch.lineNumbers.length; i++) {
      const end = text.indexOf("\n", start);
      this.take(text.slice(start, end), batch.lineNumbers[i]!, true);
      start = end + 1;
    }
  }

  /** Lines other partitions found to be this one's. */
  takeStrays(lines: readonly (readonly [number, string])[]): void {
    for (const [n, line] of lines) this.take(line, n, false);
  }

  private take(raw: string, n: number, mayStray: boolean): void {
    const line = intakeLine(raw, n);
    if (line.kind === "bad") this.bad.push([n, line.report]);
    else if (line.kind === "blank" || line.kind === "partner" || this.bad.length > 0) return;
    else {
      const tenant = (line.event as { tenantid: string }).tenantid.toLowerCase();
      const owner = this.count === 1 ? 0 : partitionOf(tenant, this.count);
      if (owner === this.index) this.streams.add(line.kind, line.event);
      else if (mayStray) this.strays.push([owner, n, raw]);
      else throw new Error(`line ${n} was sent to partition ${this.index}, belongs to ${owner}`);
    }
  }

  endIntake(): IntakeResult {
    return { bad: this.bad, strays: this.bad.length > 0 ? [] : this.strays };
  }

  /** The partition's states, serialized, in batches of about `batchBytes` bytes of JSON. */
  *stateBatches(asOf: string, batchBytes = 256 * 1024): Generator<StateBatch> {
    const encoder = new TextEncoder();
    let bytes = new Uint8Array(batchBytes * 2);
    let streamIds: string[] = [];
    let ends: number[] = [];
    let length = 0;
    for (const [streamId, state] of this.streams.states(asOf)) {
      const json = JSON.stringify(state);
      if (length + json.length * 3 > bytes.length) {
        const grown = new Uint8Array(Math.max(bytes.length * 2, length + json.length * 3));
        grown.set(bytes.subarray(0, length));
        bytes = grown;
      }
      length += encoder.encodeInto(json, bytes.subarray(length)).written;
      streamIds.push(streamId);
      ends.push(length);
      if (length >= batchBytes) {
        yield { streamIds, bytes: bytes.subarray(0, length), ends: Int32Array.from(ends) };
        bytes = new Uint8Array(batchBytes * 2);
        streamIds = [];
        ends = [];
        length = 0;
      }
    }
    if (streamIds.length > 0)
      yield { streamIds, bytes: bytes.subarray(0, length), ends: Int32Array.from(ends) };
  }
}

/** Messages from the main thread to a partition's worker. */
export type ToPartition =
  | { readonly type: "batch"; readonly batch: LineBatch }
  | { readonly type: "end" }
  | { readonly type: "fold"; readonly strays: readonly (readonly [number, string])[] };

/** Messages from a partition's worker to the main thread. */
export type FromPartition =
  | { readonly type: "ack" }
  | ({ readonly type: "intake" } & IntakeResult)
  | ({ readonly type: "states" } & StateBatch)
  | { readonly type: "done" };

export interface PartitionWorkerData {
  readonly role: "evaluate-partition";
  readonly index: number;
  readonly count: number;
  readonly asOf: string;
}

export function isPartitionWorker(): boolean {
  return (workerData as PartitionWorkerData | undefined)?.role === "evaluate-partition";
}

/** The worker thread's side: takes batches, reports its intake, then streams its states back. */
export function runPartitionWorker(): void {
  const { index, count, asOf } = workerData as PartitionWorkerData;
  const port = parentPort!;
  const partition = new FoldPartition(index, count);
  const send = (m: FromPartition) => port.postMessage(m);
  port.on("message", (m: ToPartition) => {
    if (m.type === "batch") {
      partition.takeBatch(m.batch);
      send({ type: "ack" });
    } else if (m.type === "end") {
      send({ type: "intake", ...partition.endIntake() });
    } else {
      partition.takeStrays(m.strays);
      for (const batch of partition.stateBatches(asOf))
        port.postMessage({ type: "states", ...batch } satisfies FromPartition, [
          batch.bytes.buffer as ArrayBuffer,
          batch.ends.buffer as ArrayBuffer,
        ]);
      send({ type: "done" }); // the main thread then terminates this worker
    }
  });
}
