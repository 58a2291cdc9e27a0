// `npm run rebuild` for the designation read model: a partner's sources, buckets and months written whole
// from its heads (after the heads are rebuilt from the events).
import type { RuleSetOn } from "../domain/designation.ts";
import { packEntry } from "../domain/designation.ts";
import type { DocumentCollection } from "./ports/document-collection.ts";
import {
  type Aggregate,
  bucketDocument,
  bucketId,
  bucketOf,
  byShard,
  digest,
  monthDocument,
  monthDocumentId,
  type ScoreDocument,
  type Slot,
  type SourceDocument,
  sourceDocument,
} from "./scoring-documents.ts";
import type { ScoringFacts } from "./scoring-facts.ts";
import { pairHeadIds as queryPairHeadIds, scoreDocumentsOf } from "./scoring-queries.ts";
import { inParallel, PARALLEL, transient } from "./scoring-requests.ts";
import {
  entriesOf,
  PARTNER_SOURCE,
  partnerState,
  type SourceState,
  scoringFactsOfHead,
  sourceContent,
} from "./scoring-source.ts";
import type { PairDocument, PartnerDocument, ProjectionDocument } from "./stream-head.ts";
import { PARTNER_DOCUMENT_ID } from "./stream-head.ts";

export interface ScoringStores {
  readonly scores: DocumentCollection<ScoreDocument>;
  readonly heads: DocumentCollection<ProjectionDocument>;
  readonly clock: () => Date;
  readonly rules: RuleSetOn;
}

/**
 * `npm run rebuild` (after the heads are rebuilt from the events): the partner's whole read model folded
 * again from its pair heads (`pairHeadIds`: their document ids, when the caller knows them) and its partner
 * head, buckets and months written whole. Not meant to race
 * the projector.
 */
export async function rebuildPartner(
  { scores, heads, clock, rules }: ScoringStores,
  partnerId: string,
  pairHeadIds?: readonly string[],
): Promise<RebuildStats> {
  // 1. Facts of every pair head of the partner, each by a point read (its facts kept, its events
  //    dropped). `npm run rebuild` knows the heads (it has just refolded them from the streams); without
  //    that list, one paged single-partition query for the ids. (In the emulator every query re-reads the
  //    whole container, superlinearly: a page of heads at a time cannot finish at 100,000 heads.)
  const ids: string[] = pairHeadIds ? [...pairHeadIds] : await queryPairHeadIds(heads, partnerId);
  const tenants = new Map<string, Record<string, ScoringFacts>>();
  const headIds = new Map<string, string>(); // tenant|workload -> pair head id (sources name heads, not facts)
  await inParallel(ids, 2 * PARALLEL, async (id) => {
    const head = (await transient(() => heads.read(partnerId, id)))?.doc as PairDocument | undefined;
    if (!head) return;
    const tenant = head.tenantId.toLowerCase();
    const pairs = tenants.get(tenant) ?? {};
    pairs[head.workload] = scoringFactsOfHead(head);
    tenants.set(tenant, pairs);
    headIds.set(`${tenant}|${head.workload}`, head.id);
  });
  const partnerHead = (await heads.read(partnerId, PARTNER_DOCUMENT_ID))?.doc as PartnerDocument | undefined;

  // 2. What exists (of any format): source claims (slots stay ahead of any earlier claim), bucket and month ids.
  const seqs = new Map<string, number>();
  const oldIds = new Set<string>();
  for (const d of await scoreDocumentsOf(scores, partnerId)) {
    if (d.docType === "source" && d.source !== undefined) seqs.set(d.source, d.claimSeq);
    else oldIds.add(d.id);
  }

  // 3. Sources: state, entries, slots.
  const now = clock().toISOString();
  const sources: SourceDocument[] = [];
  const slots = new Map<string, { month: string; bucket: number; slots: Record<string, Slot> }>();
  let entryCount = 0;
  const add = (source: string, state: SourceState) => {
    const seq = (seqs.get(source) ?? 0) + 1;
    const wanted = byShard(entriesOf(source, state, rules).map(packEntry));
    const bucket = bucketOf(source);
    for (const [month, entries] of wanted) {
      const key = bucketId(month, bucket);
      const found = slots.get(key) ?? { month, bucket, slots: {} };
      found.slots[source] = { claimSeq: seq, entries };
      slots.set(key, found);
      entryCount += entries.length;
    }
    const ids = Object.fromEntries(
      Object.keys(state.factsByWorkload ?? {}).map((w) => [w, headIds.get(`${source}|${w}`)!]),
    );
    const digests = Object.fromEntries([...wanted].map(([m, e]) => [m, digest(e)]));
    sources.push(sourceDocument(partnerId, source, seq, sourceContent(state, ids), digests, [], now));
  };
  for (const [tenant, factsByWorkload] of tenants) add(tenant, { factsByWorkload });
  tenants.clear();
  if (partnerHead) add(PARTNER_SOURCE, partnerState(undefined, partnerHead, rules)!);
  // Former sources without a head any more: emptied (their slots vanish with the rewritten buckets).
  const present = new Set(sources.map((s) => s.source));
  for (const source of seqs.keys())
    if (!present.has(source)) add(source, source === PARTNER_SOURCE ? {} : { factsByWorkload: {} });

  // 4. Buckets, then months summed from them (with the etags written), then stale documents deleted.
  const largest = { bytes: 0, id: "" };
  const measure = (doc: { id: string }) => {
    const bytes = Buffer.byteLength(JSON.stringify(doc));
    if (bytes > largest.bytes) Object.assign(largest, { bytes, id: doc.id });
  };
  const byMonth = new Map<string, { aggregates: Aggregate[]; from: Record<string, string> }>();
  await inParallel([...slots.values()], 4, async (s) => {
    const doc = bucketDocument({ partnerId, month: s.month, now, rules }, s.bucket, s.slots);
    measure(doc);
    const { etag } = await transient(() => scores.upsert(doc));
    const m = byMonth.get(s.month) ?? { aggregates: [], from: {} };
    m.aggregates.push(doc.aggregate);
    m.from[String(s.bucket)] = etag;
    byMonth.set(s.month, m);
  });
  slots.clear();
  const monthBytes: number[] = [];
  await inParallel([...byMonth], 4, async ([month, { aggregates, from }]) => {
    const doc = monthDocument({ partnerId, month, now, rules }, aggregates, from);
    measure(doc);
    monthBytes.push(Buffer.byteLength(JSON.stringify(doc)));
    await transient(() => scores.upsert(doc));
  });
  const kept = new Set<string>();
  for (const [month, { from }] of byMonth) {
    kept.add(monthDocumentId(month));
    for (const b of Object.keys(from)) kept.add(bucketId(month, Number(b)));
  }
  await inParallel(
    [...oldIds].filter((id) => !kept.has(id)),
    4,
    (id) => scores.delete(partnerId, id),
  );

  // 5. Bookkeeping, every source complete.
  await inParallel(sources, 2 * PARALLEL, (doc) => {
    measure(doc);
    return transient(() => scores.upsert(doc));
  });
  return {
    sources: sources.length,
    entries: entryCount,
    shards: byMonth.size,
    buckets: [...byMonth.values()].reduce((n, m) => n + Object.keys(m.from).length, 0),
    largestDocument: largest,
    largestMonthBytes: Math.max(0, ...monthBytes),
  };
}

export interface RebuildStats {
  sources: number;
  entries: number;
  /** Month documents. */
  shards: number;
  buckets: number;
  largestDocument: { id: string; bytes: number };
  largestMonthBytes: number;
}
