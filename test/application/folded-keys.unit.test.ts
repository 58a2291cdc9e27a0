// The snapshot's filter of folded idempotency keys: never a false "new" (that would double an event),
// and few false "maybe"s (each costs one read of the stream).
import { describe, expect, it } from "vitest";
import { foldedKeysTest, NO_FOLDED_KEYS, withFoldedKeys } from "../../application/folded-keys.ts";
import { idempotencyKey } from "../../application/idempotency.ts";

const key = (i: number) => idempotencyKey({ source: "crm://dynamics365/contoso", id: `evt-${i}` });

describe("folded keys", () => {
  it("answers maybe for every key added, at any fill", () => {
    let filter = NO_FOLDED_KEYS;
    for (let i = 0; i < 5_000; i += 500) {
      filter = withFoldedKeys(
        filter,
        Array.from({ length: 500 }, (_, j) => key(i + j)),
      );
      const mayHave = foldedKeysTest(filter);
      for (let j = 0; j < i + 500; j++) expect(mayHave(key(j))).toBe(true);
    }
  });

  it("answers new for keys never added: under 1% wrong at 1,000 folded events", () => {
    const filter = withFoldedKeys(
      NO_FOLDED_KEYS,
      Array.from({ length: 1_000 }, (_, i) => key(i)),
    );
    let maybes = 0;
    const mayHave = foldedKeysTest(filter);
    for (let i = 1_000; i < 21_000; i++) if (mayHave(key(i))) maybes++;
    expect(maybes / 20_000).toBeLessThan(0.01);
  });

  it("an empty filter holds nothing", () => {
    expect(foldedKeysTest(NO_FOLDED_KEYS)(key(1))).toBe(false);
  });

  it("stays the same size however many keys it holds", () => {
    const full = withFoldedKeys(
      NO_FOLDED_KEYS,
      Array.from({ length: 50_000 }, (_, i) => key(i)),
    );
    expect(full.length).toBe(NO_FOLDED_KEYS.length);
  });
});
