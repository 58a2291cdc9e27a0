import type { EngagementEvent } from "../domain/events.ts";
import { canonicalInstant, EMPTY_FOLD, type FoldState, pairKeyOf, verdictAt } from "../domain/fold.ts";
import type { PairState } from "../domain/pair-state.ts";
import { streamAddressOf } from "../domain/streams.ts";
import { type FoldedKeys, NO_FOLDED_KEYS } from "./folded-keys.ts";
import {
  type CompactScoringFacts,
  fromCompactScoringFacts,
  NO_SCORING_FACTS,
  type ScoringFacts,
} from "./scoring-facts.ts";

// The shapes of projection documents (stream heads in the `pairs` container), their ids, and empty heads.
// How a head takes events, compacts and refolds is stream-head.ts.

/**
 * Storage format of heads. 3: readable field names (cut, scoring facts). 2: the same content under
 * one-letter names (translated on read, `fromFormat2`). None: the first format, whole streams copied in.
 */
export const HEAD_FORMAT = 3;

/** The business-time position of the last event folded into a snapshot (byBusinessTime's order). */
export interface Cut {
  /** The event's `time`, in epoch milliseconds. */
  timeMs: number;
  source: string;
  id: string;
}

export interface Snapshot {
  /** Every stored event at or before the cut is folded in `fold`; every one after it is in `tail`. */
  cut: Cut | null;
  fold: FoldState;
  /**
   * Which of the stream's own events were folded (folded-keys.ts), so a resend with another time is
   * still known; set once something is folded. Absent with a cut (a head written before it existed):
   * unknown, so every append reads the stream once and the refold sets it.
   */
  foldedKeys?: FoldedKeys;
}

interface HeadDocument {
  id: string;
  partnerId: string;
  streamId: string;
  format: typeof HEAD_FORMAT;
  /** The stream version folded into this document. */
  version: number;
  snapshot: Snapshot;
  /** The events after the cut, distinct, in business order. */
  tail: EngagementEvent[];
  /** Keys of events the streams' voids name (bounded by the voids): such an event, arriving, is refolded. */
  voidTargets?: string[];
  projectedAt: string;
}

export interface PairDocument extends HeadDocument {
  docType: "pair";
  tenantId: string;
  workload: string;
  /** The tenant stream's version folded in (tenant events apply to every pair, through snapshot and tail). */
  tenantVersion: number;
  /** The version whose append last changed the pair's scoring facts: the designation read model skips the rest. */
  scoringVersion?: number;
  snapshot: Snapshot & { scoring: ScoringFacts };
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

/** A partner's certifications: few, so its head keeps them all in `tail` (never cut). */
export interface PartnerDocument extends HeadDocument {
  docType: "partner";
}

export type ProjectionDocument = PairDocument | TenantDocument | PartnerDocument;

/** A head as the first version stored it: the whole stream (and the tenant's) copied in. */
export type LegacyHead = Omit<ProjectionDocument, "format" | "snapshot" | "tail"> & {
  format?: undefined;
  events: EngagementEvent[];
  tenantEvents?: EngagementEvent[];
  tenantVersion?: number;
};

/** Document ids inside a partner's partition. */
export const pairDocumentId = (tenantId: string, workload: string) =>
  `pair|${tenantId.toLowerCase()}|${workload}`;
export const tenantDocumentId = (tenantId: string) => `tenant|${tenantId.toLowerCase()}`;
export const PARTNER_DOCUMENT_ID = "partner";

/** Which projection document heads a stream (its id and partition; the stream id read by domain/streams.ts). */
export function headOf(streamId: string): {
  partnerId: string;
  id: string;
  docType: ProjectionDocument["docType"];
  tenantId?: string;
  workload?: string;
} {
  const address = streamAddressOf(streamId);
  const { partnerId, kind, tenantId, workload } = address;
  if (kind === "pair") return { ...address, id: pairDocumentId(tenantId!, workload!), docType: "pair" };
  if (kind === "tenant") return { ...address, id: tenantDocumentId(tenantId!), docType: "tenant" };
  return { partnerId, id: PARTNER_DOCUMENT_ID, docType: "partner" };
}

export const EMPTY_SNAPSHOT: Snapshot = { cut: null, fold: EMPTY_FOLD };

export function emptyHead(streamId: string, now: Date): ProjectionDocument {
  const head = headOf(streamId);
  const base = {
    id: head.id,
    partnerId: head.partnerId,
    streamId,
    format: HEAD_FORMAT as typeof HEAD_FORMAT,
    version: 0,
    snapshot: EMPTY_SNAPSHOT,
    tail: [],
    projectedAt: now.toISOString(),
  };
  if (head.docType === "partner") return { ...base, docType: "partner" };
  const tenantId = head.tenantId!;
  if (head.docType === "tenant") return { ...base, docType: "tenant", tenantId };
  const key = pairKeyOf(streamId);
  const pair: PairDocument = {
    ...base,
    docType: "pair",
    tenantId,
    workload: key.workload,
    tenantVersion: 0,
    scoringVersion: 0,
    snapshot: { ...EMPTY_SNAPSHOT, scoring: NO_SCORING_FACTS },
    state: verdictAt(EMPTY_FOLD, key, canonicalInstant(now.toISOString())),
    nextAlertOn: null,
    raisedAlerts: [],
  };
  return pair;
}

/** A new pair starts from its tenant's head: the tenant's snapshot is the pair's up to the tenant's cut. */
export function pairFromTenant(pair: PairDocument, tenant: TenantDocument): PairDocument {
  return {
    ...pair,
    tenantVersion: tenant.version,
    // The tenant's folded events are not the pair's own: its stream has folded none of its own yet.
    snapshot: {
      cut: tenant.snapshot.cut,
      fold: tenant.snapshot.fold,
      ...(tenant.snapshot.cut ? { foldedKeys: NO_FOLDED_KEYS } : {}),
      scoring: NO_SCORING_FACTS,
    },
    tail: tenant.tail,
    ...(tenant.voidTargets?.length ? { voidTargets: tenant.voidTargets } : {}),
  };
}

export const isCurrentHead = (doc: { format?: unknown }): boolean => doc.format === HEAD_FORMAT;

/** A head as format 2 stored it: the current content, with a one-letter cut and compact scoring facts. */
export type Format2Head = Omit<ProjectionDocument, "format" | "snapshot"> & {
  format: 2;
  snapshot: Omit<Snapshot, "cut"> & {
    cut: { t: number; s: string; i: string } | null;
    scoring?: CompactScoringFacts;
  };
};

/** A format-2 head in the current format: the same content renamed field by field (exact, no request). */
export function fromFormat2(doc: Format2Head): ProjectionDocument {
  const { cut, scoring, ...snapshot } = doc.snapshot;
  return {
    ...doc,
    format: HEAD_FORMAT,
    snapshot: {
      ...snapshot,
      cut: cut && { timeMs: cut.t, source: cut.s, id: cut.i },
      ...(scoring ? { scoring: fromCompactScoringFacts(scoring) } : {}),
    },
  } as ProjectionDocument;
}
