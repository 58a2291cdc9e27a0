import type { CalendarDate } from "./dates.ts";
import type { EngagementEvent } from "./events.ts";
import type { RuleId, Segment } from "./rules/index.ts";
import type { CLAIM_TYPES } from "./value-sets.ts";

export type ClaimType = (typeof CLAIM_TYPES)[number];

// What a pair's fold knows (PairFacts) and the business-time axis it folds along. How each event
// changes the facts is facts.ts.

/** An event placed on the business-time axis: `timeMs` orders the fold, `date` is its UTC day. */
export interface TimedEvent {
  readonly event: EngagementEvent;
  readonly timeMs: number;
  readonly date: CalendarDate;
}

export function timed(event: EngagementEvent): TimedEvent {
  const timeMs = Date.parse(event.time);
  // A UTC instant already names its date; only offsets need the round trip through Date.
  const utc = event.time.endsWith("Z") || event.time.endsWith("z");
  return { event, timeMs, date: utc ? event.time.slice(0, 10) : new Date(timeMs).toISOString().slice(0, 10) };
}

/** Business-time order; ties by source, then id, so any arrival order folds the same way. */
export function byBusinessTime(a: TimedEvent, b: TimedEvent): number {
  if (a.timeMs !== b.timeMs) return a.timeMs - b.timeMs;
  if (a.event.source !== b.event.source) return a.event.source < b.event.source ? -1 : 1;
  return a.event.id < b.event.id ? -1 : a.event.id > b.event.id ? 1 : 0;
}

export interface TenantProfile {
  readonly customerName: string;
  readonly segment: Segment;
  readonly publicSector: boolean;
  readonly country: string;
  readonly paidSeats?: number;
  readonly studentSeats?: number;
}

/** Work that can make a pair claimable (ACT-1, ACT-3, ACT-8), with the days it covers. */
export interface EligibleWork {
  readonly kind: "deployment" | "adoption";
  readonly rule: RuleId;
  readonly date: CalendarDate;
  readonly lastDay: CalendarDate;
  readonly timeMs: number;
  /** The event that recorded it, (source, id). */
  readonly source: string;
  readonly id: string;
}

export interface Anomaly {
  readonly source: string;
  readonly id: string;
  readonly type: string;
  readonly time: string;
  readonly rule?: RuleId;
  readonly message: string;
}

export interface Acknowledgement {
  readonly signedOn: CalendarDate;
  readonly workloads: readonly string[];
  readonly format: string;
  readonly signer: { readonly name: string; readonly title?: string; readonly email?: string };
  readonly source: string;
  readonly id: string;
}

export interface PoeDocument {
  readonly documentId: string;
  readonly kind: string;
  readonly fileName: string;
  readonly sha256: string;
  readonly size: number;
  readonly workloadsMentioned: readonly string[];
  readonly tenantIdOnDocument?: string;
  readonly attachedOn: CalendarDate;
}

export interface Scope {
  readonly description?: string;
  readonly startDate?: CalendarDate;
  readonly endDate?: CalendarDate;
  readonly usersInScope?: number;
  readonly customerNeed?: string;
  readonly customerBenefit?: string;
  readonly meetingsHeld?: number;
  readonly migratingFrom?: string;
}

/** One claim event as the partner and the reviewer exchanged it (CLM-2): kept for the claim's rounds. */
export interface ClaimLogEntry {
  readonly claimId: string;
  readonly step:
    | "submitted"
    | "info-requested"
    | "resubmitted"
    | "approved"
    | "rejected"
    | "declined"
    | "disassociated";
  /** The business date of the event (for `submitted`, its `submittedOn`; for `approved`, its `approvedOn`). */
  readonly on: CalendarDate;
  readonly source: string;
  readonly id: string;
  readonly claimType?: ClaimType;
  /** The reviewer's comment (info-requested), the partner's answer (resubmitted), or the reason given. */
  readonly text?: string;
  readonly respondBy?: CalendarDate;
}

/** Adoption or guidance that did not make the pair eligible, with the ACT-3 tests it failed. */
export interface LightweightWork {
  readonly kind: string;
  readonly date: CalendarDate;
  readonly source: string;
  readonly id: string;
  /** `not-hands-on`, `too-short` (fewer days AND fewer meetings than ACT-3 asks), `guidance-session`. */
  readonly failed: readonly ("not-hands-on" | "too-short" | "guidance-session")[];
  readonly handsOn?: boolean;
  readonly days?: number;
  readonly meetings?: number;
  readonly minutes?: number;
}

export interface ClaimFacts {
  readonly claimId: string;
  /** Unknown when the claim's events arrived without its submission (recorded as an anomaly). */
  readonly claimType?: ClaimType;
  readonly submittedOn?: CalendarDate;
  readonly approvedOn?: CalendarDate;
  readonly infoRequestedOn?: CalendarDate;
  readonly respondBy?: CalendarDate;
  readonly endedOn?: CalendarDate;
}

/**
 * What a pair's events have established, in business-time order. Held in the machine's context;
 * everything the verdict needs, nothing that depends on `asOf`.
 */
export interface PairFacts {
  readonly tenant?: TenantProfile;
  readonly eligibleWork: readonly EligibleWork[];
  /** Counts of work that does not make a pair eligible by itself (ACT-4, ACT-5, ACT-7). */
  readonly presales: number;
  readonly lightweightGuidance: number;
  readonly supportCases: number;
  readonly managedServices?: {
    readonly startedOn: CalendarDate;
    readonly endedOn?: CalendarDate;
    readonly offering: string;
  };
  readonly scope: Scope;
  /** Earliest deployment `plannedStart`, latest `plannedEnd` and `completedOn` (POE-5). */
  readonly plannedStart?: CalendarDate;
  readonly plannedEnd?: CalendarDate;
  readonly completedOn?: CalendarDate;
  /** Earliest date of a `deployment.started` or `adoption.activity.logged` (POE-5's start, STATE.md). */
  readonly workStart?: CalendarDate;
  /** Latest adoption activity's last day: its date + durationDays − 1 (POE-5's end, STATE.md). */
  readonly adoptionEnd?: CalendarDate;
  /** The first business date any of the pair's (or its tenant's) events carries. */
  readonly firstSeenOn?: CalendarDate;
  /** Presales work (ACT-7): the first and last dates and programs seen. */
  readonly presalesSeen?: {
    readonly first: CalendarDate;
    readonly last: CalendarDate;
    readonly programs: readonly string[];
  };
  /** Non-eligible adoption and guidance, newest last (ACT-4, ACT-8): at most the last LIGHTWEIGHT_KEPT. */
  readonly lightweight: readonly LightweightWork[];
  readonly lastSupportOn?: CalendarDate;
  /** Every claim event in business order (CLM-2): the rounds with the reviewer are derived from it. */
  readonly claimLog: readonly ClaimLogEntry[];
  readonly usersInScope?: number;
  readonly meetings: number;
  readonly acknowledgements: readonly Acknowledgement[];
  readonly disclosedOn?: CalendarDate;
  readonly documents: readonly PoeDocument[];
  readonly claim?: ClaimFacts;
  readonly usage: Readonly<Record<string, { mau: number; pau: number }>>;
  readonly anomalies: readonly Anomaly[];
}

export const NO_FACTS: PairFacts = {
  eligibleWork: [],
  presales: 0,
  lightweightGuidance: 0,
  supportCases: 0,
  scope: {},
  lightweight: [],
  claimLog: [],
  meetings: 0,
  acknowledgements: [],
  documents: [],
  usage: {},
  anomalies: [],
};
