// `evaluate --as-of` reads times as every route's asOf does (domain/instants.ts).
import { describe, expect, it } from "vitest";
import { EvaluateUsageError, parseArgs } from "../../application/evaluate-file.ts";

describe("evaluate --as-of", () => {
  it.each([
    ["2025-05-22", "2025-05-22T23:59:59.999Z"],
    ["2025-05-22T00:00:00Z", "2025-05-22T00:00:00Z"],
    ["2025-05-22T08:00:00+05:30", "2025-05-22T02:30:00Z"],
  ])("reads %s as %s", (value, instant) => {
    expect(parseArgs(["--as-of", value, "events.ndjson"])).toEqual({ asOf: instant, file: "events.ndjson" });
  });
  it.each(["1", "yesterday", "", "2025-02-30", "2025-02-30T00:00:00Z", "9999-12-31T23:59:59-23:59"])(
    "refuses %j with a usage error",
    (value) => {
      expect(() => parseArgs(["--as-of", value, "events.ndjson"])).toThrow(EvaluateUsageError);
    },
  );
});
