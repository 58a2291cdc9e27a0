import { createHash } from "node:crypto";
import { addMonths, type CalendarDate } from "../domain/dates.ts";
import {
  type DesignationScore,
  type DroppedContribution,
  designationScore,
  droppedBetween,
  isActiveOn,
  type LedgerEntry,
  ledgerShardOf,
  ledgerShardsFor,
  METRICS,
  type Metric,
  type MetricScore,
  type PackedEntry,
  type PairStream,
  packEntry,
  type RuleSetOn,
  scoringEntriesOf,
  unpackEntry,
} from "../domain/designation.ts";
import type { EngagementEvent } from "../domain/events.ts";
import { type TimedEvent, timed } from "../domain/facts.ts";
import { ruleSetOn as ruleSetInForce } from "../domain/rules/index.ts";
import {
  type DocumentCollection,
  DocumentConflict,
  type Page,
  type Versioned,
} from "./ports/document-collection.ts";
import {
  eventsAfterCut,
  type LegacyHead,
  PARTNER_DOCUMENT_ID,
  type PairDocument,
  type PartnerDocument,
  type ProjectionDocument,
  upgradeHead,
} from "./projection.ts";
import { extendPairFacts, type PairFacts } from "./scoring-facts.ts";

export { type PairFacts, pairFactsOf } from "./scoring-facts.ts";

// The Solutions Partner for Security read model (RULES DES-*), in the `scores` container (pk /partnerId).
//
// POINTS ARE EXACT FROM AGGREGATES, TRACES ARE BOUNDED.
// Every ledger entry (domain/designation.ts) counts with its value over [start, end) =
// [max(earnedOn, countsFrom), min(expiresOn, endsOn)). The read model stores, per month of earnedOn, the
// per-day DELTAS of the counted quantities (+ at start, − at end, keyed by the real date, which may lie in
// a later month). The active quantity at D is the sum of the deltas dated <= D over the 13 months
// ledgerShardsFor(D): an entry active at D was earned in those months, and an entry earned there and over
// by D adds +v − v = 0. Exact, whatever the number of entries. The quantities (DELTA_* below):
//   DES-2 adds and losses (points = pointsPerTenant × (adds − losses), clamped 0..max — what the cap rule
//   gives: losses always count, adds fill max + |losses|); DES-3 approved pairs; DES-4 entries and POINTS,
//   floor(growth / mauPerPoint) per pair with the mauPerPoint of the rule set in force at earnedOn (the
//   domain floors with the set in force at the date asked; every program year so far carries 100, and a
//   point total must be additive to be aggregated); DES-5 persons.
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
// - `source|<tenant>` / `source|partner`: the serialization point of a source. It holds the source's
//   scoring FACTS (per pair, from the pair heads the projector hands over: approvals, completions, usage
//   by month, with the head version they were read from; the partner's head version), a claim `seq`, the
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

const MAX_ATTEMPTS = 40;
/** Sources touched concurrently by a rebuild or a projector batch. */
const PARALLEL = 16;
const PARTNER_SOURCE = "partner";
/** Buckets per month: a bucket holds ~1/BUCKETS of the month's entries. */
export const BUCKETS = 32;
/** Losses (DES-2) named per start day and month; more active losses make the trace incomplete. */
export const LOSSES_TRACED = 10;
/** Traces one aggregate keeps at most (~100 bytes each): 13 month documents stay well under a 4 MB page. */
export const MAX_TRACES = 2_400;
/** A series is a monthly list; bounded so a request cannot ask for centuries. */
export const MAX_SERIES_MONTHS = 60;

// Per-day delta vector: [adds, losses, deployments, usage entries, usage points, persons].
const DELTA_ADDS = 0;
const DELTA_LOSSES = 1;
const DELTA_DEPLOYMENTS = 2;
const DELTA_USAGE = 3;
const DELTA_USAGE_POINTS = 4;
const DELTA_PERSONS = 5;
const DELTA_WIDTH = 6;

interface Slot {
  /** The source's claim sequence that wrote it. */
  s: number;
  e: PackedEntry[];
}

/** Deltas by date and bounded traces: a bucket's, or a month's. */
export interface Aggregate {
  /** date -> delta vector (DELTA_*), only non-zero days. */
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
  /** Tenant sources: the facts per workload. */
  pairs?: Record<string, PairFacts>;
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
const sourceId = (source: string) => `source|${source}`;

/** Event types the ledger reads (designation.ts): everything else is dropped before folding. */
const SCORING_TYPES = new Set(["deployment.completed", "usage.reported", "skilling.certification.recorded"]);
const scoring = (e: EngagementEvent) => e.type.startsWith("claim.") || SCORING_TYPES.has(e.type);

export interface ShardRead {
  entries: LedgerEntry[];
  shards: string[];
}

/** A metric's score with what the aggregates know beyond the traces. */
export interface ScoredMetric extends MetricScore {
  /** Active contributions not counted (cap), exact. */
  readonly notCountedTotal: number;
  /** The traces name every counted point. */
  readonly traceComplete: boolean;
}
export interface Score extends Omit<DesignationScore, "metrics"> {
  readonly metrics: Readonly<Record<Metric, ScoredMetric>>;
  readonly traceComplete: boolean;
}
export interface ScoreSeriesPoint {
  readonly date: CalendarDate;
  readonly score: Score;
  readonly dropped: readonly DroppedContribution[];
}

interface Claim {
  partnerId: string;
  source: string;
  seq: number;
  etag: string;
  doc: SourceDocument;
  writes: [string, PackedEntry[]][];
}

type SourceState = Pick<SourceDocument, "pairs" | "v" | "certs">;

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
    return scoreFrom(months, asOf, this.rules).score;
  }

  /** The first-of-month series from..to, from one single-partition query over month(from − 12)..month(to). */
  async series(partnerId: string, from: CalendarDate, to: CalendarDate): Promise<ScoreSeriesPoint[]> {
    const first = ledgerShardsFor(from, this.rules)[0]!;
    const months = await this.readMonths(partnerId, first, to.slice(0, 7));
    let date = from.endsWith("-01") ? from : addMonths(`${from.slice(0, 7)}-01`, 1);
    const out: ScoreSeriesPoint[] = [];
    let previous: Score | undefined;
    while (date <= to) {
      const { score, traces } = scoreFrom(months, date, this.rules);
      out.push({ date, score, dropped: previous ? droppedBetween(previous, score, traces, date) : [] });
      previous = score;
      date = addMonths(date, 1);
    }
    return out;
  }

  /** The month documents first..last (YYYY-MM, inclusive), by month. */
  async readMonths(partnerId: string, first: string, last: string): Promise<Map<string, MonthDocument>> {
    const out = new Map<string, MonthDocument>();
    let continuationToken: string | undefined;
    do {
      // The partition key scopes the query; the filter names the partner again (isolation never rests on one option).
      const page = await this.scores.query<MonthDocument>(
        partnerId,
        "SELECT c.month, c.d, c.t, c.tf FROM c WHERE c.partnerId = @partnerId AND c.docType = 'month' AND c.month >= @first AND c.month <= @last",
        [
          { name: "@partnerId", value: partnerId },
          { name: "@first", value: first },
          { name: "@last", value: last },
        ],
        { maxItemCount: MAX_SERIES_MONTHS + 16, continuationToken },
      );
      continuationToken = page.continuationToken;
      for (const m of page.items) out.set(m.month, m);
    } while (continuationToken);
    return out;
  }

  /** Every raw entry in months first..last (YYYY-MM, inclusive), from the buckets' slots (diagnostics, tests). */
  async readShards(partnerId: string, first: string, last: string): Promise<ShardRead> {
    const entries: LedgerEntry[] = [];
    const shards = new Set<string>();
    let continuationToken: string | undefined;
    do {
      const page = await this.scores.query<Pick<BucketDocument, "month" | "slots">>(
        partnerId,
        "SELECT c.month, c.slots FROM c WHERE c.partnerId = @partnerId AND c.docType = 'bucket' AND c.month >= @first AND c.month <= @last",
        [
          { name: "@partnerId", value: partnerId },
          { name: "@first", value: first },
          { name: "@last", value: last },
        ],
        { maxItemCount: 64, continuationToken },
      );
      continuationToken = page.continuationToken;
      for (const bucket of page.items)
        for (const slot of Object.values(bucket.slots)) {
          if (slot.e.length > 0) shards.add(bucket.month);
          for (const p of slot.e) entries.push(unpackEntry(p, this.rules));
        }
    } while (continuationToken);
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
      const facts = pairs.map((p) => [p.workload, scoringFactsOfHead(p)] as const);
      jobs.push(() => this.claim(partnerId, tenant, (old) => mergePairs(old, facts)));
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
      (p) => [p.workload, scoringFactsOfHead(p)] as const,
    );
    await this.apply([() => this.claim(partnerId, tenant, (old) => mergePairs(old, facts))]);
  }

  /** The partner's certification entries refreshed from its partner head (a point read). */
  async updatePartner(partnerId: string): Promise<void> {
    const head = (await this.heads.read(partnerId, PARTNER_DOCUMENT_ID))?.doc as PartnerDocument | undefined;
    if (!head) return;
    await this.apply([() => this.claim(partnerId, PARTNER_SOURCE, (old) => this.partnerState(old, head))]);
  }

  private partnerState(old: SourceDocument | undefined, head: PartnerDocument): SourceState | undefined {
    if (old?.v !== undefined && old.v >= head.version) return undefined;
    const certs = scoringEntriesOf(
      { kind: "partner", events: timedScoring(eventsAfterCut(head)) },
      this.rules,
    );
    return { v: head.version, certs: certs.map(packEntry) };
  }

  private async tenantPairs(partnerId: string, tenantId: string) {
    const tenant = tenantId.toLowerCase();
    const pairs: PairDocument[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.heads.query<PairDocument>(
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
      );
      continuationToken = page.continuationToken;
      pairs.push(...page.items);
    } while (continuationToken);
    return pairs;
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
    next: (old: SourceDocument | undefined) => SourceState | undefined,
  ): Promise<Claim | undefined> {
    for (let attempt = 1; ; attempt++) {
      const before = (await this.scores.read(partnerId, sourceId(source))) as
        | Versioned<SourceDocument>
        | undefined;
      const old = before?.doc;
      const state = next(old);
      // Nothing newer (a redelivered batch): done, unless an earlier claim was left unfinished.
      if (state === undefined && (old === undefined || old.complete)) return undefined;
      const s: SourceState = state ?? { pairs: old!.pairs, v: old!.v, certs: old!.certs };
      const wanted = byShard(this.entriesOf(source, s).map(packEntry));
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
        ...(s.pairs !== undefined ? { pairs: s.pairs } : {}),
        ...(s.v !== undefined ? { v: s.v } : {}),
        ...(s.certs !== undefined ? { certs: s.certs } : {}),
        months: digests,
        touch,
        complete: touch.length === 0,
        updatedAt: this.clock().toISOString(),
      };
      let claimed: Versioned<ScoreDocument>;
      try {
        claimed = before ? await this.scores.replace(doc, before.etag) : await this.scores.create(doc);
      } catch (error) {
        if (error instanceof DocumentConflict && attempt < MAX_ATTEMPTS) {
          await backoff(attempt);
          continue;
        }
        throw error;
      }
      return {
        partnerId,
        source,
        seq,
        etag: claimed.etag,
        doc,
        writes: touch.map((m) => [m, wanted.get(m) ?? []]),
      };
    }
  }

  private entriesOf(source: string, s: SourceState): LedgerEntry[] {
    if (source === PARTNER_SOURCE) return (s.certs ?? []).map((p) => unpackEntry(p, this.rules));
    const pairs: PairStream[] = Object.entries(s.pairs ?? {}).map(([workload, f]) => ({
      workload,
      events: eventsOfFacts(f),
    }));
    return scoringEntriesOf({ kind: "tenant", tenantId: source, pairs }, this.rules);
  }

  /** Puts sources' slots into a bucket unless newer claims already did, and recomputes its aggregate. */
  private async writeBucket(partnerId: string, month: string, b: number, slots: [string, Slot][]) {
    for (let attempt = 1; ; attempt++) {
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
      try {
        if (current) await this.scores.replace(doc, current.etag);
        else await this.scores.create(doc);
        return;
      } catch (error) {
        if (!(error instanceof DocumentConflict) || attempt >= MAX_ATTEMPTS) throw error;
        await backoff(attempt);
      }
    }
  }

  /**
   * Rebuilds a month document from its buckets' aggregates until it was built from bucket versions at
   * least as new as the ones this writer left: read the month (etag), read the aggregates (etags); done
   * if the month was built from exactly those; else write the sum etag-checked, and on a lost race read again.
   */
  async recomputeMonth(partnerId: string, month: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const current = (await this.scores.read(partnerId, monthDocumentId(month))) as
        | Versioned<MonthDocument>
        | undefined;
      const aggs: Aggregate[] = [];
      const from: Record<string, string> = {};
      let continuationToken: string | undefined;
      do {
        const page = await this.scores.queryVersioned(
          partnerId,
          "SELECT c.b, c.agg, c._etag FROM c WHERE c.partnerId = @partnerId AND c.docType = 'bucket' AND c.month = @month",
          [
            { name: "@partnerId", value: partnerId },
            { name: "@month", value: month },
          ],
          { maxItemCount: BUCKETS, continuationToken },
        );
        continuationToken = page.continuationToken;
        for (const { doc, etag } of page.items as unknown as Versioned<Pick<BucketDocument, "b" | "agg">>[]) {
          aggs.push(doc.agg);
          from[String(doc.b)] = etag;
        }
      } while (continuationToken);
      if (current && sameRecord(current.doc.from, from)) return;
      const doc = monthDocument(partnerId, month, aggs, from, this.clock().toISOString(), this.rules);
      try {
        if (current) await this.scores.replace(doc, current.etag);
        else await this.scores.create(doc);
        return;
      } catch (error) {
        if (!(error instanceof DocumentConflict) || attempt >= MAX_ATTEMPTS) throw error;
        await backoff(attempt);
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Rebuild

  /**
   * `npm run rebuild` (after the heads are rebuilt from the events): the partner's whole read model folded
   * again from its pair heads (`pairHeadIds`: their document ids, when the caller knows them) and its partner
   * head, buckets and months written whole. Not meant to race
   * the projector.
   */
  async rebuildPartner(partnerId: string, pairHeadIds?: readonly string[]): Promise<RebuildStats> {
    // 1. Facts of every pair head of the partner, each by a point read (its facts kept, its events
    //    dropped). `npm run rebuild` knows the heads (it has just refolded them from the streams); without
    //    that list, one paged single-partition query for the ids. (In the emulator every query re-reads the
    //    whole container, superlinearly: a page of heads at a time cannot finish at 100,000 heads.)
    const ids: string[] = pairHeadIds ? [...pairHeadIds] : [];
    let continuationToken: string | undefined;
    if (!pairHeadIds)
      do {
        const page: Page<{ id: string }> = await this.heads.query<{ id: string }>(
          partnerId,
          "SELECT c.id FROM c WHERE c.partnerId = @partnerId AND c.docType = 'pair'",
          [{ name: "@partnerId", value: partnerId }],
          { maxItemCount: 100_000, continuationToken },
        );
        continuationToken = page.continuationToken;
        for (const p of page.items) ids.push(p.id);
      } while (continuationToken);
    const tenants = new Map<string, Record<string, PairFacts>>();
    await inParallel(ids, 2 * PARALLEL, async (id) => {
      const head = (await transient(() => this.heads.read(partnerId, id)))?.doc as PairDocument | undefined;
      if (!head) return;
      const tenant = head.tenantId.toLowerCase();
      const pairs = tenants.get(tenant) ?? {};
      pairs[head.workload] = scoringFactsOfHead(head);
      tenants.set(tenant, pairs);
    });
    const partnerHead = (await this.heads.read(partnerId, PARTNER_DOCUMENT_ID))?.doc as
      | PartnerDocument
      | undefined;

    // 2. What exists: source seqs (slots stay ahead of any earlier claim), bucket and month ids.
    const seqs = new Map<string, number>();
    const oldIds = new Set<string>();
    do {
      type Existing = { id: string; docType: string; source?: string; seq?: number };
      const page: Page<Existing> = await this.scores.query<Existing>(
        partnerId,
        "SELECT c.id, c.docType, c.source, c.seq FROM c WHERE c.partnerId = @partnerId",
        [{ name: "@partnerId", value: partnerId }],
        { maxItemCount: 10_000, continuationToken },
      );
      continuationToken = page.continuationToken;
      for (const d of page.items) {
        if (d.docType === "source" && d.source !== undefined) seqs.set(d.source, d.seq ?? 0);
        else oldIds.add(d.id);
      }
    } while (continuationToken);

    // 3. Sources: state, entries, slots.
    const now = this.clock().toISOString();
    const sources: SourceDocument[] = [];
    const slots = new Map<string, { month: string; b: number; slots: Record<string, Slot> }>();
    let entryCount = 0;
    const add = (source: string, state: SourceState) => {
      const seq = (seqs.get(source) ?? 0) + 1;
      const wanted = byShard(this.entriesOf(source, state).map(packEntry));
      const b = bucketOf(source);
      for (const [month, e] of wanted) {
        const key = bucketId(month, b);
        const bucket = slots.get(key) ?? { month, b, slots: {} };
        bucket.slots[source] = { s: seq, e };
        slots.set(key, bucket);
        entryCount += e.length;
      }
      sources.push({
        id: sourceId(source),
        partnerId,
        docType: "source",
        source,
        seq,
        ...state,
        months: Object.fromEntries([...wanted].map(([m, e]) => [m, digest(e)])),
        touch: [],
        complete: true,
        updatedAt: now,
      });
    };
    for (const [tenant, pairs] of tenants) add(tenant, { pairs });
    tenants.clear();
    if (partnerHead) add(PARTNER_SOURCE, this.partnerState(undefined, partnerHead)!);
    // Former sources without a head any more: emptied (their slots vanish with the rewritten buckets).
    const present = new Set(sources.map((s) => s.source));
    for (const source of seqs.keys())
      if (!present.has(source)) add(source, source === PARTNER_SOURCE ? {} : { pairs: {} });

    // 4. Buckets, then months summed from them (with the etags written), then stale documents deleted.
    const largest = { bytes: 0, id: "" };
    const measure = (doc: { id: string }) => {
      const bytes = Buffer.byteLength(JSON.stringify(doc));
      if (bytes > largest.bytes) Object.assign(largest, { bytes, id: doc.id });
    };
    const byMonth = new Map<string, { aggs: Aggregate[]; from: Record<string, string> }>();
    await inParallel([...slots.values()], 4, async (s) => {
      const doc = bucketDocument(partnerId, s.month, s.b, s.slots, now, this.rules);
      measure(doc);
      const { etag } = await transient(() => this.scores.upsert(doc));
      const m = byMonth.get(s.month) ?? { aggs: [], from: {} };
      m.aggs.push(doc.agg);
      m.from[String(s.b)] = etag;
      byMonth.set(s.month, m);
    });
    slots.clear();
    const monthBytes: number[] = [];
    await inParallel([...byMonth], 4, async ([month, { aggs, from }]) => {
      const doc = monthDocument(partnerId, month, aggs, from, now, this.rules);
      measure(doc);
      monthBytes.push(Buffer.byteLength(JSON.stringify(doc)));
      await transient(() => this.scores.upsert(doc));
    });
    const kept = new Set<string>();
    for (const [month, { from }] of byMonth) {
      kept.add(monthDocumentId(month));
      for (const b of Object.keys(from)) kept.add(bucketId(month, Number(b)));
    }
    await inParallel(
      [...oldIds].filter((id) => !kept.has(id)),
      4,
      (id) => this.scores.delete(partnerId, id),
    );

    // 5. Bookkeeping, every source complete.
    await inParallel(sources, 2 * PARALLEL, (doc) => {
      measure(doc);
      return transient(() => this.scores.upsert(doc));
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

// ---------------------------------------------------------------------------------------------
// Facts: what the entries of a pair need, compact, and events synthesized back from them

/**
 * A pair head's scoring facts: those of its snapshot (the events up to its cut) extended with its own
 * events in the tail. Bounded by the head, never a read of the stream.
 */
export function scoringFactsOfHead(stored: PairDocument | LegacyHead): PairFacts {
  const head = upgradeHead(stored as PairDocument, new Date()) as PairDocument;
  const own = head.tail.filter((e) => "workload" in e && e.workload);
  // v: the version that last changed them, so an event that cannot change them writes nothing downstream.
  return { ...extendPairFacts(head.snapshot.scoring, own), v: head.scoringVersion ?? head.version };
}

/**
 * Events that fold (designation.ts) to the same entries as the pair's own: the claim events in their
 * business order (same instants, ids keeping ties in order), one completion per date, one usage report
 * per month with its last MAU.
 */
function eventsOfFacts(f: PairFacts): TimedEvent[] {
  const out: TimedEvent[] = [];
  const base = { specversion: "1.0", source: "scoring:facts", partnerid: "" };
  f.c.forEach((c, k) => {
    const time = new Date(c[1]).toISOString();
    const id = `c${String(k).padStart(6, "0")}`;
    const event =
      c[0] === 0
        ? { ...base, id, time, type: "claim.approved", data: { claimId: c[2], approvedOn: c[3] } }
        : { ...base, id, time, type: "claim.disassociated", data: { claimId: c[2], reason: "" } };
    out.push(timed(event as unknown as EngagementEvent));
  });
  f.d.forEach((completedOn, k) => {
    const event = {
      ...base,
      id: `d${k}`,
      time: `${completedOn}T00:00:00Z`,
      type: "deployment.completed",
      data: { completedOn },
    };
    out.push(timed(event as unknown as EngagementEvent));
  });
  for (const [month, mau] of Object.entries(f.u)) {
    const event = {
      ...base,
      id: `u${month}`,
      time: `${month}-01T00:00:00Z`,
      type: "usage.reported",
      data: { month, mau, pau: mau },
    };
    out.push(timed(event as unknown as EngagementEvent));
  }
  return out;
}

/** Newer facts (higher head version per pair) merged in; undefined when nothing is newer. */
function mergePairs(
  old: SourceDocument | undefined,
  facts: readonly (readonly [string, PairFacts])[],
): SourceState | undefined {
  const pairs = { ...(old?.pairs ?? {}) };
  let changed = false;
  for (const [workload, f] of facts) {
    const seen = pairs[workload];
    if (seen && seen.v >= f.v) continue;
    pairs[workload] = f;
    changed = true;
  }
  return changed ? { pairs } : undefined;
}

// ---------------------------------------------------------------------------------------------
// Aggregates

const countsUntilOf = (e: LedgerEntry) =>
  e.endsOn !== undefined && e.endsOn < e.expiresOn ? e.endsOn : e.expiresOn;
const startOf = (e: LedgerEntry) =>
  e.countsFrom !== undefined && e.countsFrom > e.earnedOn ? e.countsFrom : e.earnedOn;

/** DES-4 points of an entry, floored with the rule set in force at earnedOn (see the header). */
const usagePoints = (e: LedgerEntry, rules: RuleSetOn) =>
  Math.max(0, Math.floor(e.value / rules(e.earnedOn).designation.usageGrowth.value.mauPerPoint));

function deltaOf(e: LedgerEntry, rules: RuleSetOn): number[] {
  const v = new Array<number>(DELTA_WIDTH).fill(0);
  switch (e.metric) {
    case "netCustomerAdds":
      v[e.value < 0 ? DELTA_LOSSES : DELTA_ADDS] = Math.abs(e.value);
      break;
    case "deployments":
      v[DELTA_DEPLOYMENTS] = e.value;
      break;
    case "usageGrowth":
      v[DELTA_USAGE] = 1;
      v[DELTA_USAGE_POINTS] = usagePoints(e, rules);
      break;
    case "skilling":
      v[DELTA_PERSONS] = e.value;
      break;
  }
  return v;
}

function addDelta(d: Record<string, number[]>, date: CalendarDate, v: readonly number[], sign: 1 | -1) {
  const row = d[date] ?? new Array<number>(DELTA_WIDTH).fill(0);
  for (let i = 0; i < DELTA_WIDTH; i++) row[i]! += sign * v[i]!;
  d[date] = row;
}

function sparse(d: Record<string, number[]>): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const date of Object.keys(d).sort()) if (d[date]!.some((x) => x !== 0)) out[date] = d[date]!;
  return out;
}

/** Latest first (designation.ts's order under a cap). */
function latestFirst(a: LedgerEntry, b: LedgerEntry): number {
  const ua = countsUntilOf(a);
  const ub = countsUntilOf(b);
  if (ua !== ub) return ua > ub ? -1 : 1;
  if (a.earnedOn !== b.earnedOn) return a.earnedOn > b.earnedOn ? -1 : 1;
  return a.contributor < b.contributor ? -1 : a.contributor > b.contributor ? 1 : 0;
}

/** Which trace family an entry belongs to, its weight and the family's bound (rule set at earnedOn). */
function family(e: LedgerEntry, rules: RuleSetOn): { key: string; weight: number; bound: number } {
  const d = rules(e.earnedOn).designation;
  switch (e.metric) {
    case "netCustomerAdds":
      return e.value < 0
        ? { key: "losses", weight: 1, bound: LOSSES_TRACED }
        : {
            key: "adds",
            weight: d.netCustomerAdds.value.pointsPerTenant,
            bound: d.netCustomerAdds.value.max + LOSSES_TRACED * d.netCustomerAdds.value.pointsPerTenant,
          };
    case "deployments":
      return {
        key: "deployments",
        weight: d.deployments.value.pointsPerPair,
        bound: d.deployments.value.max,
      };
    case "usageGrowth":
      return { key: "usage", weight: usagePoints(e, rules), bound: d.usageGrowth.value.max };
    case "skilling":
      return { key: "skilling", weight: d.skilling.value.pointsPerPerson, bound: d.skilling.value.max };
  }
}

/**
 * The bounded skyline: an entry is dropped when entries ranking above it (latest first) that start no
 * later than it already weigh its family's bound — they are active whenever it is, so it never counts.
 * Then at most MAX_TRACES, earliest start first (`tf`: the earliest start dropped by that cap).
 */
function prune(
  entries: readonly LedgerEntry[],
  rules: RuleSetOn,
): { kept: LedgerEntry[]; tf: CalendarDate | undefined } {
  const families = new Map<string, { e: LedgerEntry; weight: number; bound: number }[]>();
  for (const e of entries) {
    const f = family(e, rules);
    const list = families.get(f.key) ?? [];
    list.push({ e, weight: f.weight, bound: f.bound });
    families.set(f.key, list);
  }
  const kept: LedgerEntry[] = [];
  for (const list of families.values()) {
    list.sort((a, b) => latestFirst(a.e, b.e));
    const starts = [...new Set(list.map((x) => startOf(x.e)))].sort();
    const index = new Map(starts.map((s, i) => [s, i + 1]));
    const tree = new Float64Array(starts.length + 1); // Fenwick tree of weights by start
    for (const { e, weight, bound } of list) {
      const i = index.get(startOf(e))!;
      let above = 0;
      for (let k = i; k > 0; k -= k & -k) above += tree[k]!;
      if (tidy(above) < bound) kept.push(e);
      for (let k = i; k < tree.length; k += k & -k) tree[k]! += weight;
    }
  }
  if (kept.length <= MAX_TRACES) return { kept, tf: undefined };
  kept.sort((a, b) => (startOf(a) < startOf(b) ? -1 : startOf(a) > startOf(b) ? 1 : latestFirst(a, b)));
  return { kept: kept.slice(0, MAX_TRACES), tf: startOf(kept[MAX_TRACES]!) };
}

const minDate = (...dates: (CalendarDate | undefined)[]) =>
  dates.reduce<CalendarDate | undefined>(
    (m, d) => (d !== undefined && (m === undefined || d < m) ? d : m),
    undefined,
  );

function bucketDocument(
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
      const v = deltaOf(e, rules);
      addDelta(d, startOf(e), v, 1);
      addDelta(d, countsUntilOf(e), v, -1);
      entries.push(e);
    }
  const { kept, tf } = prune(entries, rules);
  const agg: Aggregate = { d: sparse(d), t: kept.sort(byStart).map(packEntry), ...(tf ? { tf } : {}) };
  return { id: bucketId(month, b), partnerId, docType: "bucket", month, b, slots, agg, updatedAt: now };
}

function monthDocument(
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
  const { kept, tf } = prune(traces, rules);
  const truncated = minDate(tf, ...aggs.map((a) => a.tf));
  return {
    id: monthDocumentId(month),
    partnerId,
    docType: "month",
    month,
    d: sparse(d),
    t: kept.sort(byStart).map(packEntry),
    ...(truncated ? { tf: truncated } : {}),
    from,
    updatedAt: now,
  };
}

const byStart = (a: LedgerEntry, b: LedgerEntry) =>
  startOf(a) < startOf(b) ? -1 : startOf(a) > startOf(b) ? 1 : latestFirst(a, b);

// ---------------------------------------------------------------------------------------------
// Read: exact points from the deltas, contributions from the traces

const tidy = (x: number) => Math.round(x * 1e9) / 1e9;
const clamp = (x: number, max: number) => tidy(Math.min(max, Math.max(0, x)));

function scoreFrom(
  months: ReadonlyMap<string, Pick<MonthDocument, "d" | "t" | "tf">>,
  asOf: CalendarDate,
  rules: RuleSetOn,
): { score: Score; traces: LedgerEntry[] } {
  const totals = new Array<number>(DELTA_WIDTH).fill(0);
  const traces: LedgerEntry[] = [];
  let truncated = false;
  for (const month of ledgerShardsFor(asOf, rules)) {
    const doc = months.get(month);
    if (!doc) continue;
    for (const [date, v] of Object.entries(doc.d))
      if (date <= asOf) for (let i = 0; i < DELTA_WIDTH; i++) totals[i]! += v[i]!;
    for (const p of doc.t) traces.push(unpackEntry(p, rules));
    if (doc.tf !== undefined && doc.tf <= asOf) truncated = true;
  }
  const traced = designationScore(traces, asOf, rules);
  const d = rules(asOf).designation;
  const exact: Record<Metric, { points: number; active: number }> = {
    netCustomerAdds: {
      points: clamp(
        d.netCustomerAdds.value.pointsPerTenant * (totals[DELTA_ADDS]! - totals[DELTA_LOSSES]!),
        d.netCustomerAdds.value.max,
      ),
      active: totals[DELTA_ADDS]! + totals[DELTA_LOSSES]!,
    },
    deployments: {
      points: clamp(d.deployments.value.pointsPerPair * totals[DELTA_DEPLOYMENTS]!, d.deployments.value.max),
      active: totals[DELTA_DEPLOYMENTS]!,
    },
    usageGrowth: {
      points: clamp(totals[DELTA_USAGE_POINTS]!, d.usageGrowth.value.max),
      active: totals[DELTA_USAGE]!,
    },
    skilling: {
      points: clamp(d.skilling.value.pointsPerPerson * totals[DELTA_PERSONS]!, d.skilling.value.max),
      active: totals[DELTA_PERSONS]!,
    },
  };
  const tracedLosses = traces.filter(
    (e) => e.metric === "netCustomerAdds" && e.value < 0 && isActiveOn(e, asOf),
  ).length;
  const metrics = Object.fromEntries(
    METRICS.map((m) => {
      const t = traced.metrics[m];
      const complete =
        !truncated &&
        t.points === exact[m].points &&
        (m !== "netCustomerAdds" || tracedLosses === totals[DELTA_LOSSES]);
      const metric: ScoredMetric = {
        ...t,
        points: exact[m].points,
        notCountedTotal: Math.max(0, exact[m].active - t.contributions.length),
        traceComplete: complete,
      };
      return [m, metric];
    }),
  ) as Record<Metric, ScoredMetric>;
  const total = tidy(METRICS.reduce((sum, m) => sum + metrics[m].points, 0));
  const met = total >= traced.minimumScore && METRICS.every((m) => metrics[m].points > 0);
  return {
    score: {
      ...traced,
      total,
      met,
      metrics,
      traceComplete: METRICS.every((m) => metrics[m].traceComplete),
    },
    traces,
  };
}

// ---------------------------------------------------------------------------------------------
// Presentation: the GET answer

export interface ContributorRef {
  tenantId?: string;
  workload?: string;
  person?: string;
}

/** Who earned a contribution: a tenant (DES-2), a pair (DES-3/4) or a person (DES-5). */
export function contributorOf(metric: Metric, contributor: string): ContributorRef {
  if (metric === "skilling") return { person: contributor };
  if (metric === "netCustomerAdds") return { tenantId: contributor };
  const [tenantId, workload] = contributor.split("|") as [string, string];
  return { tenantId, workload };
}

/** At most this many not-counted contributions are listed per metric (the count is always given). */
export const NOT_COUNTED_LISTED = 20;

function presentMetric(metric: Metric, m: ScoredMetric) {
  return {
    points: m.points,
    max: m.max,
    rule: m.rule,
    contributions: m.contributions.map((c) => ({ ...contributorOf(metric, c.contributor), ...c })),
    notCountedTotal: m.notCountedTotal,
    notCounted: m.notCounted
      .slice(0, NOT_COUNTED_LISTED)
      .map((c) => ({ ...contributorOf(metric, c.contributor), ...c })),
    traceComplete: m.traceComplete,
  };
}

export function presentScore(score: Score) {
  return {
    asOf: score.asOf,
    ruleSet: score.ruleSet,
    total: score.total,
    minimumScore: score.minimumScore,
    met: score.met,
    traceComplete: score.traceComplete,
    metrics: Object.fromEntries(METRICS.map((m) => [m, presentMetric(m, score.metrics[m])])) as Record<
      Metric,
      ReturnType<typeof presentMetric>
    >,
    rules: score.rules,
  };
}

export function presentSeries(points: readonly ScoreSeriesPoint[]) {
  return points.map((p) => ({
    date: p.date,
    ruleSet: p.score.ruleSet,
    total: p.score.total,
    met: p.score.met,
    points: Object.fromEntries(METRICS.map((m) => [m, p.score.metrics[m].points])) as Record<Metric, number>,
    dropped: p.dropped.map((d) => ({ ...contributorOf(d.metric, d.contributor), ...d })),
    score: presentScore(p.score),
  }));
}

/** Months from `from` to `to` a series covers (first-of-month points). */
export function seriesMonths(from: CalendarDate, to: CalendarDate): number {
  let n = 0;
  for (let d = `${from.slice(0, 7)}-01`; d <= to && n <= MAX_SERIES_MONTHS + 1; d = addMonths(d, 1)) n++;
  return n;
}

// ---------------------------------------------------------------------------------------------

function timedScoring(events: readonly EngagementEvent[]): TimedEvent[] {
  const out: TimedEvent[] = [];
  for (const e of events) if (scoring(e)) out.push(timed(e));
  return out;
}

function byShard(packed: readonly PackedEntry[]): Map<string, PackedEntry[]> {
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
const digest = (e: readonly PackedEntry[]) =>
  createHash("sha256").update(JSON.stringify(e)).digest("base64").slice(0, 16);
export const bucketOf = (source: string) => fnv(source) % BUCKETS;

const sameRecord = (a: Record<string, string> | undefined, b: Record<string, string>) => {
  if (!a) return false;
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
};

/** An idempotent request retried after a dropped connection (a rebuild runs long; one reset must not undo it). */
async function transient<R>(request: () => Promise<R>): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (attempt >= 4 || (code !== "ECONNRESET" && code !== "EPIPE")) throw error;
      await backoff(attempt + 3);
    }
  }
}

const backoff = (attempt: number) =>
  new Promise((done) => setTimeout(done, Math.random() * Math.min(200, 5 * 2 ** Math.min(attempt, 6))));

async function inParallel<T>(items: readonly T[], width: number, work: (item: T) => Promise<unknown>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}
