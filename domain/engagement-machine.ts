import { assign, setup } from "xstate";
import type { EngagementEvent } from "./events.ts";
import { anomalyOf, NO_FACTS, type PairFacts, recordFact, type TimedEvent } from "./facts.ts";
import {
  decidingGuard,
  ELIGIBILITY_OF_STATE,
  type EligibilityGuard,
  type EligibilityState,
  type FoldGuard,
  foldGuards,
  type Guard,
  NO_GUARD_HOLDS,
  type VerdictRequest,
  verdictGuards,
} from "./guards.ts";
import type { RuleId } from "./rules/index.ts";

/** A stored event entering the machine: its type, and the event on the business-time axis. */
export type EngagementInput = { type: EngagementEvent["type"]; at: TimedEvent };
export type MachineEvent = EngagementInput | VerdictRequest;

export interface MachineContext {
  readonly facts: PairFacts;
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

/** CLM-2's steps of one claim: each event moves to its status when it names the current claim. */
const sameClaimMovesTo = (...types: (keyof typeof CLAIM_STATES)[]) =>
  Object.fromEntries(
    types.map((type) => [type, { guard: "sameClaim" as const, target: CLAIM_STATES[type] }]),
  );

/**
 * STATE.md's eligibility order: the first guard that holds decides; the machine is built from it. It is
 * the declaration order of domain/guards.ts's verdictGuards, each with the state it decides.
 */
const ELIGIBILITY_ORDER: readonly { guard?: EligibilityGuard; target: EligibilityState }[] = [
  ...(Object.entries(verdictGuards) as [EligibilityGuard, { decides: EligibilityState }][]).map(
    ([guard, { decides }]) => ({ guard, target: decides }),
  ),
  { target: NO_GUARD_HOLDS },
];

/**
 * The eligibility state the machine would enter for these facts (the deciding guard, no XState): used
 * for eligibility at earlier dates (the history), where running the machine per date would cost more.
 */
export function decideEligibility(facts: PairFacts, request: VerdictRequest): EligibilityState {
  const guard = decidingGuard(facts, request);
  return guard ? verdictGuards[guard].decides : NO_GUARD_HOLDS;
}

type MachineGuard = (args: { context: MachineContext; event: MachineEvent }) => boolean;

/** The machine's guards, made from the one declaration in domain/guards.ts (none is written inline). */
function machineGuards(): Record<FoldGuard | EligibilityGuard, MachineGuard> {
  const out: Record<string, MachineGuard> = {};
  for (const [name, guard] of Object.entries(foldGuards) as [string, Guard<TimedEvent>][])
    out[name] = ({ context, event }) => guard.holds(context.facts, input(event));
  for (const [name, guard] of Object.entries(verdictGuards) as [string, Guard<VerdictRequest>][])
    out[name] = ({ context, event }) => guard.holds(context.facts, event as VerdictRequest);
  return out as Record<FoldGuard | EligibilityGuard, MachineGuard>;
}

/**
 * The engagement machine: one pair's stage (ACT-9) and claim lifecycle (CLM-2) as parallel regions,
 * its POE facts in context, and eligibility decided by guards when a verdict is requested.
 * Pure: no delays, no invoked actors; time comes only from the events.
 */
export const engagementMachine = setup({
  types: { context: {} as MachineContext, events: {} as MachineEvent },
  guards: machineGuards(),
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
          on: sameClaimMovesTo("claim.submitted", "claim.info-requested", "claim.approved", "claim.rejected"),
        },
        infoRequested: { on: sameClaimMovesTo("claim.resubmitted", "claim.approved", "claim.rejected") },
        resubmitted: { on: sameClaimMovesTo("claim.info-requested", "claim.approved", "claim.rejected") },
        approved: { on: sameClaimMovesTo("claim.declined", "claim.disassociated") },
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
      states: {
        undecided: {},
        ...Object.fromEntries(Object.keys(ELIGIBILITY_OF_STATE).map((state) => [state, {}])),
      },
    },
  },
});

export type EngagementSnapshot = ReturnType<typeof engagementMachine.resolveState>;
