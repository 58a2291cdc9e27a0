import {
  type EngagementEvent,
  type StreamKind,
  streamIdOf,
  streamKindOf,
  tenantStreamId,
  validateEvent,
} from "../domain/events.ts";
import { evaluatePair, pairKeyOf, sortPairStreams } from "../domain/fold.ts";
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

/** What one line of the input is: blank, bad (with the report's lines), or a valid event of a stream kind. */
export type LineIntake =
  | { readonly kind: "blank" }
  | { readonly kind: "bad"; readonly report: readonly string[] }
  | { readonly kind: StreamKind; readonly event: EngagementEvent };

/**
 * Parses and validates one line, once. The parsed object itself is kept, not zod's output: validation
 * never transforms, and keeping what JSON.parse built makes no second copy of every event.
 */
export function intakeLine(raw: string, n: number): LineIntake {
  const line = raw.trim();
  if (line === "") return { kind: "blank" };
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error) {
    return { kind: "bad", report: [`line ${n}: $: not JSON (${(error as Error).message})`] };
  }
  const v = validateEvent(json);
  if (!v.ok) return { kind: "bad", report: v.errors.map((e) => `line ${n}: ${e.path}: ${e.message}`) };
  return { kind: streamKindOf(v.event), event: json as EngagementEvent };
}

/** A set of streams' events, held until the whole input is read (a pair's fold needs all its history). */
export class StreamEvents {
  private readonly pairs = new Map<string, EngagementEvent[]>();
  private readonly tenants = new Map<string, EngagementEvent[]>();

  /** Keeps a valid event of a pair or tenant; partner events play no part in a pair's state. */
  add(kind: StreamKind, event: EngagementEvent): void {
    if (kind === "pair") push(this.pairs, streamIdOf(event), event);
    else if (kind === "tenant") push(this.tenants, streamIdOf(event), event);
  }

  /** Every pair's state at `asOf` in STATE.md's order, with its stream id; each pair is released once folded. */
  *states(asOf: string): Generator<[streamId: string, state: PairState]> {
    for (const streamId of sortPairStreams(this.pairs.keys())) {
      const key = pairKeyOf(streamId);
      const tenantEvents = this.tenants.get(tenantStreamId(key.partnerId, key.tenantId)) ?? [];
      const pairEvents = this.pairs.get(streamId)!;
      this.pairs.delete(streamId);
      yield [streamId, evaluatePair(key, pairEvents, tenantEvents, asOf)];
    }
  }
}

/**
 * The single-threaded evaluator: reads NDJSON line by line; any bad line refuses the whole input
 * with a report naming line and field. The parallel evaluator (evaluate-parallel.ts) must print
 * exactly what this one yields; the CLI tests compare them byte for byte.
 */
export async function* evaluateLines(
  lines: AsyncIterable<string> | Iterable<string>,
  asOf: string,
  onBadLines: (report: string[]) => void,
): AsyncGenerator<PairState> {
  const streams = new StreamEvents();
  const report: string[] = [];
  let n = 0;
  for await (const raw of lines) {
    const line = intakeLine(raw, ++n);
    if (line.kind === "bad") report.push(...line.report);
    // Once the input is refused, only keep finding errors.
    else if (line.kind !== "blank" && report.length === 0) streams.add(line.kind, line.event);
  }
  if (report.length > 0) {
    onBadLines(report);
    return;
  }
  for (const [, state] of streams.states(asOf)) yield state;
}

function push(map: Map<string, EngagementEvent[]>, key: string, value: EngagementEvent) {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
