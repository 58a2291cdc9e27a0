// The reconciliation report of one partner: every pair's timeline read from its event documents (the
// head keeps only what the verdict needs now), reduced to what reconciliation reads, then the pure
// domain/reconciliation.ts. Reads only the caller's partition.
import {
  type GapReason,
  type PairToReconcile,
  pairToReconcile,
  type Reconciliation,
  reconcile,
} from "../../domain/reconciliation.ts";
import type { HeadStore } from "../head-store.ts";
import type { PairDocument } from "../stream-head.ts";

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
export const isMonth = (s: string) => MONTH.test(s);

/** The months a report covers when not given: up to this month, and the twelve before `to`. */
export function reportWindow(now: Date, from?: string, to?: string): { from: string; to: string } {
  const until = to ?? now.toISOString().slice(0, 7);
  return { from: from ?? `${Number(until.slice(0, 4)) - 1}${until.slice(4, 7)}`, to: until };
}

export interface ReconciliationRequest {
  partnerId: string;
  /** First and last month, `YYYY-MM`, inclusive. */
  from: string;
  to: string;
  /** The instant the verdict is judged at (the end of `to` or now, whichever is earlier). */
  asOf: string;
}

export async function reconciliationOf(
  projections: HeadStore,
  request: ReconciliationRequest,
): Promise<Reconciliation & { asOf: string; pairs: number }> {
  const pairs: PairToReconcile[] = [];
  for await (const doc of pairDocuments(projections, request.partnerId)) {
    const timeline = await projections.timelineAt(doc, request.asOf);
    pairs.push(pairToReconcile({ tenantId: doc.tenantId, workload: doc.workload }, timeline));
  }
  const report = reconcile(pairs, request.from, request.to, request.asOf.slice(0, 10));
  return { ...report, asOf: request.asOf, pairs: pairs.length };
}

/** TPID → tenant id from the claims the partner imported (`claim.submitted` with `data.tpid`). */
export async function tpidsOf(projections: HeadStore, partnerId: string): Promise<Map<string, string>> {
  const tpids = new Map<string, string>();
  for await (const doc of pairDocuments(projections, partnerId)) {
    const { events } = await projections.streamOf(doc.streamId);
    for (const e of events) {
      const tpid = e.type === "claim.submitted" ? (e.data as { tpid?: unknown }).tpid : undefined;
      if (typeof tpid === "string") tpids.set(tpid, doc.tenantId);
    }
  }
  return tpids;
}

async function* pairDocuments(projections: HeadStore, partnerId: string): AsyncGenerator<PairDocument> {
  let token: string | undefined;
  do {
    const page = await projections.docs.query<PairDocument>(
      partnerId,
      "SELECT * FROM c WHERE c.partnerId = @p AND c.docType = 'pair' AND c.version > 0 ORDER BY c.id",
      [{ name: "@p", value: partnerId }],
      { maxItemCount: 100, ...(token ? { continuationToken: token } : {}) },
    );
    for (const doc of page.items) yield doc;
    token = page.continuationToken;
  } while (token);
}

/** The totals line a person reads first: months and units by reason, gaps first. */
export function totalsText(report: Reconciliation): string {
  const order: GapReason[] = [
    "missing-payout",
    "reported-ineligible",
    "units-differ",
    "reported-not-expected",
    "students-inflate-high-water-mark",
    "below-high-water-mark",
    "not-approved",
    "excluded-segment",
    "no-usage-reported",
    "paid",
  ];
  return order
    .filter((r) => report.totals[r].months > 0)
    .map((r) => {
      const t = report.totals[r];
      return `${r.padEnd(34)} ${String(t.months).padStart(5)} month(s)  expected ${t.expectedUnits} unit(s), reported ${t.reportedUnits}`;
    })
    .join("\n");
}
