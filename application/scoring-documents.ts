// The designation read model's storage (the `scores` container, pk /partnerId): document shapes, ids,
// and the aggregates a bucket or a month stores. The rules that give these numbers their meaning live
// in domain/designation-aggregate.ts; this file only adds them up and packs them. Documents of the
// previous format (one-letter names) are translated on read: scoring-formats.ts.
import { createHash } from "node:crypto";
import type { CalendarDate } from "../domain/dates.ts";
import type { LedgerEntry, PackedEntry, RuleSetOn, Score } from "../domain/designation.ts";
import * as designation from "../domain/designation.ts";
import type { ScoringFacts } from "./scoring-facts.ts";

const { QUANTITY_WIDTH, unpackEntry } = designation;

/** Storage format of the designation documents; documents without `format` are format 1 (one-letter names). */
export const SCORES_FORMAT = 2 as const;
/** Buckets per month: a bucket holds ~1/BUCKETS of the month's entries. */
export const BUCKETS = 32;
/** Losses (DES-2) named per start day and month; more active losses make the trace incomplete. */
export const LOSSES_TRACED = 10;
/** Traces one aggregate keeps at most (~100 bytes each): 13 month documents stay well under a 4 MB page. */
export const MAX_TRACES = 2_400;
const TRACE_BOUNDS = { lossesTraced: LOSSES_TRACED, maxTraces: MAX_TRACES };

/**
 * Entries are stored packed (domain PackedEntry: a 7-tuple [metric index, contributor, earnedOn, value,
 * countsFrom | 0, endsOn | 0, via | 0]): a month keeps up to MAX_TRACES of them per document and a GET
 * reads 13 months, so named fields (about twice the bytes) would halve what one page can carry.
 */
export interface Slot {
  /** The source's claim that wrote it: a slot is only replaced by a higher claim. */
  claimSeq: number;
  entries: PackedEntry[];
}

/** Quantities by date and bounded traces: a bucket's, or a month's. */
export interface Aggregate {
  /** Date -> change of the active quantities that day (QUANTITY_* of the domain), only days with a change. */
  changesByDay: Record<CalendarDate, number[]>;
  /** The entries that can ever be named as counted (packed), earliest start first. */
  traces: PackedEntry[];
  /** Traces were dropped for the cap MAX_TRACES: scores from this day on may not name every point. */
  tracesIncompleteFrom?: CalendarDate;
}

interface ScoreDocumentBase {
  id: string;
  partnerId: string;
  format: typeof SCORES_FORMAT;
  updatedAt: string;
}

export interface BucketDocument extends ScoreDocumentBase {
  docType: "bucket";
  month: string;
  bucket: number;
  /** Source -> its entries earned in this month. */
  slots: Record<string, Slot>;
  aggregate: Aggregate;
}

export interface MonthDocument extends ScoreDocumentBase {
  docType: "month";
  month: string;
  /** The sum of the month's buckets' aggregates. */
  aggregate: Aggregate;
  /** Bucket number -> etag of the bucket version summed in. */
  bucketEtags: Record<string, string>;
}

/** Where a tenant source reads one pair's scoring facts: the pair head, and the facts version read from it. */
export interface PairHeadReference {
  headId: string;
  scoringVersion: number;
}

export interface SourceDocument extends ScoreDocumentBase {
  docType: "source";
  source: string;
  /** Claims taken on this source so far (the writer that takes the next one owns its slots). */
  claimSeq: number;
  /**
   * Tenant sources: per workload, the pair head and the facts version read from it. The facts are read
   * back from the head (bounded, point read), so what a usage report rewrites here stays the same size
   * however long the pair's usage history grows.
   */
  pairHeads?: Record<string, PairHeadReference>;
  /** Tenant sources written before references: facts inline (read as before, moved to `pairHeads` on the next claim). */
  inlineFacts?: Record<string, ScoringFacts>;
  /** The partner source: the partner head version its entries were computed from, and the entries. */
  partnerVersion?: number;
  certificationEntries?: PackedEntry[];
  /** Month -> digest of the source's entries earned in it (months with entries only). */
  digestByMonth: Record<string, string>;
  /** Months the current claim writes (every month an unfinished claim may have touched). */
  monthsToRewrite: string[];
  complete: boolean;
}

export type ScoreDocument = SourceDocument | BucketDocument | MonthDocument;

export const monthDocumentId = (month: string) => `ledger|${month}`;
export const bucketId = (month: string, b: number) => `bucket|${month}|${b}`;
export const sourceId = (source: string) => `source|${source}`;

/** What a source's entries are computed from (the claim's state), as its document stores it. */
export interface SourceContent {
  pairHeads?: Record<string, PairHeadReference>;
  inlineFacts?: Record<string, ScoringFacts>;
  partnerVersion?: number;
  certificationEntries?: PackedEntry[];
}

/** A source document: what its entries come from, their digests per month, the months still to write. */
export function sourceDocument(
  partnerId: string,
  source: string,
  claimSeq: number,
  content: SourceContent,
  digestByMonth: Record<string, string>,
  monthsToRewrite: string[],
  now: string,
): SourceDocument {
  const { pairHeads, inlineFacts, partnerVersion, certificationEntries } = content;
  const some = (r: object | undefined) => r !== undefined && Object.keys(r).length > 0;
  return {
    id: sourceId(source),
    partnerId,
    docType: "source",
    format: SCORES_FORMAT,
    source,
    claimSeq,
    ...(some(pairHeads) ? { pairHeads } : {}),
    ...(some(inlineFacts) ? { inlineFacts } : {}),
    ...(partnerVersion !== undefined ? { partnerVersion } : {}),
    ...(certificationEntries !== undefined ? { certificationEntries } : {}),
    digestByMonth,
    monthsToRewrite,
    complete: monthsToRewrite.length === 0,
    updatedAt: now,
  };
}

/** Per-day changes of the active quantities, summed; days that sum to no change are dropped when stored. */
class DailyChanges {
  readonly #byDay: Record<string, number[]> = {};

  add(date: CalendarDate, quantities: readonly number[], sign: 1 | -1 = 1): void {
    const row = this.#byDay[date] ?? new Array<number>(QUANTITY_WIDTH).fill(0);
    for (let i = 0; i < QUANTITY_WIDTH; i++) row[i]! += sign * quantities[i]!;
    this.#byDay[date] = row;
  }

  /** The aggregate of these changes and the candidate traces (pruned to the ones that can ever count). */
  aggregate(
    traces: readonly LedgerEntry[],
    incompleteFrom: CalendarDate | undefined,
    rules: RuleSetOn,
  ): Aggregate {
    const changesByDay: Record<string, number[]> = {};
    for (const date of Object.keys(this.#byDay).sort())
      if (this.#byDay[date]!.some((x) => x !== 0)) changesByDay[date] = this.#byDay[date]!;
    const { kept, truncatedFrom } = designation.pruneTraces(traces, TRACE_BOUNDS, rules);
    const from = [truncatedFrom, incompleteFrom].filter((d) => d !== undefined).sort()[0];
    return {
      changesByDay,
      traces: kept.map(designation.packEntry),
      ...(from ? { tracesIncompleteFrom: from } : {}),
    };
  }
}

/** Where and when a bucket or month document is written, and the rules its entries are read with. */
export interface MonthWrite {
  partnerId: string;
  month: string;
  now: string;
  rules: RuleSetOn;
}

/** A bucket with its aggregate recomputed from all its slots. */
export function bucketDocument(
  { partnerId, month, now, rules }: MonthWrite,
  bucket: number,
  slots: Record<string, Slot>,
): BucketDocument {
  const changes = new DailyChanges();
  const entries: LedgerEntry[] = [];
  for (const slot of Object.values(slots))
    for (const p of slot.entries) {
      const e = unpackEntry(p, rules);
      const quantities = designation.quantitiesOf(e, rules);
      changes.add(designation.countsFromOf(e), quantities, 1);
      changes.add(designation.countsUntilOf(e), quantities, -1);
      entries.push(e);
    }
  const aggregate = changes.aggregate(entries, undefined, rules);
  const base = { id: bucketId(month, bucket), partnerId, docType: "bucket" as const, format: SCORES_FORMAT };
  return { ...base, month, bucket, slots, aggregate, updatedAt: now };
}

/** A month: the sum of its buckets' aggregates (`bucketEtags`: the bucket versions summed). */
export function monthDocument(
  { partnerId, month, now, rules }: MonthWrite,
  aggregates: readonly Aggregate[],
  bucketEtags: Record<string, string>,
): MonthDocument {
  const changes = new DailyChanges();
  const traces: LedgerEntry[] = [];
  for (const a of aggregates) {
    for (const [date, quantities] of Object.entries(a.changesByDay)) changes.add(date, quantities);
    for (const p of a.traces) traces.push(unpackEntry(p, rules));
  }
  const incomplete = aggregates.map((a) => a.tracesIncompleteFrom).filter((d) => d !== undefined);
  const aggregate = changes.aggregate(traces, incomplete.sort()[0], rules);
  const base = { id: monthDocumentId(month), partnerId, docType: "month" as const, format: SCORES_FORMAT };
  return { ...base, month, aggregate, bucketEtags, updatedAt: now };
}

/** The score at `asOf` from the months' aggregates: the quantities active then, the traces, the domain's rules. */
export function scoreFromMonths(
  months: ReadonlyMap<string, Aggregate>,
  asOf: CalendarDate,
  rules: RuleSetOn,
): { score: Score; traces: LedgerEntry[] } {
  const active = new Array<number>(QUANTITY_WIDTH).fill(0);
  const traces: LedgerEntry[] = [];
  let truncated = false;
  for (const month of designation.ledgerShardsFor(asOf, rules)) {
    const aggregate = months.get(month);
    if (!aggregate) continue;
    for (const [date, v] of Object.entries(aggregate.changesByDay))
      if (date <= asOf) for (let i = 0; i < QUANTITY_WIDTH; i++) active[i]! += v[i]!;
    for (const p of aggregate.traces) traces.push(unpackEntry(p, rules));
    if (aggregate.tracesIncompleteFrom !== undefined && aggregate.tracesIncompleteFrom <= asOf)
      truncated = true;
  }
  return { score: designation.scoreFromAggregates(active, traces, asOf, truncated, rules), traces };
}

/** Packed entries by the month document they live in. */
export function byShard(packed: readonly PackedEntry[]): Map<string, PackedEntry[]> {
  const out = new Map<string, PackedEntry[]>();
  for (const p of packed) {
    const month = designation.ledgerShardOf({ earnedOn: p[2] } as LedgerEntry);
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
