// ACT-*, TIM-*, SEG-*, WKL-1..3: which work makes a pair claimable, for which program, and when.
// Every expectation is derived by hand from RULES.md and STATE.md (the eligibility order, reason codes
// and window table); the comments give the arithmetic where it is not obvious.
import { describe, expect, it } from "vitest";
import {
  acknowledged,
  adoptionLogged,
  claimSubmitted,
  deploymentCompleted,
  deploymentStarted,
  given,
  guidanceSession,
  managedServicesEnded,
  managedServicesStarted,
  presalesDelivered,
  presalesMilestone,
  readyPoe,
  reasonCodes,
  scopeDescribed,
  supportCase,
  TENANT,
  tenantProfiled,
  windowCodes,
  windowOf,
} from "./given.ts";

describe("activities and stages (ACT)", () => {
  it("ACT-1: hands-on deployment within the year makes the pair incentive-eligible and, with a ready POE, claimable", () => {
    given(...readyPoe(), deploymentStarted({ time: "2025-03-03", activities: ["provisioning"] }))
      .when("2025-05-22")
      .then((s) => {
        expect(s.stage).toBe("deployment");
        expect(s.claim.eligibility).toBe("usage-incentive");
        expect(s.claim.reasons[0]).toMatchObject({ code: "deployment-activity", rule: "ACT-1" });
        expect(s.claim.status).toBe("unclaimed");
        expect(s.poe.missing).toEqual([]);
        expect(s.claim.claimableNow).toBe(true);
      });
  });

  it("ACT-1: a deployment.completed alone is deployment work too", () => {
    given(...readyPoe(), deploymentCompleted({ time: "2025-04-11", completedOn: "2025-04-11" }))
      .when("2025-05-22")
      .then((s) => {
        expect(s.stage).toBe("deployment");
        expect(s.claim.eligibility).toBe("usage-incentive");
        expect(reasonCodes(s)).toContain("deployment-activity");
      });
  });

  it("ACT-2: remote, on-site and hybrid delivery give exactly the same verdict (remote never blocks)", () => {
    const verdict = (delivery: string) =>
      given(
        ...readyPoe(),
        deploymentStarted({ id: "dep", time: "2025-03-03", delivery }),
        adoptionLogged({ id: "adopt", time: "2025-04-14", delivery }),
      )
        .when("2025-05-22")
        .state();
    const remote = verdict("remote");
    expect(remote.claim.claimableNow).toBe(true);
    expect(remote.claim.eligibility).toBe("usage-incentive");
    expect(verdict("onsite")).toEqual(remote);
    expect(verdict("hybrid")).toEqual(remote);
  });

  it("ACT-2: a remote-only substantial adoption is claimable on its own", () => {
    given(...readyPoe(), adoptionLogged({ time: "2025-04-14", delivery: "remote", durationDays: 3 }))
      .when("2025-05-22")
      .then((s) => {
        expect(s.claim.eligibility).toBe("usage-incentive");
        expect(s.claim.claimableNow).toBe(true);
      });
  });

  describe("ACT-3: adoption is eligible when hands-on and at least 2 days or at least 2 meetings", () => {
    const cases: [string, Record<string, unknown>, boolean][] = [
      ["hands-on, 1 day, 1 meeting: not substantial", { durationDays: 1, meetings: 1 }, false],
      ["hands-on, 2 days, no meetings: substantial", { durationDays: 2, meetings: undefined }, true],
      ["hands-on, 1 day, 2 meetings: substantial", { durationDays: 1, meetings: 2 }, true],
      [
        "hands-on, neither days nor meetings: not substantial",
        { durationDays: undefined, meetings: undefined },
        false,
      ],
      [
        "not hands-on, 15 days, 10 meetings: not eligible",
        { handsOn: false, durationDays: 15, meetings: 10 },
        false,
      ],
    ];
    it.each(cases)("ACT-3: %s", (_title, data, eligible) => {
      given(...readyPoe(), adoptionLogged({ time: "2025-04-14", kind: "change-management", ...data }))
        .when("2025-05-22")
        .then((s) => {
          // Any adoption event moves the stage to adoption (STATE.md), substantial or not.
          expect(s.stage).toBe("adoption");
          if (eligible) {
            expect(s.claim.eligibility).toBe("usage-incentive");
            expect(s.claim.reasons[0]).toMatchObject({ code: "adoption-activity", rule: "ACT-3" });
            expect(s.claim.claimableNow).toBe(true);
          } else {
            expect(s.claim.eligibility).toBe("not-claimable");
            expect(reasonCodes(s)).toEqual(["lightweight-guidance-only"]);
            expect(s.claim.claimableNow).toBe(false);
          }
        });
    });

    it("ACT-3: a 12-day hands-on health check with the admins is adoption work (the transcript's example)", () => {
      given(
        ...readyPoe(),
        adoptionLogged({ time: "2025-04-14", durationDays: 12, meetings: 5, recommendations: 14 }),
      )
        .when("2025-05-22")
        .then((s) => {
          expect(s.claim.eligibility).toBe("usage-incentive");
          expect(reasonCodes(s)).toEqual(["adoption-activity"]);
        });
    });
  });

  it("ACT-4: a 30-minute feature call alone is lightweight guidance, not claimable, and moves no stage", () => {
    given(...readyPoe(), guidanceSession({ time: "2025-04-02", minutes: 30 }))
      .when("2025-05-22")
      .then((s) => {
        expect(s.stage).toBe("none");
        expect(s.claim.eligibility).toBe("not-claimable");
        expect(s.claim.reasons).toEqual([
          expect.objectContaining({ code: "lightweight-guidance-only", rule: "ACT-4" }),
        ]);
        // A full POE does not make guidance claimable.
        expect(s.poe.ready).toBe(true);
        expect(s.claim.claimableNow).toBe(false);
        // No claim-early / program-year-end / recency window for a pair that is not eligible.
        expect(windowCodes(s)).toEqual(["acknowledgement-expiry"]);
      });
  });

  it("ACT-5: customer support cases alone are not eligible and move no stage", () => {
    given(...readyPoe(), supportCase({ time: "2025-04-02", kind: "end-user-support" }))
      .when("2025-05-22")
      .then((s) => {
        expect(s.stage).toBe("none");
        expect(s.claim.eligibility).toBe("not-claimable");
        expect(s.claim.reasons).toEqual([expect.objectContaining({ code: "support-only", rule: "ACT-5" })]);
        expect(s.claim.claimableNow).toBe(false);
      });
  });

  it("ACT-5: support and a short call together give both reasons (STATE.md step 6: each that applies)", () => {
    given(supportCase({ time: "2025-04-02" }), guidanceSession({ time: "2025-04-03" }))
      .when("2025-05-22")
      .then((s) => {
        expect(s.claim.eligibility).toBe("not-claimable");
        expect([...reasonCodes(s)].sort()).toEqual(["lightweight-guidance-only", "support-only"]);
      });
  });

  it("ACT-6: managed services alone are claimable for recognition (usage-recognition), not for payment", () => {
    given(...readyPoe(), managedServicesStarted({ time: "2025-01-15", offering: "MSS" }))
      .when("2025-05-22")
      .then((s) => {
        expect(s.stage).toBe("managed-services");
        expect(s.claim.eligibility).toBe("usage-recognition");
        expect(s.claim.reasons[0]).toMatchObject({ code: "managed-services-only", rule: "ACT-6" });
        expect(s.claim.claimableNow).toBe(true);
        // program-year-end is shown for usage-incentive only (STATE.md window table).
        expect(windowCodes(s)).not.toContain("program-year-end");
      });
  });

  it("ACT-7: presales alone (an MCI workshop and a Microsoft-paid CSI milestone) is not claimable", () => {
    given(
      ...readyPoe(),
      presalesDelivered({ time: "2025-03-07", program: "MCI" }),
      presalesMilestone({ time: "2025-03-20", program: "CSI", paid: true }),
    )
      .when("2025-05-22")
      .then((s) => {
        expect(s.stage).toBe("presales");
        expect(s.claim.eligibility).toBe("not-claimable");
        expect(s.claim.reasons).toEqual([expect.objectContaining({ code: "presales-only", rule: "ACT-7" })]);
        expect(s.claim.claimableNow).toBe(false);
      });
  });

  it("ACT-7: presales followed by deployment with the same customer and workload becomes incentive-eligible", () => {
    given(
      ...readyPoe(),
      presalesDelivered({ time: "2025-02-07" }),
      deploymentStarted({ time: "2025-03-03", plannedEnd: "2025-04-11" }),
    )
      .when("2025-05-22")
      .then((s) => {
        expect(s.stage).toBe("deployment");
        expect(s.claim.eligibility).toBe("usage-incentive");
        expect(reasonCodes(s)).toEqual(["deployment-activity"]);
        expect(s.claim.claimableNow).toBe(true);
      });
  });

  it("ACT-7: deployment on another workload does not qualify this workload's presales", () => {
    given(
      ...readyPoe(),
      presalesDelivered({ time: "2025-02-07" }),
      deploymentStarted({ time: "2025-03-03", workload: "defender-identity" }),
    )
      .when("2025-05-22")
      .then((s) => {
        expect(s.claim.eligibility).toBe("not-claimable");
        expect(reasonCodes(s)).toEqual(["presales-only"]);
      });
  });

  it("ACT-8: hands-on, substantial FastTrack guidance counts as adoption (cited ACT-8)", () => {
    given(
      ...readyPoe(),
      adoptionLogged({
        time: "2025-04-14",
        kind: "fasttrack-guidance",
        handsOn: true,
        durationDays: 3,
        meetings: 0,
      }),
    )
      .when("2025-05-22")
      .then((s) => {
        expect(s.claim.eligibility).toBe("usage-incentive");
        expect(s.claim.reasons[0]).toMatchObject({ code: "adoption-activity", rule: "ACT-8" });
      });
  });

  it("ACT-8: FastTrack remote best-practice guidance that is not hands-on is lightweight guidance", () => {
    given(
      ...readyPoe(),
      adoptionLogged({
        time: "2025-04-14",
        kind: "fasttrack-guidance",
        handsOn: false,
        durationDays: 5,
        meetings: 4,
      }),
    )
      .when("2025-05-22")
      .then((s) => {
        expect(s.claim.eligibility).toBe("not-claimable");
        expect(reasonCodes(s)).toEqual(["lightweight-guidance-only"]);
      });
  });

  it("ACT-9: stage is the furthest phase reached, not the latest event (presales after deployment stays deployment)", () => {
    given(
      deploymentStarted({ time: "2025-03-03" }),
      presalesDelivered({ time: "2025-04-01" }),
      guidanceSession({ time: "2025-04-02" }),
    )
      .when("2025-05-22")
      .then((s) => expect(s.stage).toBe("deployment"));
  });

  it("ACT-9: stage by business time: on a date before managed services started the stage is still deployment", () => {
    const events = [
      deploymentStarted({ time: "2025-02-15" }),
      managedServicesStarted({ time: "2025-05-01" }),
    ];
    given(...events)
      .when("2025-04-30")
      .then((s) => expect(s.stage).toBe("deployment"));
    given(...events)
      .when("2025-05-22")
      .then((s) => expect(s.stage).toBe("managed-services"));
  });

  it("ACT-9: managed services now, deployment 3 months ago: still usage-incentive (eligibility looks at history)", () => {
    given(
      ...readyPoe(),
      deploymentStarted({ time: "2025-02-15" }),
      managedServicesStarted({ time: "2025-05-01", offering: "MXDR" }),
    )
      .when("2025-05-22")
      .then((s) => {
        expect(s.stage).toBe("managed-services");
        expect(s.claim.eligibility).toBe("usage-incentive");
        expect(reasonCodes(s)).toContain("deployment-activity");
        expect(reasonCodes(s)).not.toContain("managed-services-only");
        expect(s.claim.claimableNow).toBe(true);
      });
  });

  it("ACT-9: the stage never goes back: managed-services.ended keeps managed-services", () => {
    given(managedServicesStarted({ time: "2025-01-15" }), managedServicesEnded({ time: "2025-03-15" }))
      .when("2025-05-22")
      .then((s) => expect(s.stage).toBe("managed-services"));
  });
});

describe("timing (TIM)", () => {
  // Deployment on 2024-05-22 with no planned end: its last day is 2024-05-22, and 12 months after it
  // (CAL-3) is 2025-05-22. On that day the work is still within the past 12 months; a day later not.
  const yearOld = () => [...readyPoe({ signedOn: "2025-01-10" }), deploymentStarted({ time: "2024-05-22" })];

  it("TIM-1: work exactly 12 months before asOf still counts; the recency window closes that very day", () => {
    given(...yearOld())
      .when("2025-05-22")
      .then((s) => {
        expect(s.claim.eligibility).toBe("usage-incentive");
        expect(windowOf(s, "engagement-recency")).toMatchObject({
          closesOn: "2025-05-22",
          rule: "TIM-1",
          daysLeft: 0,
        });
      });
  });

  it("TIM-1: one day after the 12 months the pair is not claimable (engagement-stale) and the window is gone", () => {
    given(...yearOld())
      .when("2025-05-23")
      .then((s) => {
        expect(s.claim.eligibility).toBe("not-claimable");
        expect(s.claim.reasons).toEqual([
          expect.objectContaining({ code: "engagement-stale", rule: "TIM-1" }),
        ]);
        expect(windowCodes(s)).not.toContain("engagement-recency");
        expect(s.claim.claimableNow).toBe(false);
      });
  });

  // Was a domain bug, fixed: STATE.md: "A window whose date has passed is not listed; the condition it guarded
  // then shows up as a reason ... instead." Work whose last day is 2023-02-28 has its recency window
  // close on 2023-02-28 + 12 months = 2024-02-28 (CAL-3). On 2024-02-29 that window has passed, so the
  // pair must be engagement-stale. recentWork() instead subtracts 12 months from 2024-02-29
  // (→ 2023-02-28, clamped) and still counts the work: window gone, yet eligible and no reason.
  it("TIM-1 / CAL-3: the day after the recency window closed the work is stale (leap-day asOf)", () => {
    given(...readyPoe({ signedOn: "2024-01-10" }), deploymentStarted({ time: "2023-02-28" }))
      .when("2024-02-29")
      .then((s) => {
        expect(windowCodes(s)).not.toContain("engagement-recency");
        expect(s.claim.eligibility).toBe("not-claimable");
        expect(reasonCodes(s)).toEqual(["engagement-stale"]);
      });
  });

  it("TIM-1: work need not be complete: a planned end in the future keeps old-started work current", () => {
    // Started 2024-01-15 (16 months before asOf) but planned to run to 2025-12-31: taking place now.
    given(
      ...readyPoe(),
      deploymentStarted({ time: "2024-01-15", plannedStart: "2024-01-15", plannedEnd: "2025-12-31" }),
    )
      .when("2025-05-22")
      .then((s) => {
        expect(s.claim.eligibility).toBe("usage-incentive");
        // last day 2025-12-31 + 12 months.
        expect(windowOf(s, "engagement-recency")?.closesOn).toBe("2026-12-31");
      });
  });

  it("TIM-1: planned work with future dates counts, and its planned dates are the POE engagement dates", () => {
    given(
      tenantProfiled({ time: "2025-01-10" }),
      acknowledged({ time: "2025-05-01", signedOn: "2025-05-01" }),
      scopeDescribed({ time: "2025-05-01", startDate: undefined, endDate: undefined }),
      deploymentStarted({ time: "2025-05-01", plannedStart: "2025-06-01", plannedEnd: "2025-08-15" }),
    )
      .when("2025-05-22")
      .then((s) => {
        expect(s.claim.eligibility).toBe("usage-incentive");
        expect(s.poe.missing).toEqual([]);
      });
  });

  it("TIM-1: a later deployment.completed extends the last day of the deployment it completes", () => {
    // Started 2024-01-10, completed on 2024-06-30: the last eligible day is 2024-06-30, so on
    // 2025-06-15 (12 months back = 2024-06-15) the work still counts; recency closes 2025-06-30.
    given(
      ...readyPoe({ signedOn: "2025-01-10" }),
      deploymentStarted({ time: "2024-01-10" }),
      deploymentCompleted({ time: "2024-06-30", completedOn: "2024-06-30" }),
    )
      .when("2025-06-15")
      .then((s) => {
        expect(s.claim.eligibility).toBe("usage-incentive");
        expect(windowOf(s, "engagement-recency")?.closesOn).toBe("2025-06-30");
      });
  });

  it("TIM-1: events after asOf are not folded (a deployment tomorrow does not count today)", () => {
    given(...readyPoe(), deploymentStarted({ time: "2025-05-23" }))
      .when("2025-05-22")
      .then((s) => {
        expect(s.stage).toBe("none");
        expect(s.claim.eligibility).toBe("not-claimable");
        expect(reasonCodes(s)).toEqual(["no-activity"]);
      });
  });

  it("TIM-2: a first short call is not a reason to claim; multi-day work under way is", () => {
    const call = guidanceSession({ time: "2025-04-02", minutes: 30 });
    given(...readyPoe(), call)
      .when("2025-04-10")
      .then((s) => {
        expect(s.claim.claimableNow).toBe(false);
        expect(windowCodes(s)).not.toContain("claim-early");
      });
    given(...readyPoe(), call, deploymentStarted({ time: "2025-04-20", plannedEnd: "2025-06-30" }))
      .when("2025-04-25")
      .then((s) => {
        expect(s.claim.claimableNow).toBe(true);
        // claim-early counts from the first *eligible* activity (2025-04-20 + 30 days), not the call.
        expect(windowOf(s, "claim-early")?.closesOn).toBe("2025-05-20");
      });
  });

  it("TIM-3: claim-early closes 30 days after the first eligible activity and is listed soonest first", () => {
    given(
      ...readyPoe(),
      deploymentStarted({ time: "2025-05-01", plannedEnd: "2025-06-30" }),
      adoptionLogged({ time: "2025-05-10" }),
    )
      .when("2025-05-22")
      .then((s) => {
        // 2025-05-01 + 30 days = 2025-05-31; 9 days from 2025-05-22.
        expect(s.windows[0]).toEqual({
          code: "claim-early",
          closesOn: "2025-05-31",
          rule: "TIM-3",
          daysLeft: 9,
        });
        const dates = s.windows.map((w) => w.closesOn);
        expect(dates).toEqual([...dates].sort());
      });
  });

  it("TIM-3: claim-early is still listed on its closing day and gone the day after", () => {
    const events = [...readyPoe(), deploymentStarted({ time: "2025-05-01", plannedEnd: "2025-06-30" })];
    given(...events)
      .when("2025-05-31")
      .then((s) => expect(windowOf(s, "claim-early")).toMatchObject({ closesOn: "2025-05-31", daysLeft: 0 }));
    given(...events)
      .when("2025-06-01")
      .then((s) => {
        expect(windowCodes(s)).not.toContain("claim-early");
        expect(s.claim.eligibility).toBe("usage-incentive");
      });
  });

  it("TIM-3: claim-early is shown only while unclaimed", () => {
    given(
      ...readyPoe(),
      deploymentStarted({ time: "2025-05-01" }),
      claimSubmitted({ time: "2025-05-10", submittedOn: "2025-05-10" }),
    )
      .when("2025-05-22")
      .then((s) => {
        expect(s.claim.status).toBe("submitted");
        expect(windowCodes(s)).not.toContain("claim-early");
      });
  });

  // Was a domain bug, fixed: STATE.md defines claim-early as "first eligible activity date + 30 days", the first
  // eligible activity being taken "over deployment and substantial adoption events" — not only the
  // recent ones. pair-state.ts windowsFor() takes the first of recentWork() (TIM-1 window) instead.
  it("TIM-3: claim-early counts from the pair's first eligible activity, even if that one is now stale", () => {
    // First eligible activity: adoption on 2024-03-01 → claim-early closed 2024-03-31, long passed.
    // The later deployment (2025-05-10) keeps the pair eligible but does not reopen the window.
    given(
      ...readyPoe(),
      adoptionLogged({ time: "2024-03-01", durationDays: 3 }),
      deploymentStarted({ time: "2025-05-10" }),
    )
      .when("2025-05-22")
      .then((s) => {
        expect(s.claim.eligibility).toBe("usage-incentive");
        expect(windowCodes(s)).not.toContain("claim-early");
      });
  });
});

describe("customers (SEG)", () => {
  const withSegment = (segment: string, workload = "defender-endpoint") =>
    given(
      tenantProfiled({
        time: "2025-01-10",
        segment,
        publicSector: segment.startsWith("government"),
        country: "GB",
      }),
      ...readyPoe({ workload }).slice(1),
      deploymentStarted({ time: "2025-03-03", workload }),
      managedServicesStarted({ time: "2025-04-01", workload }),
    ).when("2025-05-22");

  it("SEG-1: a GCC (commercial government) tenant is included", () => {
    withSegment("government-gcc").then((s) => {
      expect(s.claim.eligibility).toBe("usage-incentive");
      expect(s.claim.claimableNow).toBe(true);
    });
  });

  it.each(["government-gcc-high", "government-dod"])(
    "SEG-1: a %s tenant is excluded whatever else happened",
    (segment) => {
      withSegment(segment).then((s) => {
        expect(s.claim.eligibility).toBe("excluded");
        expect(s.claim.reasons).toEqual([
          expect.objectContaining({ code: "excluded-segment", rule: "SEG-1" }),
        ]);
        expect(s.claim.claimableNow).toBe(false);
        // The stage is still what happened (ACT-9); only eligibility is excluded.
        expect(s.stage).toBe("managed-services");
      });
      // Excluded comes first in STATE.md's order, also before a usage-only workload's recognition.
      withSegment(segment, "intune").then((s) => expect(s.claim.eligibility).toBe("excluded"), {
        workload: "intune",
      });
    },
  );

  it("SEG-1: the exclusion follows the tenant profile at asOf (a later re-profile to GCC High applies from its time)", () => {
    const events = [
      ...readyPoe(),
      deploymentStarted({ time: "2025-03-03" }),
      tenantProfiled({
        time: "2025-05-01",
        segment: "government-gcc-high",
        publicSector: true,
        country: "US",
      }),
    ];
    given(...events)
      .when("2025-04-15")
      .then((s) => expect(s.claim.eligibility).toBe("usage-incentive"));
    given(...events)
      .when("2025-05-22")
      .then((s) => expect(s.claim.eligibility).toBe("excluded"));
  });

  it("SEG-1: the tenant profile applies to its pairs whatever the letter case of the tenant id", () => {
    given(
      tenantProfiled({ time: "2025-01-10", tenant: TENANT.toUpperCase(), segment: "government-gcc-high" }),
      ...readyPoe().slice(1),
      deploymentStarted({ time: "2025-03-03" }),
    )
      .when("2025-05-22")
      .then((s) => expect(s.claim.eligibility).toBe("excluded"));
  });

  it("SEG-2: an Education tenant (paid and free student seats) is included and claimable", () => {
    given(
      tenantProfiled({ time: "2025-01-10", segment: "education", paidSeats: 300, studentSeats: 5000 }),
      ...readyPoe().slice(1),
      deploymentStarted({ time: "2025-03-03" }),
    )
      .when("2025-05-22")
      .then((s) => {
        expect(s.claim.eligibility).toBe("usage-incentive");
        expect(s.claim.claimableNow).toBe(true);
      });
  });
});

describe("workloads (WKL)", () => {
  const deployed = (workload: string) =>
    given(
      ...readyPoe({ workload }),
      deploymentStarted({ time: "2025-03-03", workload, plannedEnd: "2025-04-11" }),
    )
      .when("2025-05-22")
      .state({ workload });

  // WKL-1's list as RULES.md words it, read by hand (not taken from the rule set under test).
  const wkl1 =
    "defender-endpoint defender-office365 defender-identity defender-cloud-apps entra-id-p2 purview-information-protection purview-dlp purview-insider-risk";
  it.each(wkl1.split(" "))("WKL-1: deployment on %s is incentive-eligible", (workload) => {
    const s = deployed(workload);
    expect(s.claim.eligibility).toBe("usage-incentive");
    expect(s.claim.claimableNow).toBe(true);
    expect(windowOf(s, "program-year-end")?.closesOn).toBe("2025-09-30");
  });

  it.each(["copilot-m365", "entra-id-p1", "intune", "sentinel"])(
    "WKL-2: deployment on %s earns recognition, not payment",
    (workload) => {
      const s = deployed(workload);
      expect(s.claim.eligibility).toBe("usage-recognition");
      expect(s.claim.reasons[0]).toMatchObject({ code: "usage-only-workload", rule: "WKL-2" });
      expect(reasonCodes(s)).toContain("deployment-activity");
      expect(s.claim.claimableNow).toBe(true);
      expect(windowCodes(s)).not.toContain("program-year-end");
    },
  );

  it.each(["teams-phone", "teams-frontline"])("WKL-3: %s left the incentive: not claimable", (workload) => {
    const s = given(
      ...readyPoe({ workload }),
      deploymentStarted({ time: "2025-03-03", workload }),
      managedServicesStarted({ time: "2025-04-01", workload }),
    )
      .when("2025-05-22")
      .state({ workload });
    expect(s.claim.eligibility).toBe("not-claimable");
    expect(s.claim.reasons).toEqual([expect.objectContaining({ code: "retired-workload", rule: "WKL-3" })]);
    expect(s.claim.claimableNow).toBe(false);
    expect(windowCodes(s)).not.toContain("claim-early");
    expect(windowCodes(s)).not.toContain("program-year-end");
  });
});
