// Designation documents of format 1 (written before SCORES_FORMAT 2): the same content under one-letter
// names (`d, t, tf`, slots `{s, e}`, bucket `b`, source `seq, heads, pairs, v, certs, months, touch`).
// Read, never written: a document is translated field by field when read (exact, no request), and its
// next write is in the current format; `npm run rebuild` rewrites them all. The old names live here only.
import type { CalendarDate } from "../domain/dates.ts";
import type { PackedEntry } from "../domain/designation.ts";
import {
  type Aggregate,
  type BucketDocument,
  type MonthDocument,
  SCORES_FORMAT,
  type ScoreDocument,
  type Slot,
  type SourceDocument,
} from "./scoring-documents.ts";
import { type CompactScoringFacts, fromCompactScoringFacts } from "./scoring-facts.ts";

interface Format1Aggregate {
  d: Record<CalendarDate, number[]>;
  t: PackedEntry[];
  tf?: CalendarDate;
}
interface Format1Slot {
  s: number;
  e: PackedEntry[];
}
interface Format1Common {
  id: string;
  partnerId: string;
  format?: undefined;
  updatedAt: string;
}
export type Format1Document =
  | (Format1Common & {
      docType: "source";
      source: string;
      seq: number;
      complete: boolean;
      touch: string[];
      months: Record<string, string>;
    } & Partial<{
        heads: Record<string, readonly [id: string, v: number]>;
        pairs: Record<string, CompactScoringFacts>;
        v: number;
        certs: PackedEntry[];
      }>)
  | (Format1Common & {
      docType: "bucket";
      month: string;
      b: number;
      slots: Record<string, Format1Slot>;
      agg: Format1Aggregate;
    })
  | (Format1Common & Format1Aggregate & { docType: "month"; month: string; from: Record<string, string> });

/** A stored designation document, of any format. */
export type StoredScoreDocument = ScoreDocument | Format1Document;

/** The fields the queries project: the current names, then the format-1 names of the same content. */
export const MONTH_AGGREGATE_FIELDS = "c.month, c.aggregate, c.d, c.t, c.tf";
export const BUCKET_AGGREGATE_FIELDS = "c.bucket, c.aggregate, c.b, c.agg";

type Either<Current, Old> = Partial<Current> & Partial<Old>;

const fromFormat1Aggregate = (a: Format1Aggregate): Aggregate => ({
  changesByDay: a.d,
  traces: a.t,
  ...(a.tf !== undefined ? { tracesIncompleteFrom: a.tf } : {}),
});

/** A month's aggregate, from a whole document or a projection of MONTH_AGGREGATE_FIELDS. */
export const monthAggregate = (doc: Either<{ aggregate: Aggregate }, Format1Aggregate>): Aggregate =>
  doc.aggregate ?? fromFormat1Aggregate(doc as Format1Aggregate);

/** A bucket's number and aggregate, from a whole document or a projection of BUCKET_AGGREGATE_FIELDS. */
export const bucketAggregate = (
  doc: Either<Pick<BucketDocument, "bucket" | "aggregate">, { b: number; agg: Format1Aggregate }>,
): { bucket: number; aggregate: Aggregate } => ({
  bucket: (doc.bucket ?? doc.b)!,
  aggregate: doc.aggregate ?? fromFormat1Aggregate(doc.agg!),
});

/** A bucket's slots in the current shape. */
export function currentSlots(slots: Record<string, Slot | Format1Slot>): Record<string, Slot> {
  const out: Record<string, Slot> = {};
  for (const [source, slot] of Object.entries(slots))
    out[source] = "claimSeq" in slot ? slot : { claimSeq: slot.s, entries: slot.e };
  return out;
}

/** A stored designation document in the current format (format 1 translated field by field). */
export function currentScoreDocument(doc: StoredScoreDocument): ScoreDocument {
  if (doc.format === SCORES_FORMAT) return doc;
  const old = doc as Format1Document;
  const base = {
    id: old.id,
    partnerId: old.partnerId,
    format: SCORES_FORMAT,
    updatedAt: old.updatedAt,
  } as const;
  switch (old.docType) {
    case "month":
      return {
        ...base,
        docType: "month",
        month: old.month,
        aggregate: fromFormat1Aggregate(old),
        bucketEtags: old.from,
      } satisfies MonthDocument;
    case "bucket":
      return {
        ...base,
        docType: "bucket",
        month: old.month,
        bucket: old.b,
        slots: currentSlots(old.slots),
        aggregate: fromFormat1Aggregate(old.agg),
      } satisfies BucketDocument;
    case "source": {
      const { heads, pairs, v, certs } = old;
      const mapValues = <A, B>(r: Record<string, A>, f: (a: A) => B) =>
        Object.fromEntries(Object.entries(r).map(([k, a]) => [k, f(a)]));
      return {
        ...base,
        docType: "source",
        source: old.source,
        claimSeq: old.seq,
        ...(heads
          ? { pairHeads: mapValues(heads, ([headId, scoringVersion]) => ({ headId, scoringVersion })) }
          : {}),
        ...(pairs ? { inlineFacts: mapValues(pairs, fromCompactScoringFacts) } : {}),
        ...(v !== undefined ? { partnerVersion: v } : {}),
        ...(certs !== undefined ? { certificationEntries: certs } : {}),
        digestByMonth: old.months,
        monthsToRewrite: old.touch,
        complete: old.complete,
      } satisfies SourceDocument;
    }
  }
}
