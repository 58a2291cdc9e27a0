import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import {
  type EngagementEvent,
  streamIdOf,
  streamKindOf,
  tenantStreamId,
  validateEvent,
} from "../domain/events.ts";
import { comparePairStreams, evaluatePair, pairKeyOf } from "../domain/fold.ts";
import { parseWhen, WHEN_EXPECTED } from "../domain/instants.ts";
import type { PairState } from "../domain/pair-state.ts";

export class EvaluateUsageError extends Error {}

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
  // The same reader as every route's asOf (domain/instants.ts): a date is its whole UTC day.
  const when = parseWhen(asOf);
  if (!when) throw new EvaluateUsageError(`--as-of ${JSON.stringify(asOf)}: ${WHEN_EXPECTED}`);
  if (file === undefined) throw new EvaluateUsageError("an NDJSON file is required");
  return { asOf: when.instant, file };
}

/**
 * Reads NDJSON line by line; any bad line refuses the whole input with a report naming line and
 * field. Valid lines are kept as their JSON text, grouped per stream (a validated event serializes
 * back to what was sent), and parsed again only when their pair is folded: a million events fit
 * in a fraction of the memory the parsed objects would take.
 */
export async function* evaluateLines(
  lines: AsyncIterable<string> | Iterable<string>,
  asOf: string,
  onBadLines: (report: string[]) => void,
): AsyncGenerator<PairState> {
  const tenants = new Map<string, string[]>();
  const pairs = new Map<string, string[]>();
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
    if (!v.ok) {
      for (const e of v.errors) report.push(`line ${n}: ${e.path}: ${e.message}`);
      continue;
    }
    if (report.length > 0) continue; // the input is refused anyway; only keep finding errors
    const kind = streamKindOf(v.event.type);
    if (kind === "pair") push(pairs, streamIdOf(v.event), line);
    else if (kind === "tenant") push(tenants, streamIdOf(v.event), line);
  }
  if (report.length > 0) {
    onBadLines(report);
    return;
  }
  const parse = (list: readonly string[] | undefined) =>
    (list ?? []).map((l) => JSON.parse(l) as EngagementEvent);
  let tenantId: string | undefined;
  let tenantEvents: EngagementEvent[] = [];
  for (const streamId of [...pairs.keys()].sort(comparePairStreams)) {
    const key = pairKeyOf(streamId);
    const tenantStream = tenantStreamId(key.partnerId, key.tenantId);
    if (tenantStream !== tenantId) {
      tenantId = tenantStream;
      tenantEvents = parse(tenants.get(tenantStream));
    }
    const pairLines = pairs.get(streamId);
    pairs.delete(streamId);
    yield evaluatePair(key, parse(pairLines), tenantEvents, asOf);
  }
}

function push(map: Map<string, string[]>, key: string, value: string) {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Opens the file named on the command line and yields its pairs' states in output order. */
export async function evaluateFile(
  argv: readonly string[],
  onBadLines: (report: string[]) => void,
): Promise<AsyncGenerator<PairState>> {
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
  return evaluateLines(
    createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }),
    asOf,
    onBadLines,
  );
}
