import { addDays, dateOf, daysBetween } from "../domain/dates.ts";
import { type EngagementEvent, pairStreamId, tenantStreamId } from "../domain/events.ts";
import { canonicalInstant, pairTimeline, stateOfTimeline } from "../domain/fold.ts";
import type { PairState } from "../domain/pair-state.ts";
import type { PageTokens } from "./page-token.ts";
import type { DocumentCollection } from "./ports/document-collection.ts";
import type { EventStore } from "./ports/event-store.ts";
import { type PairDocument, type ProjectionDocument, pairDocumentId, pairStateAt } from "./stream-head.ts";

export interface PairFilters {
  stage?: string;
  status?: string;
  eligibility?: string;
  claimableNow?: boolean;
  windowWithinDays?: number;
  /** Part of the customer's name or of the tenant id, any case. */
  search?: string;
}

/** A listed pair: STATE.md without the timeline, plus the customer's name from its tenant profile. */
export type ListedPair = PairState & { customerName: string | null };

export interface PairPage {
  items: ListedPair[];
  continuationToken?: string;
}

/** What a continuation token seals: the last pair id answered (keyset paging, ORDER BY c.id). */
interface Position {
  after: string;
}

/**
 * What a list answers: STATE.md's own fields (contract/STATE.md) and the customer's name, never the
 * head's events or the explanations added to one pair's state (`poe.items`, `claim.history`,
 * `claim.review`, `advice`): GET /api/pairs/{tenantId}/{workload} answers those.
 */
const LISTED = [
  "c.id",
  "c.tenantId",
  "c.workload",
  "c.customerName",
  "c.state.partnerId",
  "c.state.stage",
  "c.state.programYear",
  "c.state.ruleSet",
  // Whole sub-objects by reference: the emulator's engine builds an object literal for every match
  // before it sorts, a reference costs nothing; the answer is trimmed below.
  "c.state.claim",
  "c.state.poe",
  "c.state.windows",
  "c.state.anomalies",
].join(", ");
/** Pairs re-derived per store request when a list asks for another instant than now. */
const AS_OF_SCAN = 500;

/** Answers a partner's questions about its pairs from the projection documents (point reads first). */
export class PairQueries {
  constructor(
    private readonly docs: DocumentCollection<ProjectionDocument>,
    private readonly store: EventStore,
    private readonly clock: () => Date,
    private readonly tokens: PageTokens,
  ) {}

  /**
   * STATE.md for one pair at any instant, with its timeline (the pair's and its tenant's events,
   * read from the event store: a head keeps only what it needs to answer now); undefined for an
   * unknown pair.
   */
  async pair(
    partnerId: string,
    tenantId: string,
    workload: string,
    asOf?: string,
  ): Promise<PairState | undefined> {
    const found = await this.docs.read(partnerId, pairDocumentId(tenantId, workload));
    if (found?.doc.docType !== "pair" || found.doc.version === 0) return undefined;
    const doc = found.doc;
    const at = canonicalInstant(asOf ?? this.clock().toISOString());
    const { state, timeline } = await this.fromStreams(doc, at);
    // Exactly the evaluator's state and the timeline (the customer's name is in its tenant profile).
    return { ...state, timeline };
  }

  private async fromStreams(doc: PairDocument, at: string) {
    const [own, tenant] = await Promise.all([
      this.store.readStream(pairStreamId(doc.partnerId, doc.tenantId, doc.workload)),
      this.store.readStream(tenantStreamId(doc.partnerId, doc.tenantId)),
    ]);
    const events = (list: { event: unknown }[]) => list.map((e) => e.event as EngagementEvent);
    const timeline = pairTimeline(events(own.events), events(tenant.events), at);
    return {
      state: stateOfTimeline(
        { partnerId: doc.partnerId, tenantId: doc.tenantId, workload: doc.workload },
        timeline,
        at,
      ),
      timeline: timeline.map((t) => t.event),
    };
  }

  /**
   * A complete page of the partner's pairs in id order: every filter is a store query on the state
   * the projection keeps current (events re-derive it, the claim-windows timer re-derives it when a
   * window closes), so a page is never short while matches remain. `asOf` other than now re-derives
   * each pair at that instant instead (a scan: the board's "as of" view, not its everyday list).
   * Throws PageTokenInvalid for a token this service did not issue for this same query.
   */
  async list(
    partnerId: string,
    filters: PairFilters,
    continuationToken?: string,
    limit = 100,
    asOf?: string,
  ): Promise<PairPage> {
    const scope = JSON.stringify([partnerId, filters, asOf ?? null]);
    const after = continuationToken ? this.tokens.open<Position>(scope, continuationToken).after : "";
    const now = canonicalInstant(asOf ?? this.clock().toISOString());
    const items = asOf
      ? await this.scanAt(partnerId, filters, after, limit, now)
      : await this.query(partnerId, filters, after, limit, now);
    const last = items.at(-1);
    const more = items.length === limit && last !== undefined;
    return {
      items,
      ...(more
        ? {
            continuationToken: this.tokens.seal(scope, {
              after: pairDocumentId(last.tenantId, last.workload),
            } satisfies Position),
          }
        : {}),
    };
  }

  private async query(
    partnerId: string,
    filters: PairFilters,
    after: string,
    limit: number,
    now: string,
  ): Promise<ListedPair[]> {
    const { where, params } = baseQuery(partnerId, filters, after);
    const add = (clause: string, name: string, value: string | boolean | undefined) => {
      if (value === undefined) return;
      where.push(clause);
      params.push({ name, value });
    };
    add("c.state.stage = @stage", "@stage", filters.stage);
    add("c.state.claim.status = @status", "@status", filters.status);
    add("c.state.claim.eligibility = @eligibility", "@eligibility", filters.eligibility);
    add("c.state.claim.claimableNow = @claimable", "@claimable", filters.claimableNow);
    if (filters.windowWithinDays !== undefined) {
      // Windows are stored soonest first, so the first one decides.
      where.push("c.state.windows[0].closesOn >= @today");
      params.push({ name: "@today", value: now.slice(0, 10) });
      add(
        "c.state.windows[0].closesOn <= @horizon",
        "@horizon",
        addDays(now.slice(0, 10), filters.windowWithinDays),
      );
    }
    const sql = `SELECT ${LISTED} FROM c WHERE ${where.join(" AND ")} ORDER BY c.id`;
    const items: ListedPair[] = [];
    let token: string | undefined;
    // The store may answer short pages (or empty ones with a continuation): keep asking until the page is full.
    do {
      const page = await this.docs.query<Listed>(partnerId, sql, params, {
        maxItemCount: limit - items.length,
        ...(token ? { continuationToken: token } : {}),
      });
      for (const doc of page.items) items.push(current(doc, now));
      token = page.continuationToken;
    } while (token && items.length < limit);
    return items.slice(0, limit);
  }

  private async scanAt(
    partnerId: string,
    filters: PairFilters,
    after: string,
    limit: number,
    asOf: string,
  ): Promise<ListedPair[]> {
    const items: ListedPair[] = [];
    let cursor = after;
    for (;;) {
      const { where, params } = baseQuery(partnerId, filters, cursor);
      const page = await this.docs.query<PairDocument>(
        partnerId,
        `SELECT TOP ${AS_OF_SCAN} * FROM c WHERE ${where.join(" AND ")} ORDER BY c.id`,
        params,
        { maxItemCount: AS_OF_SCAN },
      );
      for (const doc of page.items) {
        const state = await this.stateAt(doc, asOf);
        if (!matches(state, filters, asOf)) continue;
        items.push(
          current(
            { ...state, id: doc.id, customerName: doc.customerName ?? null } as unknown as Listed,
            asOf,
          ),
        );
        if (items.length === limit) return items;
      }
      if (page.items.length < AS_OF_SCAN) return items;
      cursor = page.items.at(-1)!.id;
    }
  }

  /** From the head when it can answer at `asOf`, else from the event documents. */
  private async stateAt(doc: PairDocument, asOf: string): Promise<PairState> {
    try {
      return pairStateAt(doc, asOf);
    } catch {
      return (await this.fromStreams(doc, asOf)).state;
    }
  }
}

type Listed = Pick<PairDocument, "id" | "tenantId" | "workload" | "customerName"> &
  Pick<PairState, "partnerId" | "stage" | "programYear" | "windows" | "anomalies"> & {
    ruleSet?: string;
    claim: Pick<
      PairState["claim"],
      "eligibility" | "status" | "claimableNow" | "reasons" | "claimId" | "claimType"
    >;
    poe: Pick<PairState["poe"], "ready" | "missing" | "recommended" | "rules">;
  };

function baseQuery(partnerId: string, filters: PairFilters, after: string) {
  // The partition key scopes the query; the filter says it again so isolation never rests on one option.
  const where = ["c.partnerId = @partnerId", "c.docType = 'pair'", "c.version > 0"];
  const params: { name: string; value: string | boolean }[] = [{ name: "@partnerId", value: partnerId }];
  if (after) {
    where.push("c.id > @after");
    params.push({ name: "@after", value: after });
  }
  const search = filters.search?.trim().toLowerCase();
  if (search) {
    where.push("CONTAINS(c.search, @search)");
    params.push({ name: "@search", value: search });
  }
  return { where, params };
}

/** The stored state's contract fields, its days left counted from now and windows already closed dropped. */
function current(doc: Listed, now: string): ListedPair {
  const today = dateOf(Date.parse(now));
  const windows = (doc.windows ?? [])
    .filter((w) => w.closesOn >= today)
    .map((w) => ({ ...w, daysLeft: daysBetween(today, w.closesOn) }));
  return {
    partnerId: doc.partnerId,
    tenantId: doc.tenantId,
    workload: doc.workload,
    asOf: now,
    stage: doc.stage,
    programYear: doc.programYear,
    ...(doc.ruleSet ? { ruleSet: doc.ruleSet } : {}),
    claim: pick(doc.claim, ["eligibility", "status", "claimableNow", "reasons", "claimId", "claimType"]),
    poe: pick(doc.poe, ["ready", "missing", "recommended", "rules"]),
    windows,
    anomalies: doc.anomalies ?? [],
    customerName: doc.customerName ?? null,
  } as ListedPair;
}

function matches(state: PairState, f: PairFilters, asOf: string): boolean {
  if (f.stage && state.stage !== f.stage) return false;
  if (f.status && state.claim.status !== f.status) return false;
  if (f.eligibility && state.claim.eligibility !== f.eligibility) return false;
  if (f.claimableNow !== undefined && state.claim.claimableNow !== f.claimableNow) return false;
  if (f.windowWithinDays !== undefined) {
    const horizon = addDays(asOf.slice(0, 10), f.windowWithinDays);
    if (!state.windows.some((w) => w.closesOn <= horizon)) return false;
  }
  return true;
}

function pick<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const k of keys) if (from[k] !== undefined) out[k] = from[k];
  return out;
}
