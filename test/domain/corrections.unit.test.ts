// Corrections (docs/EVENTS-EXTENSIONS.md): an `event.voided` voids one event of its stream; the fold
// ignores the voided event, the timeline keeps both with the voided one marked.
import { describe, expect, it } from "vitest";
import { validateEvent } from "../../domain/events.ts";
import { evaluatePairs, pairTimeline } from "../../domain/fold.ts";
import {
  asOfInstant,
  deploymentStarted,
  documentAttached,
  given,
  OTHER_TENANT,
  rawEvent,
  readyPoe,
  reasonCodes,
  tenantProfiled,
  voids,
} from "./given.ts";

const wrongDate = () => deploymentStarted({ id: "dep-wrong", time: "2023-01-10", plannedEnd: "2023-02-10" });
const rightDate = () => deploymentStarted({ id: "dep-right", time: "2025-03-03", plannedEnd: "2025-04-11" });

describe("event.voided", () => {
  it("a mistyped date: the voided deployment no longer counts, the corrected one does (TIM-1)", () => {
    const wrong = wrongDate();
    given(...readyPoe(), wrong)
      .when("2025-05-22")
      .then((s) => expect(reasonCodes(s)).toEqual(["engagement-stale"]));
    given(...readyPoe(), wrong, voids(wrong, { time: "2025-05-01" }), rightDate())
      .when("2025-05-22")
      .then((s) => {
        expect(s.claim.eligibility).toBe("usage-incentive");
        expect(s.claim.reasons[0]!.facts).toMatchObject({ firstOn: "2025-03-03" });
      });
  });

  it("a void applies at every asOf, also before its own time (the voided event never happened)", () => {
    const wrong = wrongDate();
    given(...readyPoe(), wrong, voids(wrong, { time: "2025-05-01" }))
      .when("2023-01-20")
      .then((s) => expect(s.claim.eligibility).toBe("not-claimable"));
  });

  it("the timeline keeps both: the voided event marked with the void, the void itself in its place", () => {
    const wrong = wrongDate();
    const fix = voids(wrong, { id: "void-1", time: "2025-05-01", reason: "wrong year" });
    const timeline = pairTimeline([wrong, fix], [], asOfInstant("2025-05-22")).map(
      (t) => t.event as Record<string, unknown>,
    );
    expect(timeline.map((e) => e.id)).toEqual(["dep-wrong", "void-1"]);
    expect(timeline[0]!.voided).toMatchObject({
      id: "void-1",
      reason: "wrong year",
      by: "ops@partner.example",
    });
    expect(timeline[1]!.voided).toBeUndefined();
  });

  it("a void of a void restores the event", () => {
    const wrong = wrongDate();
    const right = rightDate();
    const first = voids(right, { id: "void-1", time: "2025-05-01" });
    given(...readyPoe(), wrong, right, first, voids(first, { id: "void-2", time: "2025-05-02" }))
      .when("2025-05-22")
      .then((s) => expect(s.claim.eligibility).toBe("usage-incentive"));
  });

  it("voids that void each other count for nothing (a cycle), in any order", () => {
    const right = rightDate();
    const a = rawEvent(
      "event.voided",
      "pair",
      { voidedSource: right.source, voidedId: "void-b", reason: "x", by: "y" },
      { id: "void-a" },
    );
    const b = rawEvent(
      "event.voided",
      "pair",
      { voidedSource: right.source, voidedId: "void-a", reason: "x", by: "y" },
      { id: "void-b" },
    );
    const events = [...readyPoe(), right, a, b].map((e) => {
      const v = validateEvent(e);
      if (!v.ok) throw new Error(JSON.stringify(v.errors));
      return v.event;
    });
    const states = evaluatePairs(events, asOfInstant("2025-05-22"));
    expect(states[0]!.claim.eligibility).toBe("usage-incentive");
    expect(evaluatePairs([...events].reverse(), asOfInstant("2025-05-22"))).toEqual(states);
  });

  it("a document made out for another customer (POE-6) is corrected by voiding its attachment", () => {
    const wrongDoc = documentAttached({ time: "2025-03-01", tenantIdOnDocument: OTHER_TENANT });
    given(...readyPoe(), rightDate(), wrongDoc)
      .when("2025-05-22")
      .then((s) => expect(s.poe.missing).toEqual(["customer-mismatch"]));
    given(...readyPoe(), rightDate(), wrongDoc, voids(wrongDoc, { time: "2025-05-10" }))
      .when("2025-05-22")
      .then((s) => expect(s.poe.missing).toEqual([]));
  });

  it("a tenant event is voided on the tenant stream (SEG-1 profile typed wrong)", () => {
    const wrongProfile = tenantProfiled({
      id: "prof-1",
      time: "2025-01-10",
      segment: "government-gcc-high",
      country: "US",
    });
    const events = [...readyPoe().slice(1), rightDate(), wrongProfile];
    given(...events)
      .when("2025-05-22")
      .then((s) => expect(s.claim.eligibility).toBe("excluded"));
    given(
      ...events,
      voids(wrongProfile, { time: "2025-02-01" }),
      tenantProfiled({ id: "prof-2", time: "2025-02-01" }),
    )
      .when("2025-05-22")
      .then((s) => expect(s.claim.eligibility).toBe("usage-incentive"));
  });

  it("a pair void does not reach another stream's event with the same (source, id)", () => {
    const profile = tenantProfiled({
      id: "same-id",
      time: "2025-01-10",
      segment: "government-gcc-high",
      country: "US",
    });
    const pairVoid = rawEvent("event.voided", "pair", {
      voidedSource: profile.source,
      voidedId: "same-id",
      reason: "x",
      by: "y",
    });
    const v = validateEvent(pairVoid);
    expect(v.ok).toBe(true);
    given(...readyPoe().slice(1), rightDate(), profile, (v as unknown as { event: never }).event)
      .when("2025-05-22")
      .then((s) => expect(s.claim.eligibility).toBe("excluded"));
  });

  it("validation: an event cannot void itself; a pair void names its tenant; inbound events may not carry `voided`", () => {
    const self = rawEvent(
      "event.voided",
      "pair",
      { voidedSource: "crm://dynamics365/contoso", voidedId: "v1", reason: "x", by: "y" },
      { id: "v1" },
    );
    const r1 = validateEvent(self);
    expect(r1.ok ? [] : r1.errors.map((e) => e.path)).toEqual(["$.data.voidedId"]);
    const { tenantid: _, ...noTenant } = rawEvent("event.voided", "pair", {
      voidedSource: "s",
      voidedId: "i",
      reason: "x",
      by: "y",
    });
    const r2 = validateEvent(noTenant);
    expect(r2.ok ? [] : r2.errors.map((e) => e.path)).toEqual(["$.tenantid"]);
    const marked = { ...rightDate(), voided: { id: "x" } };
    const r3 = validateEvent(marked);
    expect(r3.ok ? [] : r3.errors.map((e) => e.path)).toEqual(["$.voided"]);
    const missing = rawEvent("event.voided", "partner", { voidedSource: "s", voidedId: "i" });
    const r4 = validateEvent(missing);
    expect(r4.ok ? [] : r4.errors.map((e) => e.path).sort()).toEqual(["$.data.by", "$.data.reason"]);
  });
});
