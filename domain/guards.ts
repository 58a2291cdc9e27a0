// Every guard the engagement machine consults, declared once. The machine's `setup({ guards })`, its
// eligibility order and the fold's memo keys (domain/fold.ts) are all built from these two tables, so a
// guard added here is part of the memo key the moment it exists. Each guard also declares the facts it
// reads; test/domain/guards.unit.test.ts runs every guard against proxies that record reads and fails
// when a guard reads a path it did not declare, or when the machine consults a guard not declared here.
import type { CalendarDate } from "./dates.ts";
import type { PairFacts, TimedEvent } from "./facts.ts";
import { ruleSetOn } from "./rules/index.ts";
import type { ELIGIBILITIES } from "./value-sets.ts";
import { hasRecentWork, stillRecent } from "./work-recency.ts";

/** Asks the machine for its verdict at an instant; the last event of every derivation. */
export type VerdictRequest = { type: "verdict.requested"; asOf: CalendarDate; workload: string };

/**
 * A guard: a pure test of the pair's facts and the event at hand, and the dotted paths it reads
 * (`facts.…` into PairFacts, `event.…` into the event; `[]` stands for any element of an array).
 */
export interface Guard<E> {
  readonly reads: readonly string[];
  readonly holds: (facts: PairFacts, event: E) => boolean;
}

const claimIdOf = (at: TimedEvent) => (at.event.data as { claimId?: string }).claimId;

/** Guards consulted while stored events are folded (CLM-2): they see the event being taken. */
export const foldGuards = {
  sameClaim: {
    reads: ["facts.claim.claimId", "event.event.data.claimId"],
    holds: (facts, at) => facts.claim?.claimId === claimIdOf(at),
  },
  newClaim: {
    reads: ["facts.claim.claimId", "event.event.data.claimId"],
    holds: (facts, at) => facts.claim?.claimId !== claimIdOf(at),
  },
} as const satisfies Record<string, Guard<TimedEvent>>;

type Eligibility = (typeof ELIGIBILITIES)[number];

/** The machine's eligibility states, each the STATE.md eligibility it stands for. */
export const ELIGIBILITY_OF_STATE = {
  excluded: "excluded",
  notClaimable: "not-claimable",
  usageIncentive: "usage-incentive",
  usageRecognition: "usage-recognition",
} as const satisfies Record<string, Eligibility>;
export type EligibilityState = keyof typeof ELIGIBILITY_OF_STATE;
/** The state when no eligibility guard holds. */
export const NO_GUARD_HOLDS: EligibilityState = "notClaimable";

/** An eligibility guard and the state it decides when it is the first, in declaration order, that holds. */
export interface VerdictGuard extends Guard<VerdictRequest> {
  readonly decides: EligibilityState;
}

/**
 * The eligibility guards, in STATE.md's eligibility order (the machine's `verdict.requested`
 * transitions and ELIGIBILITY_ORDER are built from this order): the first that holds decides.
 */
export const verdictGuards = {
  excludedSegment: {
    decides: "excluded",
    reads: ["facts.tenant.segment", "event.asOf"],
    holds: (facts, { asOf }) => {
      const segment = facts.tenant?.segment;
      return segment !== undefined && ruleSetOn(asOf).excludedSegments.value.includes(segment);
    },
  },
  retiredWorkload: {
    decides: "notClaimable",
    reads: ["event.asOf", "event.workload"],
    holds: (_facts, { asOf, workload }) => ruleSetOn(asOf).workloads.retired.value.includes(workload),
  },
  recentWorkOnUsageOnlyWorkload: {
    decides: "usageRecognition",
    reads: ["event.asOf", "event.workload", "facts.eligibleWork[].lastDay"],
    holds: (facts, { asOf, workload }) =>
      ruleSetOn(asOf).workloads.usageOnly.value.includes(workload) && hasRecentWork(facts, asOf),
  },
  recentWork: {
    decides: "usageIncentive",
    reads: ["event.asOf", "facts.eligibleWork[].lastDay"],
    holds: (facts, { asOf }) => hasRecentWork(facts, asOf),
  },
  managedServices: {
    decides: "usageRecognition",
    reads: ["event.asOf", "facts.managedServices.endedOn"],
    holds: (facts, { asOf }) => {
      const ms = facts.managedServices;
      return ms !== undefined && (ms.endedOn === undefined || stillRecent(ms.endedOn, asOf));
    },
  },
} as const satisfies Record<string, VerdictGuard>;

export type FoldGuard = keyof typeof foldGuards;
export type EligibilityGuard = keyof typeof verdictGuards;
export const FOLD_GUARDS = Object.keys(foldGuards) as FoldGuard[];
export const ELIGIBILITY_GUARDS = Object.keys(verdictGuards) as EligibilityGuard[];

/** The eligibility guard that decides a verdict: the first, in declaration order, that holds. */
export function decidingGuard(facts: PairFacts, request: VerdictRequest): EligibilityGuard | undefined {
  for (const name of ELIGIBILITY_GUARDS) if (verdictGuards[name].holds(facts, request)) return name;
  return undefined;
}

/** The same, read off the eligibility guards' outcome key (guardOutcomes) a verdict has computed already. */
export const decidingGuardOf = (outcomes: string): EligibilityGuard | undefined =>
  ELIGIBILITY_GUARDS[outcomes.indexOf("1")];

/**
 * The memo key of everything the guards can tell apart: one digit per declared guard, in declaration
 * order. Two inputs with the same key take the same transitions, because guards are the only part of
 * the machine that reads the facts (actions only append what the memo replays).
 */
export function guardOutcomes<E>(
  table: Readonly<Record<string, Guard<E>>>,
  names: readonly string[],
  facts: PairFacts,
  event: E,
): string {
  let key = "";
  for (const name of names) key += table[name]!.holds(facts, event) ? "1" : "0";
  return key;
}
