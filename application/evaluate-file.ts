import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { type EngagementEvent, validateEvent } from "../domain/events.ts";
import { evaluatePairs } from "../domain/fold.ts";
import type { PairState } from "../domain/pair-state.ts";

export class EvaluateUsageError extends Error {}

export type EvaluateResult = { ok: true; states: PairState[] } | { ok: false; report: string[] };

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

export function parseArgs(argv: readonly string[]): { asOf: string; file: string } {
  let asOf: string | undefined;
  let file: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--as-of") asOf = argv[++i];
    else if (arg.startsWith("--as-of=")) asOf = arg.slice("--as-of=".length);
    else if (arg === "--") continue;
    else if (file === undefined) file = arg;
    else throw new EvaluateUsageError(`unexpected argument ${arg}`);
  }
  if (asOf === undefined) throw new EvaluateUsageError("--as-of is required");
  if (!RFC3339.test(asOf) || Number.isNaN(Date.parse(asOf))) {
    throw new EvaluateUsageError(`--as-of ${asOf} is not an RFC 3339 instant`);
  }
  if (file === undefined) throw new EvaluateUsageError("an NDJSON file is required");
  return { asOf, file };
}

/** Reads NDJSON line by line; any bad line refuses the whole file with a report naming line and field. */
export async function evaluateLines(lines: AsyncIterable<string> | Iterable<string>, asOf: string): Promise<EvaluateResult> {
  const events: EngagementEvent[] = [];
  const report: string[] = [];
  let n = 0;
  for await (const raw of lines) {
    n++;
    const line = raw.trim();
    if (line === "") continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (error) {
      report.push(`line ${n}: $: not JSON (${(error as Error).message})`);
      continue;
    }
    const v = validateEvent(json);
    if (v.ok) events.push(v.event);
    else for (const e of v.errors) report.push(`line ${n}: ${e.path}: ${e.message}`);
  }
  if (report.length > 0) return { ok: false, report };
  return { ok: true, states: evaluatePairs(events, asOf) };
}

export async function evaluateFile(argv: readonly string[]): Promise<EvaluateResult> {
  const { asOf, file } = parseArgs(argv);
  const stream = createReadStream(file, { encoding: "utf8" });
  const opened = new Promise<void>((resolve, reject) => {
    stream.once("open", () => resolve());
    stream.once("error", reject);
  });
  try {
    await opened;
  } catch (error) {
    throw new EvaluateUsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  return evaluateLines(createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }), asOf);
}
