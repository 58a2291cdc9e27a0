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
  type Aggregate,
  BUCKETS,
  type BucketDocument,
  bucketDocument,
  bucketId,
  bucketOf,
  byShard,
  digest,
  type MonthDocument,
  monthDocument,
  monthDocumentId,
  type ScoreDocument,
  type Slot,
  type SourceDocument,
  sameRecord,
  scoreFromMonths,
  sourceId,
} from "./scoring-documents.ts";
import { MAX_SERIES_MONTHS, type ScoreSeriesPoint } from "./scoring-presentation.ts";
import { type RebuildStats, rebuildPartner } from "./scoring-rebuild.ts";
import { allPages, inParallel, PARALLEL, untilWritten, writeOver } from "./scoring-requests.ts";
import {
  entriesOf,
  type HeadFacts,
  type Next,
  PARTNER_SOURCE,
  partnerNext,
  scoringFactsOfHead,
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
// per-day DELTAS of the counted quantities (+ at start, − at end, keyed by the real date, which may lie in
// a later month). The active quantity at D is the sum of the deltas dated <= D over the 13 months
// ledgerShardsFor(D): an entry active at D was earned in those months, and an entry earned there and over
// by D adds +v − v = 0. Exact, whatever the number of entries. What the quantities are and how they
// become points is the domain's (domain/designation-aggregate.ts, QUANTITY_* and scoreFromAggregates).
// Traces name the contributions. Under a cap the latest-expiring contributions count first, so at any D
// only the best-ranked active entries can be named. An entry is kept as a trace unless entries that rank
// above it AND start counting no later than it already weigh the metric's cap (they are active whenever it
// is, so it can never count): a bounded "skyline" per start day, of at most cap/weight entries per metric
// (DES-2: 20 adds + 10 losses, DES-3 7, DES-4 30 points' worth, DES-5 6). Pruning commutes with union,
// so a month's traces are the pruned union of its buckets' traces. A document's traces are also capped
// (MAX_TRACES); `tf` then names the earliest start dropped and scores from that day on say
// `traceComplete: false`, as they do when more losses are active than traced.
//
// Documents (all in the partner's partition):
// - `source|<tenant>` / `source|partner`: the serialization point of a source. It names the source's
//   scoring FACTS (per pair, the id of the pair head and the facts version read from it, the facts read
//   back from that bounded head when a claim needs them, so a usage report rewrites the same few bytes
//   however long the history; documents of the previous version keep the facts inline and still read;
//   the partner's head version and certification entries), a claim `seq`, the
//   digest of its entries per month, and `touch`/`complete` for crash recovery. A writer merges newer
//   facts (per pair, higher head version wins: order-free and idempotent), recomputes the entries and
//   claims the document etag-checked with seq + 1.
// - `bucket|YYYY-MM|b` (b = hash(source) % BUCKETS): per-source SLOTS of that month's entries; a slot is
//   only overwritten by a higher seq (an emptied slot stays as a tombstone), and the bucket's aggregate
//   (deltas + traces) is recomputed from all its slots on every write, in the same document.
// - `ledger|YYYY-MM`: the month = the sum of its buckets' aggregates, RECOMPUTED (never diffed) from them,
//   with the etags of the bucket versions it was built from: a writer that changed a bucket recomputes
//   until the month document was built from bucket versions at least as new as its own (etag-checked;
//   a lost race re-reads). The GET reads only these: one single-partition query.
// The entries depend only on the events, never on the clock: a score at a future date is the score that
// date will have if no further event arrives (the forecast is honest by construction).
// Files: scoring-documents.ts (storage shapes, aggregates), scoring-source.ts (facts -> entries),
// scoring-requests.ts (paging, etag retries), scoring-rebuild.ts, scoring-presentation.ts (GET answer).

export interface ShardRead {
  entries: LedgerEntry[];
  shards: string[];
}

interface Claim {
  partnerId: string;
  source: string;
  seq: number;
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

  /** The month documents first..last (YYYY-MM, inclusive), by month. */
  async readMonths(partnerId: string, first: string, last: string): Promise<Map<string, MonthDocument>> {
    const months = await allPages((continuationToken) =>
      // The partition key scopes the query; the filter names the partner again (isolation never rests on one option).
      this.scores.query<MonthDocument>(
        partnerId,
        "SELECT c.month, c.d, c.t, c.tf FROM c WHERE c.partnerId = @partnerId AND c.docType = 'month' AND c.month >= @first AND c.month <= @last",
        [
          { name: "@partnerId", value: partnerId },
          { name: "@first", value: first },
          { name: "@last", value: last },
        ],
        { maxItemCount: MAX_SERIES_MONTHS + 16, continuationToken },
      ),
    );
    return new Map(months.map((m) => [m.month, m]));
  }

  /** Every raw entry in months first..last (YYYY-MM, inclusive), from the buckets' slots (diagnostics, tests). */
  async readShards(partnerId: string, first: string, last: string): Promise<ShardRead> {
    const entries: LedgerEntry[] = [];
    const shards = new Set<string>();
    const buckets = await allPages((continuationToken) =>
      this.scores.query<Pick<BucketDocument, "month" | "slots">>(
        partnerId,
        "SELECT c.month, c.slots FROM c WHERE c.partnerId = @partnerId AND c.docType = 'bucket' AND c.month >= @first AND c.month <= @last",
        [
          { name: "@partnerId", value: partnerId },
          { name: "@first", value: first },
          { name: "@last", value: last },
        ],
        { maxItemCount: 64, continuationToken },
      ),
    );
    for (const bucket of buckets)
      for (const slot of Object.values(bucket.slots)) {
        if (slot.e.length > 0) shards.add(bucket.month);
        for (const p of slot.e) entries.push(unpackEntry(p, this.rules));
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
    for (const { partnerId, tenant, pairs } of tenants.values()) {
      const facts = pairs.map((p): HeadFacts => [p.workload, scoringFactsOfHead(p), p.id]);
      jobs.push(() => this.claim(partnerId, tenant, (old) => this.tenantState(partnerId, old, facts)));
    }
    for (const head of partners.values())
      jobs.push(() => this.claim(head.partnerId, PARTNER_SOURCE, (old) => this.partnerState(old, head)));
    await this.apply(jobs);
  }

  /**
   * A tenant's source refreshed from ALL its pair heads (one query over them): an explicit resync, for
   * repairs and tests. The projector never calls it (it hands the healed heads to updateAfterHeal).
   */
  async updateTenant(partnerId: string, tenantId: string): Promise<void> {
    const tenant = tenantId.toLowerCase();
    const facts = (await this.tenantPairs(partnerId, tenantId)).map(
      (p): HeadFacts => [p.workload, scoringFactsOfHead(p), p.id],
    );
    await this.apply([() => this.claim(partnerId, tenant, (old) => this.tenantState(partnerId, old, facts))]);
  }

  /** The partner's certification entries refreshed from its partner head (a point read). */
  async updatePartner(partnerId: string): Promise<void> {
    const head = (await this.heads.read(partnerId, PARTNER_DOCUMENT_ID))?.doc as PartnerDocument | undefined;
    if (!head) return;
    await this.apply([() => this.claim(partnerId, PARTNER_SOURCE, (old) => this.partnerState(old, head))]);
  }

  private tenantState(partnerId: string, old: SourceDocument | undefined, facts: readonly HeadFacts[]) {
    return tenantState(old, facts, async (id) => (await this.heads.read(partnerId, id))?.doc as PairDocument);
  }

  private async partnerState(old: SourceDocument | undefined, head: PartnerDocument): Promise<Next> {
    return partnerNext(old, head, this.rules);
  }

  private tenantPairs(partnerId: string, tenantId: string): Promise<PairDocument[]> {
    const tenant = tenantId.toLowerCase();
    return allPages((continuationToken) =>
      this.heads.query<PairDocument>(
        partnerId,
        // Stream ids keep the tenant id as sent; the ledger names tenants in lower case. Heads are bounded.
        "SELECT * FROM c WHERE c.partnerId = @partnerId AND c.docType = 'pair' AND c.tenantId IN (@raw, @lower, @upper)",
        [
          { name: "@partnerId", value: partnerId },
          { name: "@raw", value: tenantId },
          { name: "@lower", value: tenant },
          { name: "@upper", value: tenant.toUpperCase() },
        ],
        { maxItemCount: 100, continuationToken },
      ),
    );
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
      { partnerId: string; month: string; b: number; slots: [string, Slot][] }
    >();
    const months = new Map<string, { partnerId: string; month: string }>();
    for (const c of claims) {
      const b = bucketOf(c.source);
      for (const [month, e] of c.writes) {
        const key = `${c.partnerId}|${month}|${b}`;
        const group = buckets.get(key) ?? { partnerId: c.partnerId, month, b, slots: [] };
        group.slots.push([c.source, { s: c.seq, e }]);
        buckets.set(key, group);
        months.set(`${c.partnerId}|${month}`, { partnerId: c.partnerId, month });
      }
    }
    await inParallel([...buckets.values()], PARALLEL, (g) =>
      this.writeBucket(g.partnerId, g.month, g.b, g.slots),
    );
    await inParallel([...months.values()], 8, (m) => this.recomputeMonth(m.partnerId, m.month));
    await inParallel(claims, PARALLEL, async (c) => {
      if (c.doc.complete) return;
      try {
        await this.scores.replace({ ...c.doc, touch: [], complete: true }, c.etag);
      } catch (error) {
        // A newer claim took over: it saw ours unfinished and rewrites every month we touched.
        if (!(error instanceof DocumentConflict)) throw error;
      }
    });
  }

  /** Merges newer facts into a source's document and claims it (etag-checked, seq + 1). */
  private async claim(
    partnerId: string,
    source: string,
    next: (old: SourceDocument | undefined) => Promise<Next>,
  ): Promise<Claim | undefined> {
    return untilWritten(async () => {
      const before = (await this.scores.read(partnerId, sourceId(source))) as
        | Versioned<SourceDocument>
        | undefined;
      const old = before?.doc;
      const { state: s, ids, changed } = await next(old);
      // Nothing newer (a redelivered batch): done, unless an earlier claim was left unfinished.
      if (!changed && (old === undefined || old.complete)) return undefined;
      // Pairs whose head is known are stored as a reference (bounded); the others stay inline.
      const heads = Object.entries(s.pairs ?? {}).filter(([w]) => ids?.[w] !== undefined);
      const inline = Object.entries(s.pairs ?? {}).filter(([w]) => ids?.[w] === undefined);
      const wanted = byShard(entriesOf(source, s, this.rules).map(packEntry));
      const digests = Object.fromEntries([...wanted].map(([m, e]) => [m, digest(e)]));
      const oldMonths = old?.months ?? {};
      const touch =
        old && !old.complete
          ? [...new Set([...old.touch, ...Object.keys(oldMonths), ...wanted.keys()])]
          : [...new Set([...Object.keys(oldMonths), ...wanted.keys()])].filter(
              (m) => oldMonths[m] !== digests[m],
            );
      touch.sort();
      const seq = (old?.seq ?? 0) + 1;
      const doc: SourceDocument = {
        id: sourceId(source),
        partnerId,
        docType: "source",
        source,
        seq,
        ...(heads.length > 0
          ? { heads: Object.fromEntries(heads.map(([w, f]) => [w, [ids![w]!, f.v] as const])) }
          : {}),
        ...(inline.length > 0 ? { pairs: Object.fromEntries(inline) } : {}),
        ...(s.v !== undefined ? { v: s.v } : {}),
        ...(s.certs !== undefined ? { certs: s.certs } : {}),
        months: digests,
        touch,
        complete: touch.length === 0,
        updatedAt: this.clock().toISOString(),
      };
      const claimed = await writeOver<ScoreDocument>(this.scores, doc, before);
      const writes = touch.map((m): [string, PackedEntry[]] => [m, wanted.get(m) ?? []]);
      return { partnerId, source, seq, etag: claimed.etag, doc, writes };
    });
  }

  /** Puts sources' slots into a bucket unless newer claims already did, and recomputes its aggregate. */
  private writeBucket(partnerId: string, month: string, b: number, slots: [string, Slot][]) {
    return untilWritten(async () => {
      const current = (await this.scores.read(partnerId, bucketId(month, b))) as
        | Versioned<BucketDocument>
        | undefined;
      const next = { ...(current?.doc.slots ?? {}) };
      let changed = false;
      for (const [source, slot] of slots) {
        const existing = next[source];
        if (existing && existing.s >= slot.s) continue;
        next[source] = slot; // an emptied slot stays as a tombstone with its seq
        changed = true;
      }
      if (!changed) return;
      const doc = bucketDocument(partnerId, month, b, next, this.clock().toISOString(), this.rules);
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
      const current = (await this.scores.read(partnerId, monthDocumentId(month))) as
        | Versioned<MonthDocument>
        | undefined;
      const buckets = (await allPages((continuationToken) =>
        this.scores.queryVersioned(
          partnerId,
          "SELECT c.b, c.agg, c._etag FROM c WHERE c.partnerId = @partnerId AND c.docType = 'bucket' AND c.month = @month",
          [
            { name: "@partnerId", value: partnerId },
            { name: "@month", value: month },
          ],
          { maxItemCount: BUCKETS, continuationToken },
        ),
      )) as unknown as Versioned<Pick<BucketDocument, "b" | "agg">>[];
      const aggs: Aggregate[] = buckets.map(({ doc }) => doc.agg);
      const from = Object.fromEntries(buckets.map(({ doc, etag }) => [String(doc.b), etag]));
      if (current && sameRecord(current.doc.from, from)) return;
      const doc = monthDocument(partnerId, month, aggs, from, this.clock().toISOString(), this.rules);
      await writeOver<ScoreDocument>(this.scores, doc, current);
    });
  }

  // -------------------------------------------------------------------------------------------
  // Rebuild

  /** `npm run rebuild`: see scoring-rebuild.ts. */
  rebuildPartner(partnerId: string, pairHeadIds?: readonly string[]): Promise<RebuildStats> {
    const { scores, heads, clock, rules } = this;
    return rebuildPartner({ scores, heads, clock, rules }, partnerId, pairHeadIds);
  }
}
