import { assign, setup } from "xstate";
import { addMonths, type CalendarDate } from "./dates.ts";
import type { EngagementEvent } from "./events.ts";
import { anomalyOf, NO_FACTS, type PairFacts, recordFact, type TimedEvent } from "./facts.ts";
import type { RuleId } from "./rules/index.ts";
import { ruleSetOn } from "./rules/index.ts";

/** A stored event entering the machine: its type, and the event on the business-time axis. */
export type EngagementInput = { type: EngagementEvent["type"]; at: TimedEvent };
/** Asks the machine for its verdict at an instant; the last event of every derivation. */
export type VerdictRequest = { type: "verdict.requested"; asOf: CalendarDate; workload: string };
export type MachineEvent = EngagementInput | VerdictRequest;

export interface MachineContext {
  readonly facts: PairFacts;
}

/**
 * Whether work that ended on `lastDay` is still within TIM-1's window at `asOf`. Measured forward
 * (lastDay + 12 months, CAL-3) so the verdict flips on the very day the engagement-recency window closes.
 */
export function stillRecent(lastDay: CalendarDate, asOf: CalendarDate): boolean {
  return addMonths(lastDay, ruleSetOn(asOf).engagementRecencyMonths.value) >= asOf;
}

/** The pair's eligible work within TIM-1's window at `asOf`, by the rules in force at `asOf`. */
export function recentWork(facts: PairFacts, asOf: CalendarDate) {
  return facts.eligibleWork.filter((w) => stillRecent(w.lastDay, asOf));
}

function managedServicesCount(facts: PairFacts, asOf: CalendarDate): boolean {
  const ms = facts.managedServices;
  return ms !== undefined && (ms.endedOn === undefined || stillRecent(ms.endedOn, asOf));
}

const CLAIM_STATES = {
  "claim.submitted": "submitted",
  "claim.info-requested": "infoRequested",
  "claim.resubmitted": "resubmitted",
  "claim.approved": "approved",
  "claim.rejected": "rejected",
  "claim.declined": "declined",
  "claim.disassociated": "disassociated",
} as const;

const input = (e: MachineEvent) => (e as EngagementInput).at;
const claimIdOf = (e: MachineEvent) => (input(e).event.data as { claimId?: string }).claimId;

/**
 * The engagement machine: one pair's stage (ACT-9) and claim lifecycle (CLM-2) as parallel regions,
 * its POE facts in context, and eligibility decided by guards when a verdict is requested.
 * Pure: no delays, no invoked actors; time comes only from the events.
 */
/**
 * The eligibility guards (STATE.md's order), pure over the facts and the verdict request. Named so
 * the fold can evaluate them once and let the machine choose among their outcomes.
 */
export const eligibilityGuards = {
  excludedSegment: (facts: PairFacts, { asOf }: VerdictRequest) => {
    const segment = facts.tenant?.segment;
    return segment !== undefined && ruleSetOn(asOf).excludedSegments.value.includes(segment);
  },
  retiredWorkload: (_facts: PairFacts, { asOf, workload }: VerdictRequest) =>
    ruleSetOn(asOf).workloads.retired.value.includes(workload),
  recentWorkOnUsageOnlyWorkload: (facts: PairFacts, { asOf, workload }: VerdictRequest) =>
    ruleSetOn(asOf).workloads.usageOnly.value.includes(workload) && recentWork(facts, asOf).length > 0,
  recentWork: (facts: PairFacts, { asOf }: VerdictRequest) => recentWork(facts, asOf).length > 0,
  managedServices: (facts: PairFacts, { asOf }: VerdictRequest) => managedServicesCount(facts, asOf),
} as const;
export type EligibilityGuard = keyof typeof eligibilityGuards;
export const ELIGIBILITY_GUARDS = Object.keys(eligibilityGuards) as EligibilityGuard[];

/** STATE.md's eligibility order: the first guard that holds decides; the machine is built from it. */
export const ELIGIBILITY_ORDER: readonly { guard?: EligibilityGuard; target: string }[] = [
  { guard: "excludedSegment", target: "excluded" },
  { guard: "retiredWorkload", target: "notClaimable" },
  { guard: "recentWorkOnUsageOnlyWorkload", target: "usageRecognition" },
  { guard: "recentWork", target: "usageIncentive" },
  { guard: "managedServices", target: "usageRecognition" },
  { target: "notClaimable" },
];

/**
 * The eligibility state the machine would enter for these facts (ELIGIBILITY_ORDER, no XState): used
 * for eligibility at earlier dates (the history), where running the machine per date would cost more.
 */
export function decideEligibility(facts: PairFacts, request: VerdictRequest): string {
  for (const step of ELIGIBILITY_ORDER)
    if (step.guard === undefined || eligibilityGuards[step.guard](facts, request)) return step.target;
  return "notClaimable";
}

const eligibilityGuard =
  (name: EligibilityGuard) =>
  ({ context, event }: { context: MachineContext; event: MachineEvent }) =>
    eligibilityGuards[name](context.facts, event as VerdictRequest);

/**
 * The engagement machine: one pair's stage (ACT-9) and claim lifecycle (CLM-2) as parallel regions,
 * its POE facts in context, and eligibility decided by guards when a verdict is requested.
 * Pure: no delays, no invoked actors; time comes only from the events.
 */
export const engagementMachine = setup({
  types: { context: {} as MachineContext, events: {} as MachineEvent },
  guards: {
    excludedSegment: eligibilityGuard("excludedSegment"),
    retiredWorkload: eligibilityGuard("retiredWorkload"),
    recentWorkOnUsageOnlyWorkload: eligibilityGuard("recentWorkOnUsageOnlyWorkload"),
    recentWork: eligibilityGuard("recentWork"),
    managedServices: eligibilityGuard("managedServices"),
    sameClaim: ({ context, event }) => context.facts.claim?.claimId === claimIdOf(event),
    newClaim: ({ context, event }) => context.facts.claim?.claimId !== claimIdOf(event),
  },
  actions: {
    recordFact: assign({ facts: ({ context, event }) => recordFact(context.facts, input(event)) }),
    recordClaimAnomaly: assign({
      facts: ({ context, event }) => {
        const t = input(event);
        return {
          ...context.facts,
          anomalies: [
            ...context.facts.anomalies,
            anomalyOf(
              t,
              `${t.event.type} does not follow the claim's lifecycle from its previous status`,
              "CLM-2" as RuleId,
            ),
          ],
        };
      },
    }),
    recordUnmatchedEnd: assign({
      facts: ({ context, event }) => ({
        ...context.facts,
        anomalies: [
          ...context.facts.anomalies,
          anomalyOf(input(event), "managed services ended before any start was recorded", "ACT-6"),
        ],
      }),
    }),
  },
}).createMachine({
  id: "engagement",
  type: "parallel",
  context: { facts: NO_FACTS },
  states: {
    // Every stored event lands in the facts, whatever the other regions make of it.
    facts: {
      initial: "recording",
      states: { recording: { on: { "verdict.requested": {}, "*": { actions: "recordFact" } } } },
    },
    // ACT-9: the furthest phase reached; guidance and support do not move it.
    stage: {
      initial: "none",
      on: { "managed-services.ended": { actions: "recordUnmatchedEnd" } },
      states: {
        none: {
          on: {
            "presales.engagement.delivered": "presales",
            "presales.milestone.reached": "presales",
            "deployment.started": "deployment",
            "deployment.completed": "deployment",
            "adoption.activity.logged": "adoption",
            "managed-services.started": "managedServices",
          },
        },
        presales: {
          on: {
            "deployment.started": "deployment",
            "deployment.completed": "deployment",
            "adoption.activity.logged": "adoption",
            "managed-services.started": "managedServices",
          },
        },
        deployment: {
          on: { "adoption.activity.logged": "adoption", "managed-services.started": "managedServices" },
        },
        adoption: { on: { "managed-services.started": "managedServices" } },
        managedServices: { on: { "managed-services.ended": {} } },
      },
    },
    // CLM-2: submitted → info-requested ↔ resubmitted → approved | rejected; approved → declined | disassociated;
    // a rejected, declined or disassociated claim may be submitted again. The status is always the one set
    // by the latest claim event; a step outside the lifecycle is taken but recorded as an anomaly.
    claim: {
      initial: "unclaimed",
      on: Object.fromEntries(
        Object.entries(CLAIM_STATES).map(([type, state]) => [
          type,
          { target: `.${state}`, actions: "recordClaimAnomaly" },
        ]),
      ),
      states: {
        unclaimed: { on: { "claim.submitted": "submitted" } },
        submitted: {
          on: {
            "claim.submitted": { guard: "sameClaim", target: "submitted" },
            "claim.info-requested": { guard: "sameClaim", target: "infoRequested" },
            "claim.approved": { guard: "sameClaim", target: "approved" },
            "claim.rejected": { guard: "sameClaim", target: "rejected" },
          },
        },
        infoRequested: {
          on: {
            "claim.resubmitted": { guard: "sameClaim", target: "resubmitted" },
            "claim.approved": { guard: "sameClaim", target: "approved" },
            "claim.rejected": { guard: "sameClaim", target: "rejected" },
          },
        },
        resubmitted: {
          on: {
            "claim.info-requested": { guard: "sameClaim", target: "infoRequested" },
            "claim.approved": { guard: "sameClaim", target: "approved" },
            "claim.rejected": { guard: "sameClaim", target: "rejected" },
          },
        },
        approved: {
          on: {
            "claim.declined": { guard: "sameClaim", target: "declined" },
            "claim.disassociated": { guard: "sameClaim", target: "disassociated" },
          },
        },
        rejected: {
          on: {
            "claim.resubmitted": { guard: "sameClaim", target: "resubmitted" },
            "claim.submitted": "submitted",
          },
        },
        declined: { on: { "claim.submitted": { guard: "newClaim", target: "submitted" } } },
        disassociated: { on: { "claim.submitted": { guard: "newClaim", target: "submitted" } } },
      },
    },
    // STATE.md's eligibility order, as guards evaluated at the requested instant.
    eligibility: {
      initial: "undecided",
      on: {
        "verdict.requested": ELIGIBILITY_ORDER.map((step) =>
          step.guard ? { guard: step.guard, target: `.${step.target}` } : { target: `.${step.target}` },
        ),
      },
      states: { undecided: {}, excluded: {}, notClaimable: {}, usageIncentive: {}, usageRecognition: {} },
    },
  },
});

export type EngagementSnapshot = ReturnType<typeof engagementMachine.resolveState>;
