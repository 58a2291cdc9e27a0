// The designation read model's queries, each inside one partner's partition (single-partition, paged to
// the end). Point reads and writes stay with their use (scoring.ts, scoring-rebuild.ts).
import type { DocumentCollection, QueryParameter, Versioned } from "./ports/document-collection.ts";
import type { Aggregate, ScoreDocument, Slot } from "./scoring-documents.ts";
import { BUCKETS } from "./scoring-documents.ts";
import {
  BUCKET_AGGREGATE_FIELDS,
  bucketAggregate,
  currentSlots,
  MONTH_AGGREGATE_FIELDS,
  monthAggregate,
} from "./scoring-formats.ts";
import { allPages } from "./scoring-requests.ts";
import type { PairDocument, ProjectionDocument } from "./stream-head.ts";

type Bindings = Record<string, QueryParameter["value"]>;
const parameters = (partnerId: string, bound: Bindings): QueryParameter[] =>
  Object.entries({ partnerId, ...bound }).map(([name, value]) => ({ name: `@${name}`, value }));

/**
 * Every item a query finds in the partner's partition. The partition key scopes it and the SQL names
 * the partner again (`c.partnerId = @partnerId`, bound here): isolation never rests on one option.
 */
function inPartition<R>(
  collection: DocumentCollection<{ id: string }>,
  partnerId: string,
  sql: string,
  bound: Bindings,
  pageSize: number,
): Promise<R[]> {
  return allPages((continuationToken) =>
    collection.query<R>(partnerId, sql, parameters(partnerId, bound), {
      maxItemCount: pageSize,
      continuationToken,
    }),
  );
}

/** The month aggregates first..last (YYYY-MM, inclusive), by month: what a GET reads. */
export async function monthAggregates(
  scores: DocumentCollection<ScoreDocument>,
  partnerId: string,
  first: string,
  last: string,
  pageSize: number,
): Promise<Map<string, Aggregate>> {
  const months = await inPartition<{ month: string } & Parameters<typeof monthAggregate>[0]>(
    scores,
    partnerId,
    `SELECT ${MONTH_AGGREGATE_FIELDS} FROM c WHERE c.partnerId = @partnerId AND c.docType = 'month' AND c.month >= @first AND c.month <= @last`,
    { first, last },
    pageSize,
  );
  return new Map(months.map((m) => [m.month, monthAggregate(m)]));
}

/** The slots of every bucket of months first..last (YYYY-MM, inclusive). */
export async function bucketSlots(
  scores: DocumentCollection<ScoreDocument>,
  partnerId: string,
  first: string,
  last: string,
): Promise<{ month: string; slots: Record<string, Slot> }[]> {
  const buckets = await inPartition<{ month: string; slots: Record<string, Slot> }>(
    scores,
    partnerId,
    "SELECT c.month, c.slots FROM c WHERE c.partnerId = @partnerId AND c.docType = 'bucket' AND c.month >= @first AND c.month <= @last",
    { first, last },
    64,
  );
  return buckets.map((b) => ({ month: b.month, slots: currentSlots(b.slots) }));
}

/** A month's bucket aggregates with the etags of the versions read. */
export async function bucketAggregates(
  scores: DocumentCollection<ScoreDocument>,
  partnerId: string,
  month: string,
): Promise<Versioned<{ bucket: number; aggregate: Aggregate }>[]> {
  const buckets = await allPages((continuationToken) =>
    scores.queryVersioned(
      partnerId,
      `SELECT ${BUCKET_AGGREGATE_FIELDS}, c._etag FROM c WHERE c.partnerId = @partnerId AND c.docType = 'bucket' AND c.month = @month`,
      parameters(partnerId, { month }),
      { maxItemCount: BUCKETS, continuationToken },
    ),
  );
  type Projected = Parameters<typeof bucketAggregate>[0];
  return buckets.map(({ doc, etag }) => ({ doc: bucketAggregate(doc as unknown as Projected), etag }));
}

/** The pair heads of a tenant (bounded documents). */
export function tenantPairHeads(
  heads: DocumentCollection<ProjectionDocument>,
  partnerId: string,
  tenantId: string,
): Promise<PairDocument[]> {
  const tenant = tenantId.toLowerCase();
  // Stream ids keep the tenant id as sent; the ledger names tenants in lower case.
  return inPartition<PairDocument>(
    heads,
    partnerId,
    "SELECT * FROM c WHERE c.partnerId = @partnerId AND c.docType = 'pair' AND c.tenantId IN (@raw, @lower, @upper)",
    { raw: tenantId, lower: tenant, upper: tenant.toUpperCase() },
    100,
  );
}

/** The ids of every pair head of the partner (the rebuild, when it is not given them). */
export async function pairHeadIds(heads: DocumentCollection<ProjectionDocument>, partnerId: string) {
  const sql = "SELECT c.id FROM c WHERE c.partnerId = @partnerId AND c.docType = 'pair'";
  return (await inPartition<{ id: string }>(heads, partnerId, sql, {}, 100_000)).map((p) => p.id);
}

/** Every designation document of the partner: id, type, and for sources their claim (the rebuild). */
export async function scoreDocumentsOf(scores: DocumentCollection<ScoreDocument>, partnerId: string) {
  type Found = { id: string; docType: string; source?: string; claimSeq?: number; seq?: number };
  const sql = "SELECT c.id, c.docType, c.source, c.claimSeq, c.seq FROM c WHERE c.partnerId = @partnerId";
  const found = await inPartition<Found>(scores, partnerId, sql, {}, 10_000);
  // `seq`: the claim of a format-1 source (scoring-formats.ts).
  return found.map(({ seq, claimSeq, ...d }) => ({ ...d, claimSeq: claimSeq ?? seq ?? 0 }));
}
