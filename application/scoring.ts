import type { CalendarDate } from "../domain/dates.ts";
import { addMonths } from "../domain/dates.ts";
import {
  droppedBetween,
  type LedgerEntry,
  ledgerShardsFor,
  type PackedEntry,
  packEntry,
  type RuleSetOn,
  type Score,
  unpackEntry,
} from "../domain/designation.ts";
import { ruleSetOn as ruleSetInForce } from "../domain/rules/index.ts";
import type { DocumentCollection, Versioned } from "./ports/document-collection.ts";
import { DocumentConflict } from "./ports/document-collection.ts";
import {
  type BucketDocument,
  bucketDocument,
  bucketId,
  bucketOf,
  byShard,
  digest,
  type MonthDocument,
  type MonthWrite,
  monthDocument,
  monthDocumentId,
  type ScoreDocument,
  type Slot,
  type SourceDocument,
  sameRecord,
  scoreFromMonths,
  sourceDocument,
  sourceId,
} from "./scoring-documents.ts";
import { currentScoreDocument, type StoredScoreDocument } from "./scoring-formats.ts";
import { MAX_SERIES_MONTHS, type ScoreSeriesPoint } from "./scoring-presentation.ts";
import { bucketAggregates, bucketSlots, monthAggregates, tenantPairHeads } from "./scoring-queries.ts";
import { type RebuildStats, rebuildPartner } from "./scoring-rebuild.ts";
import { inParallel, PARALLEL, untilWritten, writeOver } from "./scoring-requests.ts";
import {
  entriesOf,
  type HeadFacts,
  type Next,
  PARTNER_SOURCE,
  partnerNext,
  scoringFactsOfHead,
  sourceContent,
  tenantState,
} from "./scoring-source.ts";
import {
  PARTNER_DOCUMENT_ID,
  type PairDocument,
  type PartnerDocument,
  type ProjectionDocument,
} from "./stream-head.ts";

// What the host, the function and the tests name from here (the rest is in the files listed below).
export { LOSSES_TRACED, type MonthDocument, type ScoreDocument } from "./scoring-documents.ts";
export { MAX_SERIES_MONTHS, presentScore, presentSeries, seriesMonths } from "./scoring-presentation.ts";

// The Solutions Partner for Security read model (RULES DES-*), in the `scores` container (pk /partnerId).
//
// POINTS ARE EXACT FROM AGGREGATES, TRACES ARE BOUNDED.
// Every ledger entry (domain/designation.ts) counts with its value over [start, end) =
// [max(earnedOn, countsFrom), min(expiresOn, endsOn)). The read model stores, per month of earnedOn, the
// per-day CHANGES of the counted quantities (+ at start, − at end, keyed by the real date, which may lie
// in a later month). The active quantity at D is the sum of the changes dated <= D over the 13 months
// ledgerShardsFor(D): an entry active at D was earned in those months, and an entry earned there and over
// by D adds +v − v = 0. Exact, whatever the number of entries. What the quantities are and how they
// become points is the domain's (domain/designation-aggregate.ts, QUANTITY_* and scoreFromAggregates).
// Traces name the contributions. Under a cap the latest-expiring contributions count first, so at any D
// only the best-ranked active entries can be named. An entry is kept as a trace unless entries that rank
// above it AND start counting no later than it already weigh the metric's cap (they are active whenever it
// is, so it can never count): a bounded "skyline" per start day, of at most cap/weight entries per metric
// (DES-2: 20 adds + 10 losses, DES-3 7, DES-4 30 points' worth, DES-5 6). Pruning commutes with union,
// so a month's traces are the pruned union of its buckets' traces. A document's traces are also capped
// (MAX_TRACES); `tracesIncompleteFrom` then names the earliest start dropped and scores from that day on
// say `traceComplete: false`, as they do when more losses are active than traced.
//
// Documents (all in the partner's partition; field names in scoring-documents.ts):
// - `source|<tenant>` / `source|partner`: the serialization point of a source. It names the source's
//   scoring FACTS (per pair, the pair head and the facts version read from it, the facts read back from
//   that bounded head when a claim needs them, so a usage report rewrites the same few bytes however long
//   the history; the partner's head version and certification entries), its `claimSeq`, the digest of
//   its entries per month, and `monthsToRewrite`/`complete` for crash recovery. A writer merges newer
//   facts (per pair, higher head version wins: order-free and idempotent), recomputes the entries and
//   claims the document etag-checked with claimSeq + 1.
// - `bucket|YYYY-MM|b` (b = hash(source) % BUCKETS): per-source SLOTS of that month's entries; a slot is
//   only overwritten by a higher claim (an emptied slot stays as a tombstone), and the bucket's aggregate
//   (changes + traces) is recomputed from all its slots on every write, in the same document.
// - `ledger|YYYY-MM`: the month = the sum of its buckets' aggregates, RECOMPUTED (never diffed) from them,
//   with the etags of the bucket versions it was built from: a writer that changed a bucket recomputes
//   until the month document was built from bucket versions at least as new as its own (etag-checked;
//   a lost race re-reads). The GET reads only these: one single-partition query.
// The entries depend only on the events, never on the clock: a score at a future date is the score that
// date will have if no further event arrives (the forecast is honest by construction).
// Files: scoring-documents.ts (storage shapes, aggregates), scoring-formats.ts (earlier formats, read),
// scoring-queries.ts, scoring-source.ts (facts -> entries), scoring-requests.ts (paging, etag retries),
// scoring-rebuild.ts, scoring-presentation.ts (GET answer).

export interface ShardRead {
  entries: LedgerEntry[];
  shards: string[];
}

interface Claim {
  partnerId: string;
  source: string;
  claimSeq: number;
  etag: string;
  doc: SourceDocument;
  writes: [string, PackedEntry[]][];
}

export class Scoring {
  constructor(
    private readonly scores: DocumentCollection<ScoreDocument>,
    private readonly heads: DocumentCollection<ProjectionDocument>,
    private readonly clock: () => Date,
    private readonly rules: RuleSetOn = ruleSetInForce,
  ) {}

  // -------------------------------------------------------------------------------------------
  // Read side

  /** The score at a date: one single-partition query over the 13 month documents the date needs. */
  async scoreAt(partnerId: string, asOf: CalendarDate): Promise<Score> {
    const shards = ledgerShardsFor(asOf, this.rules);
    const months = await this.readMonths(partnerId, shards[0]!, shards.at(-1)!);
    return scoreFromMonths(months, asOf, this.rules).score;
  }

  /** The first-of-month series from..to, from one single-partition query over month(from − 12)..month(to). */
  async series(partnerId: string, from: CalendarDate, to: CalendarDate): Promise<ScoreSeriesPoint[]> {
    const first = ledgerShardsFor(from, this.rules)[0]!;
    const months = await this.readMonths(partnerId, first, to.slice(0, 7));
    let date = from.endsWith("-01") ? from : addMonths(`${from.slice(0, 7)}-01`, 1);
    const out: ScoreSeriesPoint[] = [];
    let previous: Score | undefined;
    while (date <= to) {
      const { score, traces } = scoreFromMonths(months, date, this.rules);
      out.push({ date, score, dropped: previous ? droppedBetween(previous, score, traces, date) : [] });
      previous = score;
      date = addMonths(date, 1);
    }
    return out;
  }

  /** The month aggregates first..last (YYYY-MM, inclusive), by month. */
  readMonths(partnerId: string, first: string, last: string) {
    return monthAggregates(this.scores, partnerId, first, last, MAX_SERIES_MONTHS + 16);
  }

  /** Every raw entry in months first..last (YYYY-MM, inclusive), from the buckets' slots (diagnostics, tests). */
  async readShards(partnerId: string, first: string, last: string): Promise<ShardRead> {
    const entries: LedgerEntry[] = [];
    const shards = new Set<string>();
    for (const bucket of await bucketSlots(this.scores, partnerId, first, last))
      for (const slot of Object.values(bucket.slots)) {
        if (slot.entries.length > 0) shards.add(bucket.month);
        for (const p of slot.entries) entries.push(unpackEntry(p, this.rules));
      }
    return { entries, shards: [...shards].sort() };
  }

  // -------------------------------------------------------------------------------------------
  // Write side (the projector)

  /**
   * The projector's step after healing a batch: the facts of every healed pair head are merged into its
   * tenant's source document (no query), each touched source is claimed once, the slots are written
   * bucket by bucket, every touched month is recomputed once, and the claims are marked complete.
   */
  async updateAfterHeal(docs: readonly ProjectionDocument[]): Promise<void> {
    const tenants = new Map<string, { partnerId: string; tenant: string; pairs: PairDocument[] }>();
    const partners = new Map<string, PartnerDocument>();
    for (const d of docs) {
      if (d.docType === "pair") {
        const tenant = d.tenantId.toLowerCase();
        const key = `${d.partnerId}|${tenant}`;
        const group = tenants.get(key) ?? { partnerId: d.partnerId, tenant, pairs: [] };
        group.pairs.push(d);
        tenants.set(key, group);
      } else if (d.docType === "partner") {
        const seen = partners.get(d.partnerId);
        if (!seen || seen.version < d.version) partners.set(d.partnerId, d);
      }
    }
    const jobs: (() => Promise<Claim | undefined>)[] = [];
    for (const { partnerId, tenant, pairs } of tenants.values())
      jobs.push(() => this.claimTenant(partnerId, tenant, pairs));
    for (const head of partners.values())
      jobs.push(() =>
        this.claim(head.partnerId, PARTNER_SOURCE, async (old) => partnerNext(old, head, this.rules)),
      );
    await this.apply(jobs);
  }

  /**
   * A tenant's source refreshed from ALL its pair heads (one query over them): an explicit resync, for
   * repairs and tests. The projector never calls it (it hands the healed heads to updateAfterHeal).
   */
  async updateTenant(partnerId: string, tenantId: string): Promise<void> {
    const pairs = await tenantPairHeads(this.heads, partnerId, tenantId);
    await this.apply([() => this.claimTenant(partnerId, tenantId.toLowerCase(), pairs)]);
  }

  /** The partner's certification entries refreshed from its partner head (a point read). */
  async updatePartner(partnerId: string): Promise<void> {
    const head = (await this.heads.read(partnerId, PARTNER_DOCUMENT_ID))?.doc as PartnerDocument | undefined;
    if (!head) return;
    await this.apply([
      () => this.claim(partnerId, PARTNER_SOURCE, async (old) => partnerNext(old, head, this.rules)),
    ]);
  }

  /** Claims a tenant's source with the facts of these pair heads merged in. */
  private claimTenant(partnerId: string, tenant: string, pairs: readonly PairDocument[]) {
    const facts = pairs.map((p): HeadFacts => [p.workload, scoringFactsOfHead(p), p.id]);
    const readHead = async (id: string) => (await this.heads.read(partnerId, id))?.doc as PairDocument;
    return this.claim(partnerId, tenant, (old) => tenantState(old, facts, readHead));
  }

  /** Claims, then buckets (grouped), then months (each once), then completion. */
  private async apply(jobs: readonly (() => Promise<Claim | undefined>)[]): Promise<void> {
    const claims: Claim[] = [];
    await inParallel(jobs, PARALLEL, async (job) => {
      const c = await job();
      if (c) claims.push(c);
    });
    if (claims.length === 0) return;
    const buckets = new Map<
      string,
      { partnerId: string; month: string; bucket: number; slots: [string, Slot][] }
    >();
    const months = new Map<string, { partnerId: string; month: string }>();
    for (const c of claims) {
      const bucket = bucketOf(c.source);
      for (const [month, entries] of c.writes) {
        const key = `${c.partnerId}|${month}|${bucket}`;
        const group = buckets.get(key) ?? { partnerId: c.partnerId, month, bucket, slots: [] };
        group.slots.push([c.source, { claimSeq: c.claimSeq, entries }]);
        buckets.set(key, group);
        months.set(`${c.partnerId}|${month}`, { partnerId: c.partnerId, month });
      }
    }
    await inParallel([...buckets.values()], PARALLEL, (g) =>
      this.writeBucket(g.partnerId, g.month, g.bucket, g.slots),
    );
    await inParallel([...months.values()], 8, (m) => this.recomputeMonth(m.partnerId, m.month));
    await inParallel(claims, PARALLEL, async (c) => {
      if (c.doc.complete) return;
      try {
        await this.scores.replace({ ...c.doc, monthsToRewrite: [], complete: true }, c.etag);
      } catch (error) {
        // A newer claim took over: it saw ours unfinished and rewrites every month we touched.
        if (!(error instanceof DocumentConflict)) throw error;
      }
    });
  }

  /** A designation document as stored, in the current format (an earlier one translated). */
  private async read<D extends ScoreDocument>(partnerId: string, id: string) {
    const found = await this.scores.read(partnerId, id);
    return (
      found &&
      ({ doc: currentScoreDocument(found.doc as StoredScoreDocument), etag: found.etag } as Versioned<D>)
    );
  }

  /** Merges newer facts into a source's document and claims it (etag-checked, claimSeq + 1). */
  private async claim(
    partnerId: string,
    source: string,
    next: (old: SourceDocument | undefined) => Promise<Next>,
  ): Promise<Claim | undefined> {
    return untilWritten(async () => {
      const before = await this.read<SourceDocument>(partnerId, sourceId(source));
      const old = before?.doc;
      const { state, ids, changed } = await next(old);
      // Nothing newer (a redelivered batch): done, unless an earlier claim was left unfinished.
      if (!changed && (old === undefined || old.complete)) return undefined;
      const wanted = byShard(entriesOf(source, state, this.rules).map(packEntry));
      const digests = Object.fromEntries([...wanted].map(([m, e]) => [m, digest(e)]));
      const oldDigests = old?.digestByMonth ?? {};
      const months = [...new Set([...Object.keys(oldDigests), ...wanted.keys()])];
      // An unfinished claim may have written any month it named: rewrite them all.
      const rewrite =
        old && !old.complete
          ? [...new Set([...old.monthsToRewrite, ...months])]
          : months.filter((m) => oldDigests[m] !== digests[m]);
      rewrite.sort();
      const claimSeq = (old?.claimSeq ?? 0) + 1;
      const now = this.clock().toISOString();
      const content = sourceContent(state, ids);
      const doc = sourceDocument(partnerId, source, claimSeq, content, digests, rewrite, now);
      const claimed = await writeOver<ScoreDocument>(this.scores, doc, before);
      const writes = rewrite.map((m): [string, PackedEntry[]] => [m, wanted.get(m) ?? []]);
      return { partnerId, source, claimSeq, etag: claimed.etag, doc, writes };
    });
  }

  /** Puts sources' slots into a bucket unless newer claims already did, and recomputes its aggregate. */
  private writeBucket(partnerId: string, month: string, bucket: number, slots: [string, Slot][]) {
    return untilWritten(async () => {
      const current = await this.read<BucketDocument>(partnerId, bucketId(month, bucket));
      const next = { ...(current?.doc.slots ?? {}) };
      let changed = false;
      for (const [source, slot] of slots) {
        const existing = next[source];
        if (existing && existing.claimSeq >= slot.claimSeq) continue;
        next[source] = slot; // an emptied slot stays as a tombstone with its claim
        changed = true;
      }
      if (!changed) return;
      const doc = bucketDocument(this.monthWrite(partnerId, month), bucket, next);
      await writeOver<ScoreDocument>(this.scores, doc, current);
    });
  }

  /**
   * Rebuilds a month document from its buckets' aggregates until it was built from bucket versions at
   * least as new as the ones this writer left: read the month (etag), read the aggregates (etags); done
   * if the month was built from exactly those; else write the sum etag-checked, and on a lost race read again.
   */
  recomputeMonth(partnerId: string, month: string): Promise<void> {
    return untilWritten(async () => {
      const current = await this.read<MonthDocument>(partnerId, monthDocumentId(month));
      const buckets = await bucketAggregates(this.scores, partnerId, month);
      const etags = Object.fromEntries(buckets.map(({ doc, etag }) => [String(doc.bucket), etag]));
      if (current && sameRecord(current.doc.bucketEtags, etags)) return;
      const aggregates = buckets.map(({ doc }) => doc.aggregate);
      const doc = monthDocument(this.monthWrite(partnerId, month), aggregates, etags);
      await writeOver<ScoreDocument>(this.scores, doc, current);
    });
  }

  private monthWrite(partnerId: string, month: string): MonthWrite {
    return { partnerId, month, now: this.clock().toISOString(), rules: this.rules };
  }

  // -------------------------------------------------------------------------------------------
  // Rebuild

  /** `npm run rebuild`: see scoring-rebuild.ts. */
  rebuildPartner(partnerId: string, pairHeadIds?: readonly string[]): Promise<RebuildStats> {
    const { scores, heads, clock, rules } = this;
    return rebuildPartner({ scores, heads, clock, rules }, partnerId, pairHeadIds);
  }
}
