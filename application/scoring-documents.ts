// The designation read model's storage (the `scores` container, pk /partnerId): document shapes, ids,
// and the aggregates a bucket or a month stores. The rules that give these numbers their meaning live
// in domain/designation-aggregate.ts; this file only adds them up and packs them.
import { createHash } from "node:crypto";
import type { CalendarDate } from "../domain/dates.ts";
import {
  countsFromOf,
  countsUntilOf,
  type LedgerEntry,
  ledgerShardOf,
  ledgerShardsFor,
  type PackedEntry,
  packEntry,
  pruneTraces,
  QUANTITY_WIDTH,
  quantitiesOf,
  type RuleSetOn,
  type Score,
  scoreFromAggregates,
  unpackEntry,
} from "../domain/designation.ts";
import type { ScoringFacts } from "./scoring-facts.ts";

/** Buckets per month: a bucket holds ~1/BUCKETS of the month's entries. */
export const BUCKETS = 32;
/** Losses (DES-2) named per start day and month; more active losses make the trace incomplete. */
export const LOSSES_TRACED = 10;
/** Traces one aggregate keeps at most (~100 bytes each): 13 month documents stay well under a 4 MB page. */
export const MAX_TRACES = 2_400;
const TRACE_BOUNDS = { lossesTraced: LOSSES_TRACED, maxTraces: MAX_TRACES };

export interface Slot {
  /** The source's claim sequence that wrote it. */
  s: number;
  e: PackedEntry[];
}

/** Quantities by date and bounded traces: a bucket's, or a month's. */
export interface Aggregate {
  /** date -> change of the active quantities that day (QUANTITY_* of the domain), only non-zero days. */
  d: Record<CalendarDate, number[]>;
  /** Traces (packed entries). */
  t: PackedEntry[];
  /** Traces were dropped for the cap MAX_TRACES: none starting before this day. */
  tf?: CalendarDate;
}

export interface BucketDocument {
  id: string;
  partnerId: string;
  docType: "bucket";
  month: string;
  b: number;
  slots: Record<string, Slot>;
  agg: Aggregate;
  updatedAt: string;
}

export interface MonthDocument extends Aggregate {
  id: string;
  partnerId: string;
  docType: "month";
  month: string;
  /** bucket number -> etag of the bucket version summed in. */
  from: Record<string, string>;
  updatedAt: string;
}

export interface SourceDocument {
  id: string;
  partnerId: string;
  docType: "source";
  source: string;
  seq: number;
  /**
   * Tenant sources: per workload, the pair head's document id and the scoring-facts version read from it.
   * The facts themselves are read back from the head (bounded, point read), so what a usage report
   * rewrites here stays the same size however long the pair's usage history grows.
   */
  heads?: Record<string, readonly [id: string, v: number]>;
  /** Tenant sources written by the previous version: the facts inline (read as before, moved to `heads` on the next claim). */
  pairs?: Record<string, ScoringFacts>;
  /** The partner source: the partner head version its entries were computed from, and the entries. */
  v?: number;
  certs?: PackedEntry[];
  /** Month -> digest of the source's entries earned in it (months with entries only). */
  months: Record<string, string>;
  /** Months the current claim writes (every month an unfinished claim may have touched). */
  touch: string[];
  complete: boolean;
  updatedAt: string;
}

export type ScoreDocument = SourceDocument | BucketDocument | MonthDocument;

export const monthDocumentId = (month: string) => `ledger|${month}`;
export const bucketId = (month: string, b: number) => `bucket|${month}|${b}`;
export const sourceId = (source: string) => `source|${source}`;

function addDelta(d: Record<string, number[]>, date: CalendarDate, v: readonly number[], sign: 1 | -1) {
  const row = d[date] ?? new Array<number>(QUANTITY_WIDTH).fill(0);
  for (let i = 0; i < QUANTITY_WIDTH; i++) row[i]! += sign * v[i]!;
  d[date] = row;
}

function sparse(d: Record<string, number[]>): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const date of Object.keys(d).sort()) if (d[date]!.some((x) => x !== 0)) out[date] = d[date]!;
  return out;
}

const minDate = (...dates: (CalendarDate | undefined)[]) =>
  dates.reduce<CalendarDate | undefined>(
    (m, d) => (d !== undefined && (m === undefined || d < m) ? d : m),
    undefined,
  );

/** A bucket with its aggregate recomputed from all its slots. */
export function bucketDocument(
  partnerId: string,
  month: string,
  b: number,
  slots: Record<string, Slot>,
  now: string,
  rules: RuleSetOn,
): BucketDocument {
  const d: Record<string, number[]> = {};
  const entries: LedgerEntry[] = [];
  for (const slot of Object.values(slots))
    for (const p of slot.e) {
      const e = unpackEntry(p, rules);
      const v = quantitiesOf(e, rules);
      addDelta(d, countsFromOf(e), v, 1);
      addDelta(d, countsUntilOf(e), v, -1);
      entries.push(e);
    }
  const { kept, truncatedFrom } = pruneTraces(entries, TRACE_BOUNDS, rules);
  const agg: Aggregate = {
    d: sparse(d),
    t: kept.map(packEntry),
    ...(truncatedFrom ? { tf: truncatedFrom } : {}),
  };
  return { id: bucketId(month, b), partnerId, docType: "bucket", month, b, slots, agg, updatedAt: now };
}

/** A month: the sum of its buckets' aggregates (`from`: the bucket versions summed). */
export function monthDocument(
  partnerId: string,
  month: string,
  aggs: readonly Aggregate[],
  from: Record<string, string>,
  now: string,
  rules: RuleSetOn,
): MonthDocument {
  const d: Record<string, number[]> = {};
  const traces: LedgerEntry[] = [];
  for (const agg of aggs) {
    for (const [date, v] of Object.entries(agg.d)) addDelta(d, date, v, 1);
    for (const p of agg.t) traces.push(unpackEntry(p, rules));
  }
  const { kept, truncatedFrom } = pruneTraces(traces, TRACE_BOUNDS, rules);
  const truncated = minDate(truncatedFrom, ...aggs.map((a) => a.tf));
  return {
    id: monthDocumentId(month),
    partnerId,
    docType: "month",
    month,
    d: sparse(d),
    t: kept.map(packEntry),
    ...(truncated ? { tf: truncated } : {}),
    from,
    updatedAt: now,
  };
}

/** The score at `asOf` from the month documents: the quantities active then, the traces, the domain's rules. */
export function scoreFromMonths(
  months: ReadonlyMap<string, Pick<MonthDocument, "d" | "t" | "tf">>,
  asOf: CalendarDate,
  rules: RuleSetOn,
): { score: Score; traces: LedgerEntry[] } {
  const active = new Array<number>(QUANTITY_WIDTH).fill(0);
  const traces: LedgerEntry[] = [];
  let truncated = false;
  for (const month of ledgerShardsFor(asOf, rules)) {
    const doc = months.get(month);
    if (!doc) continue;
    for (const [date, v] of Object.entries(doc.d))
      if (date <= asOf) for (let i = 0; i < QUANTITY_WIDTH; i++) active[i]! += v[i]!;
    for (const p of doc.t) traces.push(unpackEntry(p, rules));
    if (doc.tf !== undefined && doc.tf <= asOf) truncated = true;
  }
  return { score: scoreFromAggregates(active, traces, asOf, truncated, rules), traces };
}

/** Packed entries by the month document they live in. */
export function byShard(packed: readonly PackedEntry[]): Map<string, PackedEntry[]> {
  const out = new Map<string, PackedEntry[]>();
  for (const p of packed) {
    const month = ledgerShardOf({ earnedOn: p[2] } as LedgerEntry);
    const list = out.get(month) ?? [];
    list.push(p);
    out.set(month, list);
  }
  return out;
}

/** FNV-1a over a string (32 bits): bucket numbers. */
function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
export const digest = (e: readonly PackedEntry[]) =>
  createHash("sha256").update(JSON.stringify(e)).digest("base64").slice(0, 16);
export const bucketOf = (source: string) => fnv(source) % BUCKETS;

export const sameRecord = (a: Record<string, string> | undefined, b: Record<string, string>) => {
  if (!a) return false;
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
};
