// Properties of the fold (EVENTS.md: "the derived state depends only on the set of distinct events and
// their business time, never on arrival order"; STATE.md: "the same events give the same state
// whatever order they arrived in"), and the memoized fold against XState itself.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addDays } from "../../domain/dates.ts";
import type { EngagementEvent } from "../../domain/events.ts";
import {
  canonicalInstant,
  distinctInBusinessOrder,
  evaluatePairs,
  foldEvents,
  foldWithMachine,
  verdictAt,
  verdictWithMachine,
} from "../../domain/fold.ts";
import type { PairKey } from "../../domain/pair-state.ts";
import {
  acknowledged,
  adoptionLogged,
  certificationRecorded,
  claimApproved,
  claimDeclined,
  claimDisassociated,
  claimRejected,
  claimResubmitted,
  claimSubmitted,
  deploymentCompleted,
  deploymentStarted,
  disclosed,
  documentAttached,
  guidanceSession,
  infoRequested,
  managedServicesEnded,
  managedServicesStarted,
  OTHER_TENANT,
  presalesDelivered,
  presalesMilestone,
  scopeDescribed,
  supportCase,
  TENANT,
  tenantProfiled,
  usageReported,
  voids,
} from "./given.ts";

type Options = Record<string, unknown>;
interface Spec {
  build: (options: Options) => EngagementEvent;
  options: Options;
}

const TENANTS = [TENANT, OTHER_TENANT];
const WORKLOADS = ["defender-endpoint", "intune", "teams-phone"];

// Business times spread over 2024-2026; a small pool of clock times makes same-instant ties common.
const date = fc.integer({ min: 0, max: 1095 }).map((d) => addDays("2024-01-01", d));
const time = fc
  .tuple(date, fc.constantFrom("09:00:00Z", "09:00:00Z", "17:30:00Z", "23:59:59Z", "10:00:00+02:00"))
  .map(([d, t]) => `${d}T${t}`);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const envelope = fc.record({
  time,
  source: fc.constantFrom("crm://a", "crm://b"),
  tenant: fc.constantFrom(...TENANTS),
  workload: fc.constantFrom(...WORKLOADS),
});
const claimId = fc.constantFrom("C1", "C2");

const spec = (build: Spec["build"], data: fc.Arbitrary<Options> = fc.constant({})) =>
  fc.tuple(envelope, data).map(([env, d]): Spec => ({ build, options: { ...env, ...d } }));

const pairEvent: fc.Arbitrary<Spec> = fc.oneof(
  {
    weight: 3,
    arbitrary: spec(deploymentStarted, fc.record({ plannedStart: maybe(date), plannedEnd: maybe(date) })),
  },
  { weight: 1, arbitrary: spec(deploymentCompleted, fc.record({ completedOn: date })) },
  {
    weight: 2,
    arbitrary: spec(
      adoptionLogged,
      fc.record({
        kind: fc.constantFrom("health-check", "fasttrack-guidance", "change-management"),
        handsOn: fc.boolean(),
        durationDays: maybe(fc.integer({ min: 0, max: 4 })),
        meetings: maybe(fc.integer({ min: 0, max: 3 })),
      }),
    ),
  },
  { weight: 1, arbitrary: spec(guidanceSession) },
  { weight: 1, arbitrary: spec(supportCase) },
  { weight: 1, arbitrary: spec(presalesDelivered) },
  { weight: 1, arbitrary: spec(presalesMilestone) },
  { weight: 1, arbitrary: spec(managedServicesStarted) },
  { weight: 1, arbitrary: spec(managedServicesEnded) },
  {
    weight: 1,
    arbitrary: spec(
      scopeDescribed,
      fc.record({ startDate: maybe(date), endDate: maybe(date), usersInScope: maybe(fc.nat(5000)) }),
    ),
  },
  { weight: 2, arbitrary: spec(acknowledged, fc.record({ signedOn: date })) },
  { weight: 1, arbitrary: spec(disclosed, fc.record({ disclosedOn: date })) },
  {
    weight: 1,
    arbitrary: spec(
      documentAttached,
      fc.record({
        documentId: fc.constantFrom("doc-1", "doc-2"),
        kind: fc.constantFrom("sow", "acknowledgement", "roadmap"),
        tenantIdOnDocument: maybe(fc.constantFrom(...TENANTS)),
      }),
    ),
  },
  {
    weight: 4,
    arbitrary: spec(
      claimSubmitted,
      fc.record({
        claimId,
        claimType: fc.constantFrom("usage-incentive", "usage-recognition"),
        submittedOn: date,
      }),
    ),
  },
  { weight: 3, arbitrary: spec(infoRequested, fc.record({ claimId, respondBy: maybe(date) })) },
  { weight: 3, arbitrary: spec(claimResubmitted, fc.record({ claimId })) },
  { weight: 3, arbitrary: spec(claimApproved, fc.record({ claimId, approvedOn: date })) },
  { weight: 2, arbitrary: spec(claimRejected, fc.record({ claimId })) },
  { weight: 1, arbitrary: spec(claimDeclined, fc.record({ claimId })) },
  { weight: 1, arbitrary: spec(claimDisassociated, fc.record({ claimId })) },
  { weight: 1, arbitrary: spec(usageReported) },
);
const tenantEvent: fc.Arbitrary<Spec> = spec(
  tenantProfiled,
  fc.record({
    segment: fc.constantFrom(
      "commercial",
      "education",
      "government-gcc",
      "government-gcc-high",
      "government-dod",
    ),
    publicSector: fc.boolean(),
    country: fc.constantFrom("US", "GB", "IN"),
  }),
);
const partnerEvent: fc.Arbitrary<Spec> = spec(certificationRecorded);

/** A stream of distinct valid events (ids unique per source) over two tenants and three workloads. */
const stream: fc.Arbitrary<EngagementEvent[]> = fc
  .array(
    fc.oneof(
      { weight: 12, arbitrary: pairEvent },
      { weight: 2, arbitrary: tenantEvent },
      { weight: 1, arbitrary: partnerEvent },
    ),
    { maxLength: 45 },
  )
  .map((specs) => specs.map((s, i) => s.build({ ...s.options, id: `e${i}` })));

/** A stream with corrections: voids of some of its events, and sometimes a void of a void (a restore). */
const withVoids: fc.Arbitrary<EngagementEvent[]> = stream
  .chain((events) =>
    fc.tuple(
      fc.constant(events),
      fc.subarray(events, { maxLength: Math.min(4, events.length) }),
      fc.array(time, { minLength: 5, maxLength: 5 }),
      fc.boolean(),
    ),
  )
  .map(([events, targets, times, undo]) => {
    const corrections = targets.map((t, i) => voids(t, { id: `v${i}`, time: times[i] }));
    if (undo && corrections.length > 0)
      corrections.push(voids(corrections[0]!, { id: "vv", time: times[4] }));
    return [...events, ...corrections];
  });

const asOf = fc
  .tuple(
    fc.integer({ min: 60, max: 1280 }).map((d) => addDays("2024-01-01", d)),
    fc.constantFrom("T00:00:00Z", "T12:00:00Z", "T23:59:59Z"),
  )
  .map(([d, t]) => d + t);

/** The same events, shuffled, with some of them delivered again (copies with the same source and id). */
const redelivered = (events: EngagementEvent[]) =>
  fc.subarray(events).chain((again) => {
    const all = [...events, ...again.map((e) => structuredClone(e))];
    return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
  });

function pairKeys(events: readonly EngagementEvent[]): PairKey[] {
  const keys = new Map<string, PairKey>();
  for (const e of events) {
    if (
      e.type === "tenant.profiled" ||
      e.type === "skilling.certification.recorded" ||
      e.type === "event.voided"
    )
      continue;
    const key = { partnerId: e.partnerid, tenantId: e.tenantid.toLowerCase(), workload: e.workload };
    keys.set(`${key.tenantId}|${key.workload}`, key);
  }
  return [...keys.values()];
}

/** The pair's and its tenant's events up to asOf, de-duplicated, in business-time order. */
function orderedFor(key: PairKey, events: readonly EngagementEvent[], at: string) {
  const mine = events.filter(
    (e) =>
      e.type !== "skilling.certification.recorded" &&
      e.tenantid?.toLowerCase() === key.tenantId &&
      (e.type === "tenant.profiled" || e.workload === key.workload),
  );
  const atMs = Date.parse(at);
  return distinctInBusinessOrder(mine).filter((t) => t.timeMs <= atMs);
}

describe("fold properties", () => {
  it("(a) any permutation with any redeliveries gives deep-equal evaluatePairs output", () => {
    fc.assert(
      fc.property(
        withVoids.chain((events) => fc.tuple(fc.constant(events), redelivered(events), asOf)),
        ([events, arrived, at]) => {
          expect(evaluatePairs(arrived, at)).toEqual(evaluatePairs(events, at));
        },
      ),
      { numRuns: 1000 },
    );
  }, 30_000);

  it("(b) the memoized fold equals XState itself, pair by pair, in state and verdict", () => {
    fc.assert(
      fc.property(withVoids, asOf, (events, at) => {
        const instant = canonicalInstant(at);
        for (const key of pairKeys(events)) {
          const ordered = orderedFor(key, events, at);
          const memo = foldEvents(ordered);
          const machine = foldWithMachine(ordered);
          const value = machine.value as { stage: string; claim: string };
          expect({ stage: memo.stage, claim: memo.claim, facts: memo.facts }).toEqual({
            stage: value.stage,
            claim: value.claim,
            facts: machine.context.facts,
          });
          expect(verdictAt(memo, key, instant)).toEqual(verdictWithMachine(machine, key, instant));
        }
      }),
      { numRuns: 1000 },
    );
  }, 30_000);

  it("(c) folding the same events twice gives deep-equal results, whatever was folded in between", () => {
    fc.assert(
      fc.property(stream, stream, asOf, (events, other, at) => {
        const first = evaluatePairs(events, at);
        const between = evaluatePairs(other, at);
        expect(evaluatePairs(events, at)).toEqual(first);
        expect(evaluatePairs(other, at)).toEqual(between);
        for (const key of pairKeys(events)) {
          const ordered = orderedFor(key, events, at);
          expect(foldEvents(ordered)).toEqual(foldEvents(ordered));
        }
      }),
      { numRuns: 400 },
    );
  }, 30_000);

  it("the generated streams do exercise claims, anomalies and every eligibility (the properties are not vacuous)", () => {
    const seen = { eligibility: new Set<string>(), status: new Set<string>(), anomalies: 0 };
    fc.assert(
      fc.property(stream, asOf, (events, at) => {
        for (const s of evaluatePairs(events, at)) {
          seen.eligibility.add(s.claim.eligibility);
          seen.status.add(s.claim.status);
          seen.anomalies += s.anomalies.length;
        }
      }),
      { numRuns: 300, seed: 42 },
    );
    expect([...seen.eligibility].sort()).toEqual([
      "excluded",
      "not-claimable",
      "usage-incentive",
      "usage-recognition",
    ]);
    expect(seen.status.size).toBeGreaterThanOrEqual(6);
    expect(seen.anomalies).toBeGreaterThan(0);
  });
});
