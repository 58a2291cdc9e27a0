import { dateOf } from "../domain/dates.ts";
import type { EngagementEvent } from "../domain/events.ts";
import type { TimedEvent } from "../domain/facts.ts";
import { canonicalInstant, evaluatePair, pairKeyOf, pairTimeline, stateOfTimeline } from "../domain/fold.ts";
import type { PairState } from "../domain/pair-state.ts";

// Projection documents live in the `pairs` container (partition /partnerId), one per stream: they
// are the stream's head for appends (version + events, equinox's "tip"), and the read model for
// queries. Each can be thrown away and rebuilt from the events container.

interface HeadDocument {
  id: string;
  partnerId: string;
  streamId: string;
  /** The stream version folded into this document. */
  version: number;
  /** The stream's events, as stored, so reads and appends never need a query. */
  events: EngagementEvent[];
  projectedAt: string;
}

export interface PairDocument extends HeadDocument {
  docType: "pair";
  tenantId: string;
  workload: string;
  /** The tenant stream's version and events folded in (tenant events apply to every pair). */
  tenantVersion: number;
  tenantEvents: EngagementEvent[];
  /** STATE.md at `projectedAt`, without the timeline; filters and lists read it. */
  state: PairState;
  /** Earliest date this pair has a claim-window alert to raise (the timer queries by it). */
  nextAlertOn: string | null;
  /** Alert keys already raised for this pair (the timer's exactly-once record). */
  raisedAlerts: string[];
  /** The tenant profile's customer name (the board shows and searches it); null until profiled. */
  customerName?: string | null;
  /** Lower-cased customer name and tenant id: what `GET /api/pairs?search=` matches with CONTAINS. */
  search?: string;
}

export interface TenantDocument extends HeadDocument {
  docType: "tenant";
  tenantId: string;
}

export interface PartnerDocument extends HeadDocument {
  docType: "partner";
}

export type ProjectionDocument = PairDocument | TenantDocument | PartnerDocument;

/** Document ids inside a partner's partition. */
export const pairDocumentId = (tenantId: string, workload: string) =>
  `pair|${tenantId.toLowerCase()}|${workload}`;
export const tenantDocumentId = (tenantId: string) => `tenant|${tenantId.toLowerCase()}`;
export const PARTNER_DOCUMENT_ID = "partner";

/** Which projection document heads a stream. */
export function headOf(streamId: string): {
  partnerId: string;
  id: string;
  docType: ProjectionDocument["docType"];
} {
  const parts = streamId.split("|");
  if (parts.length === 3)
    return { partnerId: parts[0]!, id: pairDocumentId(parts[1]!, parts[2]!), docType: "pair" };
  if (parts.length === 2) return { partnerId: parts[0]!, id: tenantDocumentId(parts[1]!), docType: "tenant" };
  return { partnerId: parts[0]!, id: PARTNER_DOCUMENT_ID, docType: "partner" };
}

export function emptyHead(streamId: string, now: Date): ProjectionDocument {
  const head = headOf(streamId);
  const base = {
    id: head.id,
    partnerId: head.partnerId,
    streamId,
    version: 0,
    events: [],
    projectedAt: now.toISOString(),
  };
  if (head.docType === "partner") return { ...base, docType: "partner" };
  const tenantId = streamId.split("|")[1]!;
  if (head.docType === "tenant") return { ...base, docType: "tenant", tenantId };
  const key = pairKeyOf(streamId);
  return {
    ...base,
    docType: "pair",
    tenantId,
    workload: key.workload,
    tenantVersion: 0,
    tenantEvents: [],
    state: evaluatePair(key, [], [], canonicalInstant(now.toISOString())),
    nextAlertOn: null,
    raisedAlerts: [],
  };
}

/** The events the pair's state at an instant folds (its own and its tenant's), in business order. */
export function pairTimelineAt(doc: PairDocument, asOf: string): TimedEvent[] {
  return pairTimeline(doc.events, doc.tenantEvents, asOf);
}

/** The pair's state at an instant, folded from the events the document carries. */
export function pairStateAt(
  doc: PairDocument,
  asOf: string,
  timeline = pairTimelineAt(doc, asOf),
): PairState {
  return stateOfTimeline(pairKeyOf(doc.streamId), timeline, asOf);
}

/** Re-derives a pair document's state (and what depends on it) at `now`. */
export function reproject(doc: PairDocument, now: Date, schedule: AlertScheduling): PairDocument {
  const state = pairStateAt(doc, canonicalInstant(now.toISOString()));
  return {
    ...doc,
    state,
    projectedAt: now.toISOString(),
    nextAlertOn: schedule.nextAlertOn(doc, state, dateOf(now.getTime()), now),
    ...searchFields(doc.tenantId, doc.tenantEvents),
  };
}

/** The customer's name from the newest tenant profile, and the text a list search matches. */
export function searchFields(tenantId: string, tenantEvents: readonly EngagementEvent[]) {
  let profile: EngagementEvent | undefined;
  for (const e of tenantEvents)
    if (e.type === "tenant.profiled" && (!profile || Date.parse(e.time) >= Date.parse(profile.time))) profile = e;
  const customerName = profile?.type === "tenant.profiled" ? profile.data.customerName : null;
  return { customerName, search: `${customerName ?? ""} ${tenantId}`.toLowerCase() };
}

/** How a pair's next alert date is computed (claim-window alerts); injected so projections stay small. */
export interface AlertScheduling {
  /** The first date on or after `from` the timer must look at this pair, judged at `now`. */
  nextAlertOn(doc: PairDocument, state: PairState, from: string, now: Date): string | null;
}

/** The summary a POST /api/events response gives per pair (contract/API.md). */
export function pairSummary(doc: PairDocument) {
  return { tenantId: doc.tenantId, workload: doc.workload, stage: doc.state.stage, claim: doc.state.claim };
}
