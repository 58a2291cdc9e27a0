// Property of the bounded head (issue 12): whatever the arrival order, batching, redeliveries, late
// events and voids, a head kept by the recorder's rules (tail merge when every event lands after the
// cut, a refold from the whole streams otherwise) answers the same state as the evaluator folding the
// whole streams, keeps each distinct event exactly once, and never holds more than TAIL_MAX events
// that are not dated after now.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { idempotencyKey } from "../../application/idempotency.ts";
import {
  answersAt,
  emptyHead,
  FOLD_LAG_MS,
  foldAt,
  headFromStreams,
  inTail,
  landsInTail,
  type PairDocument,
  reproject,
  TAIL_MAX,
  withEvents,
} from "../../application/stream-head.ts";
import { addDays } from "../../domain/dates.ts";
import type { EngagementEvent } from "../../domain/events.ts";
import { evaluatePair, pairKeyOf, verdictAt } from "../../domain/fold.ts";
import {
  acknowledged,
  adoptionLogged,
  claimApproved,
  claimSubmitted,
  deploymentCompleted,
  deploymentStarted,
  guidanceSession,
  PARTNER,
  scopeDescribed,
  TENANT,
  tenantProfiled,
  usageReported,
  voids,
  WORKLOAD,
} from "../domain/given.ts";

const STREAM = `${PARTNER}|${TENANT}|${WORKLOAD}`;
const date = fc.integer({ min: 0, max: 900 }).map((d) => addDays("2024-01-01", d));
const time = fc.tuple(date, fc.constantFrom("T09:00:00Z", "T17:30:00Z")).map(([d, t]) => d + t);

const pairBuilders = [
  (o: Record<string, unknown>) => deploymentStarted(o),
  (o: Record<string, unknown>) => deploymentCompleted(o),
  (o: Record<string, unknown>) => adoptionLogged({ handsOn: true, durationDays: 3, ...o }),
  (o: Record<string, unknown>) => guidanceSession(o),
  (o: Record<string, unknown>) => scopeDescribed(o),
  (o: Record<string, unknown>) => acknowledged(o),
  (o: Record<string, unknown>) => claimSubmitted({ claimId: "C1", ...o }),
  (o: Record<string, unknown>) => claimApproved({ claimId: "C1", ...o }),
  (o: Record<string, unknown>) => usageReported(o),
];

interface Arrival {
  tenant: boolean;
  events: EngagementEvent[];
}

/** Distinct events of one pair and its tenant, some voids, then delivered in random batches with copies. */
const arrivals: fc.Arbitrary<Arrival[]> = fc
  .array(
    fc.tuple(fc.integer({ min: 0, max: pairBuilders.length }), time, fc.constantFrom("crm://a", "crm://b")),
    { minLength: 1, maxLength: 40 },
  )
  .map((specs) =>
    specs.map(([kind, t, source], i) =>
      kind === pairBuilders.length
        ? tenantProfiled({
            id: `t${i}`,
            time: t,
            source,
            segment: i % 3 === 0 ? "government-dod" : "commercial",
          })
        : pairBuilders[kind]!({ id: `e${i}`, time: t, source }),
    ),
  )
  .chain((events) =>
    fc.tuple(
      fc.constant(events),
      fc
        .constant(events.filter((e) => e.type !== "tenant.profiled"))
        .chain((pair) => fc.subarray(pair, { maxLength: Math.min(3, pair.length) })),
      fc.array(time, { minLength: 3, maxLength: 3 }),
    ),
  )
  .map(([events, targets, times]) => {
    const corrections = targets.map((t, i) => voids(t, { id: `v${i}`, time: times[i] }));
    // A void of a void (it restores the event), dated before or after the void it voids.
    if (corrections.length > 1) corrections.push(voids(corrections[0]!, { id: "vv", time: times[2] }));
    return [...events, ...corrections];
  })
  .chain((events) =>
    fc
      .tuple(
        fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
        fc.subarray(events),
      )
      .chain(([order, again]) => {
        const all = [...order, ...again.map((e) => structuredClone(e))];
        return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }).chain((shuffled) =>
          fc
            .array(fc.integer({ min: 1, max: 4 }), { minLength: shuffled.length, maxLength: shuffled.length })
            .map((sizes) => {
              const out: Arrival[] = [];
              for (let i = 0; i < shuffled.length; ) {
                const tenant = shuffled[i]!.type === "tenant.profiled";
                const batch: EngagementEvent[] = [];
                while (
                  i < shuffled.length &&
                  batch.length < sizes[i]! &&
                  (shuffled[i]!.type === "tenant.profiled") === tenant
                )
                  batch.push(shuffled[i++]!);
                out.push({ tenant, events: batch });
              }
              return out;
            }),
        );
      }),
  );

/** The recorder's and the tenant propagation's rules, without the store: streams are plain lists. */
function replay(deliveries: Arrival[], now: Date) {
  const own: EngagementEvent[] = [];
  const tenant: EngagementEvent[] = [];
  let head = emptyHead(STREAM, now) as PairDocument;
  let refolds = 0;
  const refold = () => {
    refolds++;
    head = headFromStreams(
      head,
      { events: own, version: own.length },
      { events: tenant, version: tenant.length },
      now,
    );
  };
  for (const { tenant: isTenant, events } of deliveries) {
    if (isTenant) {
      // The tenant stream de-duplicates exactly on its own; its new events reach the pair.
      const known = new Set(tenant.map(idempotencyKey));
      const fresh = events.filter(
        (e, i) =>
          !known.has(idempotencyKey(e)) &&
          events.findIndex((x) => idempotencyKey(x) === idempotencyKey(e)) === i,
      );
      if (fresh.length === 0) continue;
      tenant.push(...fresh);
      const next = withEvents(head, fresh, now);
      if (next) head = { ...next, tenantVersion: tenant.length };
      else refold();
      continue;
    }
    const seen = new Set<string>();
    const fresh: EngagementEvent[] = [];
    let beforeCut = false;
    for (const e of events) {
      const key = idempotencyKey(e);
      if (seen.has(key) || inTail(head, e)) continue;
      seen.add(key);
      fresh.push(e);
      if (!landsInTail(head, e)) beforeCut = true;
    }
    if (beforeCut) {
      const stored = new Set(own.map(idempotencyKey));
      own.push(...fresh.filter((e) => !stored.has(idempotencyKey(e))));
      refold();
    } else if (fresh.length > 0) {
      own.push(...fresh);
      head = { ...withEvents(head, fresh, now)!, version: own.length };
    }
  }
  return { head, own, tenant, refolds };
}

describe("a bounded head kept event by event", () => {
  it("answers what the evaluator folds from the whole streams, each event stored once", () => {
    fc.assert(
      fc.property(
        arrivals,
        fc.constantFrom("2027-01-01T00:00:00Z", "2025-03-01T00:00:00Z"),
        (deliveries, nowText) => {
          const now = new Date(nowText);
          const { head, own, tenant } = replay(deliveries, now);
          const distinctOwn = new Set(
            deliveries.filter((d) => !d.tenant).flatMap((d) => d.events.map(idempotencyKey)),
          );
          expect(own.map(idempotencyKey).sort()).toEqual([...distinctOwn].sort());
          expect(head.tail.filter((e) => Date.parse(e.time) <= now.getTime()).length).toBeLessThanOrEqual(
            TAIL_MAX,
          );
          for (const asOf of [nowText, "2027-06-30T00:00:00Z"]) {
            if (!answersAt(head, asOf)) continue;
            const { asOf: _a, ...got } = verdictAt(foldAt(head, asOf), pairKeyOf(STREAM), asOf);
            const { asOf: _b, ...want } = evaluatePair(pairKeyOf(STREAM), own, tenant, asOf);
            expect(got).toEqual(want);
          }
          expect(answersAt(head, nowText)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  }, 60_000);
});

describe("clocks that disagree", () => {
  it("keep events of the last FOLD_LAG_MS in the tail, and a clock behind the cut still derives a state", () => {
    const now = new Date("2025-06-01T12:00:00Z");
    const events = Array.from({ length: 20 }, (_, i) =>
      guidanceSession({ id: `g${i}`, time: new Date(now.getTime() - (19 - i) * 60_000).toISOString() }),
    );
    const head = headFromStreams(
      emptyHead(STREAM, now) as PairDocument,
      { events, version: events.length },
      { events: [], version: 0 },
      now,
    );
    // Twenty events of the last twenty minutes: only those older than the lag are folded.
    expect(head.snapshot.cut!.timeMs).toBeLessThanOrEqual(now.getTime() - FOLD_LAG_MS);
    expect(head.tail.length).toBeGreaterThan(TAIL_MAX);
    // Another instance whose clock is an hour behind appends: it derives at the cut instead of failing.
    const behind = new Date(now.getTime() - 3_600_000);
    const next = reproject(head, behind, { nextAlertOn: () => null });
    expect(next.state.stage).toBe(head.state.stage);
  });
});
