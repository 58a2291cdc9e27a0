import { addMonths, type CalendarDate } from "../domain/dates.ts";
import {
  type DesignationScore,
  designationScore,
  designationSeries,
  type LedgerEntry,
  ledgerShardOf,
  ledgerShardsFor,
  METRICS,
  type Metric,
  type MetricScore,
  type PackedEntry,
  type PairStream,
  packEntry,
  type SeriesPoint,
  scoringEntriesOf,
  unpackEntry,
} from "../domain/designation.ts";
import type { EngagementEvent } from "../domain/events.ts";
import { type TimedEvent, timed } from "../domain/facts.ts";
import {
  type DocumentCollection,
  DocumentConflict,
  type Page,
  type Versioned,
} from "../infra/cosmos/documents.ts";
import { PARTNER_DOCUMENT_ID, type ProjectionDocument } from "./projection.ts";

// The Solutions Partner for Security read model (RULES DES-*), in the `scores` container (pk /partnerId).
//
// - `ledger|YYYY-MM`: one shard per partner and month of `earnedOn` (domain ledgerShardOf). It holds
//   one SLOT per source (a tenant, or `partner` for the certifications): `{s: seq, e: packed entries}`.
//   A score at D reads the 13 shards ledgerShardsFor(D) with ONE single-partition query.
// - `source|<tenant>` / `source|partner`: the per-source bookkeeping. It holds the source's current
//   entries, a sequence number and the shards its slots may live in. It is the serialization point:
//   a writer reads it (etag), THEN reads the source's events, and claims it etag-checked with seq + 1
//   before touching shards. Heads never go backwards, so whoever claims later has read later events.
//   A shard slot is only overwritten by a higher seq, so a slower writer can never put back older
//   entries; `complete: false` until every shard is written, so a writer that finds an unfinished
//   claim (a crash, a race) rewrites every shard the claim may have touched.
// The entries depend only on the events, never on the clock: a score at a future date is the score
// that date will have if no further event arrives (the forecast is honest by construction).

const MAX_ATTEMPTS = 12;
/** Sources touched concurrently by a rebuild or a projector batch. */
const PARALLEL = 16;
const PARTNER_SOURCE = "partner";
/** A series is a monthly list; bounded so a request cannot ask for centuries. */
export const MAX_SERIES_MONTHS = 60;

interface Slot {
  /** The source's claim sequence that wrote it. */
  s: number;
  e: PackedEntry[];
}

export interface LedgerShardDocument {
  id: string;
  partnerId: string;
  docType: "ledger";
  month: string;
  slots: Record<string, Slot>;
  updatedAt: string;
}

export interface SourceDocument {
  id: string;
  partnerId: string;
  docType: "source";
  source: string;
  seq: number;
  entries: PackedEntry[];
  /** Shards that may hold a non-empty slot of this source (a superset while `complete` is false). */
  shards: string[];
  complete: boolean;
  updatedAt: string;
}

export type ScoreDocument = LedgerShardDocument | SourceDocument;

type ExistingScore = { docType: string; source?: string; seq?: number; month?: string };

export const ledgerShardId = (month: string) => `ledger|${month}`;
const sourceId = (source: string) => `source|${source}`;

/** Event types the ledger reads (designation.ts): everything else is dropped before folding. */
const SCORING_TYPES = new Set(["deployment.completed", "usage.reported", "skilling.certification.recorded"]);
const scoring = (e: EngagementEvent) => e.type.startsWith("claim.") || SCORING_TYPES.has(e.type);

export interface ShardRead {
  entries: LedgerEntry[];
  shards: string[];
}

export class Scoring {
  constructor(
    private readonly scores: DocumentCollection<ScoreDocument>,
    private readonly heads: DocumentCollection<ProjectionDocument>,
    private readonly clock: () => Date,
  ) {}

  // -------------------------------------------------------------------------------------------
  // Read side

  /** The score at a date: one single-partition query over the 13 shards the date needs. */
  async scoreAt(partnerId: string, asOf: CalendarDate): Promise<DesignationScore> {
    const shards = ledgerShardsFor(asOf);
    const { entries } = await this.readShards(partnerId, shards[0]!, shards.at(-1)!);
    return designationScore(entries, asOf);
  }

  /** The first-of-month series from..to, from one single-partition query over month(from − 13)..month(to). */
  async series(partnerId: string, from: CalendarDate, to: CalendarDate): Promise<SeriesPoint[]> {
    const first = ledgerShardsFor(from)[0]!;
    const { entries } = await this.readShards(partnerId, first, to.slice(0, 7));
    return designationSeries(entries, from, to);
  }

  /** Every entry in shards first..last (YYYY-MM, inclusive). */
  async readShards(partnerId: string, first: string, last: string): Promise<ShardRead> {
    const entries: LedgerEntry[] = [];
    const shards: string[] = [];
    let continuationToken: string | undefined;
    do {
      // The partition key scopes the query; the filter names the partner again (isolation never rests on one option).
      const page = await this.scores.query<LedgerShardDocument>(
        partnerId,
        "SELECT * FROM c WHERE c.partnerId = @partnerId AND c.docType = 'ledger' AND c.month >= @first AND c.month <= @last",
        [
          { name: "@partnerId", value: partnerId },
          { name: "@first", value: first },
          { name: "@last", value: last },
        ],
        { maxItemCount: MAX_SERIES_MONTHS + 16, continuationToken },
      );
      continuationToken = page.continuationToken;
      for (const shard of page.items) {
        shards.push(shard.month);
        for (const slot of Object.values(shard.slots)) for (const p of slot.e) entries.push(unpackEntry(p));
      }
    } while (continuationToken);
    return { entries, shards: shards.sort() };
  }

  // -------------------------------------------------------------------------------------------
  // Write side (the projector)

  /** Re-derives a tenant's entries from its pair heads and replaces its slots where they changed. */
  async updateTenant(partnerId: string, tenantId: string): Promise<void> {
    const tenant = tenantId.toLowerCase();
    await this.updateSource(partnerId, tenant, async () =>
      scoringEntriesOf({
        kind: "tenant",
        tenantId: tenant,
        pairs: await this.tenantPairs(partnerId, tenantId),
      }),
    );
  }

  /** Re-derives the partner's certification entries from its partner head. */
  async updatePartner(partnerId: string): Promise<void> {
    await this.updateSource(partnerId, PARTNER_SOURCE, async () => {
      const head = await this.heads.read(partnerId, PARTNER_DOCUMENT_ID);
      return scoringEntriesOf({ kind: "partner", events: timedScoring(head?.doc.events ?? []) });
    });
  }

  /** The projector's step after healing a batch: each touched tenant (and the partner) once. */
  async updateAfterHeal(docs: readonly ProjectionDocument[]): Promise<void> {
    const jobs = new Map<string, () => Promise<void>>();
    for (const d of docs) {
      if (d.docType === "pair")
        jobs.set(`${d.partnerId}|${d.tenantId.toLowerCase()}`, () =>
          this.updateTenant(d.partnerId, d.tenantId),
        );
      else if (d.docType === "partner") jobs.set(d.partnerId, () => this.updatePartner(d.partnerId));
    }
    await inParallel([...jobs.values()], PARALLEL, (job) => job());
  }

  private async tenantPairs(partnerId: string, tenantId: string): Promise<PairStream[]> {
    const tenant = tenantId.toLowerCase();
    const pairs: PairStream[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.heads.query<{ tenantId: string; workload: string; events: EngagementEvent[] }>(
        partnerId,
        // Stream ids keep the tenant id as sent; the ledger names tenants in lower case.
        "SELECT c.tenantId, c.workload, c.events FROM c WHERE c.partnerId = @partnerId AND c.docType = 'pair' AND c.tenantId IN (@raw, @lower, @upper)",
        [
          { name: "@partnerId", value: partnerId },
          { name: "@raw", value: tenantId },
          { name: "@lower", value: tenant },
          { name: "@upper", value: tenant.toUpperCase() },
        ],
        { maxItemCount: 100, continuationToken },
      );
      continuationToken = page.continuationToken;
      for (const p of page.items) pairs.push({ workload: p.workload, events: timedScoring(p.events) });
    } while (continuationToken);
    return pairs;
  }

  private async updateSource(
    partnerId: string,
    source: string,
    derive: () => Promise<LedgerEntry[]>,
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      // Bookkeeping first, events second: a claim made after this read has read later events than ours.
      const before = (await this.scores.read(partnerId, sourceId(source))) as
        | Versioned<SourceDocument>
        | undefined;
      const packed = (await derive()).map(packEntry);
      const wanted = byShard(packed);
      if (!before && packed.length === 0) return; // never had entries: no slot anywhere
      const old = before?.doc;
      if (old?.complete && same(old.entries, packed)) return; // redelivery, or events that change no entry
      const previous = byShard(old?.entries ?? []);
      const touch = new Set<string>(
        old && !old.complete
          ? [...old.shards, ...wanted.keys()]
          : [...new Set([...previous.keys(), ...wanted.keys()])].filter(
              (m) => !same(previous.get(m) ?? [], wanted.get(m) ?? []),
            ),
      );
      const seq = (old?.seq ?? 0) + 1;
      const claim: SourceDocument = {
        id: sourceId(source),
        partnerId,
        docType: "source",
        source,
        seq,
        entries: packed,
        shards: [...new Set([...wanted.keys(), ...touch])].sort(),
        complete: false,
        updatedAt: this.clock().toISOString(),
      };
      let claimed: Versioned<ScoreDocument>;
      try {
        claimed = before ? await this.scores.replace(claim, before.etag) : await this.scores.create(claim);
      } catch (error) {
        if (error instanceof DocumentConflict && attempt < MAX_ATTEMPTS) continue;
        throw error;
      }
      for (const month of [...touch].sort())
        await this.writeSlot(partnerId, month, source, { s: seq, e: wanted.get(month) ?? [] });
      try {
        await this.scores.replace(
          { ...claim, shards: [...wanted.keys()].sort(), complete: true },
          claimed.etag,
        );
      } catch (error) {
        // A newer claim took over: it saw ours unfinished and rewrites every shard we touched.
        if (!(error instanceof DocumentConflict)) throw error;
      }
      return;
    }
  }

  /** Puts a source's slot into a shard unless a newer claim already did (etag-checked, retried). */
  private async writeSlot(partnerId: string, month: string, source: string, slot: Slot): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const current = (await this.scores.read(partnerId, ledgerShardId(month))) as
        | Versioned<LedgerShardDocument>
        | undefined;
      const existing = current?.doc.slots[source];
      if (existing && existing.s >= slot.s) return;
      // An emptied slot stays as a tombstone with its seq, so an older writer cannot bring entries back.
      const next: LedgerShardDocument = {
        id: ledgerShardId(month),
        partnerId,
        docType: "ledger",
        month,
        slots: { ...(current?.doc.slots ?? {}), [source]: slot },
        updatedAt: this.clock().toISOString(),
      };
      try {
        if (current) await this.scores.replace(next, current.etag);
        else await this.scores.create(next);
        return;
      } catch (error) {
        if (!(error instanceof DocumentConflict) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Rebuild

  /**
   * `npm run rebuild` (after the heads are rebuilt from the events): the partner's whole read model
   * folded again from its heads, written shard by shard. Not meant to race the projector.
   */
  async rebuildPartner(partnerId: string): Promise<{ sources: number; entries: number; shards: number }> {
    // 1. Every pair head of the partner (paged single-partition query), only the events the ledger reads.
    const tenants = new Map<string, PairStream[]>();
    let continuationToken: string | undefined;
    do {
      const page = await this.heads.query<{ tenantId: string; workload: string; events: EngagementEvent[] }>(
        partnerId,
        "SELECT c.tenantId, c.workload, c.events FROM c WHERE c.partnerId = @partnerId AND c.docType = 'pair'",
        [{ name: "@partnerId", value: partnerId }],
        { maxItemCount: 1000, continuationToken },
      );
      continuationToken = page.continuationToken;
      for (const p of page.items) {
        const tenant = p.tenantId.toLowerCase();
        const list = tenants.get(tenant) ?? [];
        list.push({ workload: p.workload, events: timedScoring(p.events) });
        tenants.set(tenant, list);
      }
    } while (continuationToken);
    const partnerHead = await this.heads.read(partnerId, PARTNER_DOCUMENT_ID);

    // 2. Entries per source.
    const bySource = new Map<string, PackedEntry[]>();
    for (const [tenant, pairs] of tenants) {
      const entries = scoringEntriesOf({ kind: "tenant", tenantId: tenant, pairs });
      if (entries.length > 0) bySource.set(tenant, entries.map(packEntry));
    }
    const certs = scoringEntriesOf({ kind: "partner", events: timedScoring(partnerHead?.doc.events ?? []) });
    if (certs.length > 0) bySource.set(PARTNER_SOURCE, certs.map(packEntry));
    tenants.clear();

    // 3. What exists: source seqs (so slots stay ahead of any earlier claim) and shard ids.
    const seqs = new Map<string, number>();
    const oldShards = new Set<string>();
    continuationToken = undefined;
    do {
      const page: Page<ExistingScore> = await this.scores.query<ExistingScore>(
        partnerId,
        "SELECT c.docType, c.source, c.seq, c.month FROM c WHERE c.partnerId = @partnerId",
        [{ name: "@partnerId", value: partnerId }],
        { maxItemCount: 5000, continuationToken },
      );
      continuationToken = page.continuationToken;
      for (const d of page.items) {
        if (d.docType === "source" && d.source !== undefined) seqs.set(d.source, d.seq ?? 0);
        else if (d.docType === "ledger" && d.month !== undefined) oldShards.add(d.month);
      }
    } while (continuationToken);

    // 4. Shards, written whole; shards left without entries are deleted.
    const now = this.clock().toISOString();
    const shards = new Map<string, LedgerShardDocument>();
    let entryCount = 0;
    for (const [source, packed] of bySource) {
      const seq = (seqs.get(source) ?? 0) + 1;
      for (const [month, e] of byShard(packed)) {
        let shard = shards.get(month);
        if (!shard) {
          shard = {
            id: ledgerShardId(month),
            partnerId,
            docType: "ledger",
            month,
            slots: {},
            updatedAt: now,
          };
          shards.set(month, shard);
        }
        shard.slots[source] = { s: seq, e };
        entryCount += e.length;
      }
    }
    await inParallel([...shards.values()], 4, (shard) => this.scores.upsert(shard));
    await inParallel(
      [...oldShards].filter((m) => !shards.has(m)),
      4,
      (m) => this.scores.delete(partnerId, ledgerShardId(m)),
    );

    // 5. Bookkeeping: every source with entries, and every former source now without any.
    const sources = new Set([...bySource.keys(), ...seqs.keys()]);
    await inParallel([...sources], PARALLEL, (source) => {
      const packed = bySource.get(source) ?? [];
      return this.scores.upsert({
        id: sourceId(source),
        partnerId,
        docType: "source",
        source,
        seq: (seqs.get(source) ?? 0) + 1,
        entries: packed,
        shards: [...byShard(packed).keys()].sort(),
        complete: true,
        updatedAt: now,
      });
    });
    return { sources: bySource.size, entries: entryCount, shards: shards.size };
  }
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

function presentMetric(metric: Metric, m: MetricScore) {
  return {
    points: m.points,
    max: m.max,
    rule: m.rule,
    contributions: m.contributions.map((c) => ({ ...contributorOf(metric, c.contributor), ...c })),
    notCountedTotal: m.notCounted.length,
    notCounted: m.notCounted
      .slice(0, NOT_COUNTED_LISTED)
      .map((c) => ({ ...contributorOf(metric, c.contributor), ...c })),
  };
}

export function presentScore(score: DesignationScore) {
  return {
    asOf: score.asOf,
    ruleSet: score.ruleSet,
    total: score.total,
    minimumScore: score.minimumScore,
    met: score.met,
    metrics: Object.fromEntries(METRICS.map((m) => [m, presentMetric(m, score.metrics[m])])) as Record<
      Metric,
      ReturnType<typeof presentMetric>
    >,
    rules: score.rules,
  };
}

export function presentSeries(points: readonly SeriesPoint[]) {
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

const same = (a: readonly PackedEntry[], b: readonly PackedEntry[]) =>
  JSON.stringify(a) === JSON.stringify(b);

async function inParallel<T>(items: readonly T[], width: number, work: (item: T) => Promise<unknown>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}
