import { canonicalInstant } from "../domain/fold.ts";
import type { PairState } from "../domain/pair-state.ts";
import type { DocumentCollection } from "../infra/cosmos/documents.ts";
import {
  type PairDocument,
  type ProjectionDocument,
  pairDocumentId,
  pairStateAt,
  pairTimelineAt,
} from "./projection.ts";

export interface PairFilters {
  stage?: string;
  status?: string;
  eligibility?: string;
  claimableNow?: boolean;
  windowWithinDays?: number;
}

export interface PairPage {
  items: PairState[];
  continuationToken?: string;
}

const PAGE_SCAN = 200;

/** Answers a partner's questions about its pairs from the projection documents (point reads first). */
export class PairQueries {
  constructor(
    private readonly docs: DocumentCollection<ProjectionDocument>,
    private readonly clock: () => Date,
  ) {}

  /** STATE.md for one pair at any instant, with its timeline; undefined for an unknown pair. */
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
    const timeline = pairTimelineAt(doc, at);
    return { ...pairStateAt(doc, at, timeline), timeline: timeline.map((t) => t.event) };
  }

  /**
   * The partner's pairs, newest verdicts first computed at now. Stage and status only change with
   * events, so Cosmos filters them; eligibility, claimability and windows move with time, so they are
   * filtered on the state re-derived now. A page scans at most PAGE_SCAN documents.
   */
  async list(
    partnerId: string,
    filters: PairFilters,
    continuationToken?: string,
    limit = 100,
  ): Promise<PairPage> {
    // The partition key scopes the query; the filter says it again so isolation never rests on one option.
    const where = ["c.partnerId = @partnerId", "c.docType = 'pair'", "c.version > 0"];
    const params: { name: string; value: string }[] = [{ name: "@partnerId", value: partnerId }];
    if (filters.stage) {
      where.push("c.state.stage = @stage");
      params.push({ name: "@stage", value: filters.stage });
    }
    if (filters.status) {
      where.push("c.state.claim.status = @status");
      params.push({ name: "@status", value: filters.status });
    }
    const now = canonicalInstant(this.clock().toISOString());
    const today = now.slice(0, 10);
    const horizon =
      filters.windowWithinDays === undefined
        ? undefined
        : new Date(Date.parse(`${today}T00:00:00Z`) + filters.windowWithinDays * 86_400_000)
            .toISOString()
            .slice(0, 10);
    const page = await this.docs.query(
      partnerId,
      `SELECT * FROM c WHERE ${where.join(" AND ")} ORDER BY c.id`,
      params,
      { maxItemCount: Math.min(PAGE_SCAN, Math.max(limit, 1)), continuationToken },
    );
    const items: PairState[] = [];
    for (const doc of page.items as PairDocument[]) {
      const state = pairStateAt(doc, now);
      if (filters.eligibility && state.claim.eligibility !== filters.eligibility) continue;
      if (filters.claimableNow !== undefined && state.claim.claimableNow !== filters.claimableNow) continue;
      if (horizon && !state.windows.some((w) => w.closesOn <= horizon)) continue;
      items.push(state);
    }
    return { items, ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}) };
  }
}
