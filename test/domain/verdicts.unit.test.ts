// Issue 13: verdicts a partner can act on. Each expectation is derived by hand from RULES.md and
// STATE.md (the ids are in the test names).
import { describe, expect, it } from "vitest";
import { addDays } from "../../domain/dates.ts";
import { RULE_SETS } from "../../domain/rules/index.ts";
import {
  acknowledged,
  adoptionLogged,
  claimApproved,
  claimDeclined,
  claimDisassociated,
  claimRejected,
  claimResubmitted,
  claimSubmitted,
  deploymentCompleted,
  deploymentStarted,
  documentAttached,
  given,
  guidanceSession,
  infoRequested,
  managedServicesStarted,
  OTHER_TENANT,
  readyPoe,
  reasonCodes,
  scopeDescribed,
  tenantProfiled,
  windowCodes,
} from "./given.ts";

const noScopeDates = () => scopeDescribed({ time: "2025-03-03", startDate: undefined, endDate: undefined });
const paperwork = () => [
  tenantProfiled({ time: "2025-01-10" }),
  acknowledged({ time: "2025-02-20" }),
  documentAttached({ time: "2025-02-20" }),
  noScopeDates(),
];

describe("POE-5: the engagement's start and end are taken from the work itself (STATE.md)", () => {
  it("POE-5: a deployment.started's time is the start and a deployment.completed's completedOn the end", () => {
    given(
      ...paperwork(),
      deploymentStarted({ time: "2025-03-03" }),
      deploymentCompleted({ time: "2025-04-11", completedOn: "2025-04-11" }),
    )
      .when("2025-05-22")
      .then((s) => {
        expect(s.poe.missing).toEqual([]);
        expect(s.claim.claimableNow).toBe(true);
      });
  });

  it("POE-5: a deployment.started's time and its plannedEnd are enough", () => {
    given(...paperwork(), deploymentStarted({ time: "2025-03-03", plannedEnd: "2025-06-30" }))
      .when("2025-05-22")
      .then((s) => expect(s.poe.missing).not.toContain("engagement-dates"));
  });

  it("POE-5: an adoption activity gives its date as the start and its last day as the end", () => {
    given(...paperwork(), adoptionLogged({ time: "2025-04-01", durationDays: 12 }))
      .when("2025-05-22")
      .then((s) => expect(s.poe.missing).toEqual([]));
  });

  it("POE-5: start is the earliest and end the latest of all sources, as the POE summary prints them", () => {
    given(
      ...paperwork(),
      scopeDescribed({ time: "2025-03-03", startDate: "2025-03-10", endDate: "2025-04-01" }),
      deploymentStarted({ time: "2025-03-03", plannedStart: "2025-03-05", plannedEnd: "2025-05-01" }),
    )
      .when("2025-05-22")
      .then((s) => {
        expect(s.poe.missing).toEqual([]);
      });
  });

  it("POE-5: with only a start (a deployment.started, no end anywhere) the item says what was seen and what to give", () => {
    given(...paperwork(), deploymentStarted({ time: "2025-03-03" }))
      .when("2025-05-22")
      .then((s) => {
        expect(s.poe.missing).toEqual(["engagement-dates"]);
        const item = s.poe.items.find((i) => i.code === "engagement-dates")!;
        expect(item).toMatchObject({
          rule: "POE-5",
          blocking: true,
          facts: { start: "2025-03-03", end: null },
        });
        expect(item.message).toContain(
          "A start (2025-03-03, from the first deployment or adoption activity)",
        );
        expect(item.message).toContain("planned end");
      });
  });
});

describe("WKL-3: a retired workload's reason names the year it left the incentive", () => {
  it("WKL-3: teams-phone left in FY25, also when the verdict is judged in FY26", () => {
    const events = [
      ...readyPoe({ workload: "teams-phone" }),
      deploymentStarted({ time: "2025-03-03", workload: "teams-phone" }),
    ];
    for (const asOf of ["2025-05-22", "2025-12-01"]) {
      given(...events)
        .when(asOf)
        .then(
          (s) => {
            const r = s.claim.reasons.find((x) => x.code === "retired-workload")!;
            expect(r.rule).toBe("WKL-3");
            expect(r.message).toContain("left the usage incentive in FY25");
            expect(r.message).not.toContain("FY26");
            expect(r.facts).toEqual({ workload: "teams-phone", retiredIn: "FY25" });
            // STATE.md: a never-claimable pair lists no windows.
            expect(s.windows).toEqual([]);
          },
          { workload: "teams-phone" },
        );
    }
  });

  it("SEG-1: an excluded tenant lists no windows and says why in words", () => {
    given(
      tenantProfiled({ time: "2025-01-10", segment: "government-gcc-high", country: "US" }),
      ...readyPoe().slice(1),
      deploymentStarted({ time: "2025-03-03" }),
    )
      .when("2025-05-22")
      .then((s) => {
        expect(s.claim.eligibility).toBe("excluded");
        expect(s.windows).toEqual([]);
        expect(s.claim.reasons[0]!.message).toContain("government (GCC High) tenant");
        expect(s.claim.reasons[0]!.facts).toMatchObject({ segment: "government-gcc-high" });
      });
  });
});

describe("POE-2: a rejected, declined or disassociated claim's acknowledgement is measured at asOf (STATE.md)", () => {
  // Signed 2024-03-01; submitted 2025-02-15 (fresh then); asOf 2025-05-22 is more than 12 months after.
  const base = [...readyPoe({ signedOn: "2024-03-01" }), deploymentStarted({ time: "2025-01-15" })];
  const submitted = claimSubmitted({ time: "2025-02-15", submittedOn: "2025-02-15" });
  it.each([
    ["rejected", [claimRejected({ time: "2025-03-01" })]],
    [
      "declined",
      [
        claimApproved({ time: "2025-03-01", approvedOn: "2025-03-01" }),
        claimDeclined({ time: "2025-04-01" }),
      ],
    ],
    [
      "disassociated",
      [
        claimApproved({ time: "2025-03-01", approvedOn: "2025-03-01" }),
        claimDisassociated({ time: "2025-04-01" }),
      ],
    ],
  ])("POE-2: %s → acknowledgement-stale measured at asOf, and the item says so", (status, after) => {
    given(...base, submitted, ...after)
      .when("2025-05-22")
      .then((s) => {
        expect(s.claim.status).toBe(status);
        expect(s.poe.missing).toContain("acknowledgement-stale");
        const item = s.poe.items.find((i) => i.code === "acknowledgement-stale")!;
        expect(item.facts).toMatchObject({
          signedOn: "2024-03-01",
          expiredOn: "2025-03-01",
          measuredAt: "2025-05-22",
          measuredAtWhat: "asOf",
        });
        expect(item.message).toContain("signed on 2024-03-01 by Dana Customer (CISO)) expired on 2025-03-01");
      });
  });

  it("POE-2: a live claim is measured at its submittedOn, and the item would name the claim", () => {
    given(...base, submitted)
      .when("2025-05-22")
      .then((s) => expect(s.poe.missing).not.toContain("acknowledgement-stale"));
  });
});

describe("POE items: every missing and recommended code in words, with the facts it was judged on", () => {
  it("POE-1..11: items follow missing then recommended, one each, with rule, blocking and a message", () => {
    given(
      tenantProfiled({ time: "2025-01-10", publicSector: true, country: "US" }),
      deploymentStarted({ time: "2025-03-03" }),
    )
      .when("2025-05-22")
      .then((s) => {
        expect(s.poe.items.map((i) => i.code)).toEqual([...s.poe.missing, ...s.poe.recommended]);
        for (const item of s.poe.items) {
          expect(item.rule).toBe(s.poe.rules[item.code]);
          expect(item.blocking).toBe(s.poe.missing.includes(item.code as never));
          expect(item.message).toContain(item.rule);
          expect(item.message.length).toBeGreaterThan(40);
        }
        expect(s.poe.items.find((i) => i.code === "public-sector-disclosure")!.message).toContain(
          "public-sector customer in US",
        );
      });
  });

  it("POE-3: the item names what the acknowledgement and documents do name", () => {
    given(
      tenantProfiled({ time: "2025-01-10" }),
      acknowledged({ time: "2025-02-20", workloads: ["purview-information-protection"] }),
      documentAttached({ time: "2025-02-20", workloadsMentioned: ["purview-information-protection"] }),
      scopeDescribed({ time: "2025-03-03" }),
      deploymentStarted({ time: "2025-03-03" }),
    )
      .when("2025-05-22")
      .then((s) => {
        const item = s.poe.items.find((i) => i.code === "workload-not-in-poe")!;
        expect(item.message).toContain("name purview-information-protection");
        expect(item.message).toContain("not defender-endpoint");
        expect(item.facts).toMatchObject({
          workload: "defender-endpoint",
          acknowledgedWorkloads: ["purview-information-protection"],
        });
      });
  });

  it("POE-6: the item names the document and the tenant it is made out for", () => {
    given(
      ...readyPoe(),
      documentAttached({ time: "2025-03-01", fileName: "other.pdf", tenantIdOnDocument: OTHER_TENANT }),
      deploymentStarted({ time: "2025-03-03" }),
    )
      .when("2025-05-22")
      .then((s) => {
        const item = s.poe.items.find((i) => i.code === "customer-mismatch")!;
        expect(item.message).toContain(`other.pdf (attached 2025-03-01) names tenant ${OTHER_TENANT}`);
        expect(item.message).toContain("event.voided");
      });
  });
});

describe("ACT-3 / ACT-4 / ACT-8: the lightweight verdict names the test that failed", () => {
  it("ACT-3: not hands-on, 1 day and 1 meeting fails both tests, with the rule set's thresholds", () => {
    given(
      ...readyPoe(),
      adoptionLogged({
        time: "2025-04-02",
        kind: "fasttrack-guidance",
        handsOn: false,
        durationDays: 1,
        meetings: 1,
      }),
    )
      .when("2025-05-22")
      .then((s) => {
        const r = s.claim.reasons.find((x) => x.code === "lightweight-guidance-only")!;
        expect(r.message).toContain(
          "FastTrack guidance on 2025-04-02: not hands-on and fewer than 2 days (1) and fewer than 2 meetings (1)",
        );
        expect(r.facts).toMatchObject({
          thresholds: { handsOn: true, minDays: 2, minMeetings: 2, rule: "ACT-3" },
          activities: [{ kind: "fasttrack-guidance", failed: ["not-hands-on", "too-short"] }],
        });
      });
  });

  it("ACT-3: hands-on but short fails only the duration test", () => {
    given(...readyPoe(), adoptionLogged({ time: "2025-04-02", durationDays: 1, meetings: 1 }))
      .when("2025-05-22")
      .then((s) => {
        const r = s.claim.reasons.find((x) => x.code === "lightweight-guidance-only")!;
        expect(r.message).not.toContain("not hands-on");
        expect(r.facts).toMatchObject({ activities: [{ failed: ["too-short"] }] });
      });
  });

  it("ACT-4: a 30-minute guidance session is named as such", () => {
    given(...readyPoe(), guidanceSession({ time: "2025-04-02" }))
      .when("2025-05-22")
      .then((s) =>
        expect(s.claim.reasons[0]!.message).toContain(
          "guidance session on 2025-04-02: 30 minutes of guidance, not hands-on work",
        ),
      );
  });
});

describe("TIM-1 / ACT-6: eligibility history says when and why the verdict changed", () => {
  it("TIM-1: usage-incentive from the deployment until it aged out, then recognition from managed services", () => {
    given(
      tenantProfiled({ time: "2023-01-01" }),
      deploymentStarted({ time: "2023-01-10", plannedEnd: "2023-01-31" }),
      managedServicesStarted({ time: "2023-06-01" }),
    )
      .when("2025-05-22")
      .then((s) => {
        expect(s.claim.eligibility).toBe("usage-recognition");
        expect(s.claim.history.map((p) => p.message)).toEqual([
          "not-claimable from 2023-01-01 until 2023-01-09: ended when deployment work on 2023-01-10 (ACT-1)",
          "usage-incentive from 2023-01-10 until 2024-01-31: ended when deployment work through 2023-01-31 aged out (TIM-1)",
          "usage-recognition from 2024-02-01: deployment work through 2023-01-31 aged out; managed services (MXDR) since 2023-06-01 still count (ACT-6)",
        ]);
        expect(s.claim.history.at(-1)!.eligibility).toBe(s.claim.eligibility);
      });
  });

  it("TIM-1: the last period is always the verdict in force", () => {
    given(...readyPoe(), deploymentStarted({ time: "2025-03-03" }))
      .when("2025-05-22")
      .then((s) => {
        expect(s.claim.history.at(-1)).toMatchObject({ eligibility: "usage-incentive", from: "2025-03-03" });
        expect(s.claim.history.at(-1)!.until).toBeUndefined();
      });
  });
});

describe("CLM-2: the claim's rounds with the reviewer", () => {
  it("CLM-2: rounds carry the reviewer's comments, the partner's answers, the days each side took and the rejection", () => {
    given(
      ...readyPoe(),
      deploymentStarted({ time: "2025-03-03" }),
      claimSubmitted({ time: "2025-03-20", submittedOn: "2025-03-20" }),
      infoRequested({
        time: "2025-03-27",
        comment: "More detail on hands-on work please",
        respondBy: "2025-04-10",
      }),
      claimResubmitted({ time: "2025-04-01", comment: "Added the SOW section on policies" }),
      claimRejected({ time: "2025-04-11", reason: "Remote work is not eligible" }),
    )
      .when("2025-05-22")
      .then((s) => {
        const review = s.claim.review!;
        expect(review.rounds).toEqual([
          {
            round: 1,
            submittedOn: "2025-03-20",
            reviewer: {
              step: "info-requested",
              on: "2025-03-27",
              days: 7,
              comment: "More detail on hands-on work please",
              respondBy: "2025-04-10",
            },
          },
          {
            round: 2,
            submittedOn: "2025-04-01",
            comment: "Added the SOW section on policies",
            reviewer: {
              step: "rejected",
              on: "2025-04-11",
              days: 10,
              comment: "Remote work is not eligible",
            },
          },
        ]);
        expect(review).toMatchObject({
          reviewerDays: 17,
          partnerDays: 5,
          rejection: { on: "2025-04-11", reason: "Remote work is not eligible" },
        });
        expect(review.message).toContain("2 rounds, 1 request for more information");
      });
  });
});

describe("Rules carried over (RULES.md: FY26 carries FY25's values until a newer guide is loaded)", () => {
  const events = [...readyPoe(), deploymentStarted({ time: "2025-03-03" })];
  it("CAL-1: an FY25 verdict is judged by FY25's own guide: nothing to say", () => {
    given(...events)
      .when("2025-05-22")
      .then((s) => expect(s.rulesCarriedOver).toBeUndefined());
  });
  it("CAL-1: an FY26 verdict says it uses FY25's values", () => {
    given(...events)
      .when("2025-11-01")
      .then((s) =>
        expect(s.rulesCarriedOver).toMatchObject({
          programYear: "FY26",
          ruleSet: "FY26",
          valuesFrom: "FY25",
        }),
      );
  });
  // The year after the newest loaded set (FY27 while FY26 is the newest): adding a year moves it along.
  const newest = RULE_SETS[RULE_SETS.length - 1]!;
  const nextYear = `FY${Number(newest.programYear.slice(2)) + 1}`;
  it(`CAL-1: an ${nextYear} verdict says it is judged by the ${newest.programYear} set and the values it carries`, () => {
    given(...events)
      .when(addDays(newest.incentiveYear.value.end, 32))
      .then((s) => {
        expect(s.rulesCarriedOver).toMatchObject({
          programYear: nextYear,
          ruleSet: newest.programYear,
          valuesFrom: newest.carriesValuesOf ?? newest.programYear,
        });
        expect(s.rulesCarriedOver!.message).toContain(`no ${nextYear} guide is loaded`);
      });
  });
});

describe("New advice", () => {
  it("CLM-3 / WKL-2: a usage-incentive claim on a usage-only workload is flagged", () => {
    given(
      ...readyPoe({ workload: "intune" }),
      deploymentStarted({ time: "2025-03-03", workload: "intune" }),
      claimSubmitted({ time: "2025-03-20", workload: "intune" }),
    )
      .when("2025-05-22")
      .then(
        (s) => {
          const a = s.advice.find((x) => x.code === "claim-type-mismatch")!;
          expect(a).toMatchObject({
            rule: "CLM-3",
            rules: ["WKL-2"],
            facts: { claimType: "usage-incentive", workload: "intune" },
          });
          expect(a.message).toContain("Claim it as usage-recognition");
        },
        { workload: "intune" },
      );
  });

  it("TIM-3 / HWM-2: after claim-early passes, an unclaimed pair is told the starting high-water mark rises, with the latest MAU", () => {
    const usage = (month: string, mau: number) => ({ type: "usage" as const, month, mau });
    const events = [...readyPoe(), deploymentStarted({ time: "2025-03-03" })];
    given(...events)
      .when("2025-03-20")
      .then((s) => expect(s.advice.map((a) => a.code)).not.toContain("high-water-mark-rising"));
    const withUsage = [usage("2025-03", 300), usage("2025-04", 450)].map(
      (u) =>
        // usage.reported builder lives in given.ts; built inline to keep the month explicit.
        ({
          ...events[0]!,
          id: `u-${u.month}`,
          type: "usage.reported",
          time: `${u.month}-28T09:00:00Z`,
          workload: "defender-endpoint",
          data: { month: u.month, mau: u.mau, pau: 1000 },
        }) as never,
    );
    given(...events, ...withUsage)
      .when("2025-05-22")
      .then((s) => {
        const a = s.advice.find((x) => x.code === "high-water-mark-rising")!;
        expect(a.rules).toEqual(["TIM-3"]);
        expect(a.facts).toEqual({
          claimEarlyClosedOn: "2025-04-02",
          latestMonth: "2025-04",
          latestMau: 450,
          startingHighWaterMark: 450,
        });
        expect(a.message).toContain("The mark is now 450 MAU (latest: 450 MAU in 2025-04)");
      });
  });

  it("DES-6: an approved pair says what it contributes to the Security designation and until when", () => {
    given(
      ...readyPoe(),
      deploymentStarted({ time: "2025-03-03" }),
      deploymentCompleted({ time: "2025-04-11", completedOn: "2025-04-11" }),
      claimSubmitted({ time: "2025-03-20" }),
      claimApproved({ time: "2025-04-10", approvedOn: "2025-04-10" }),
    )
      .when("2025-05-22")
      .then((s) => {
        const a = s.advice.find((x) => x.code === "designation-contribution")!;
        expect(a.rule).toBe("DES-6");
        expect(a.facts).toMatchObject({
          approvedOn: "2025-04-10",
          countsUntil: "2026-04-11",
          contributions: [
            { metric: "netCustomerAdds", rule: "DES-2", points: 2, countsUntil: "2026-04-10" },
            {
              metric: "deployments",
              rule: "DES-3",
              points: 3.3,
              earnedOn: "2025-04-11",
              countsUntil: "2026-04-11",
            },
          ],
        });
        expect(a.message).toContain("3.3 points for deployments (DES-3) until 2026-04-11");
      });
  });

  it("SEG-2: an education tenant with an approved claim and usage is told the payable units, paid seats only", () => {
    const usage = (month: string, mau: number) =>
      ({
        specversion: "1.0",
        id: `u-${month}`,
        source: "crm://test",
        type: "usage.reported",
        time: `${month}-28T09:00:00Z`,
        partnerid: "4811223",
        tenantid: "6f1c2a9e-3c4b-4f1e-9a51-2b7c0d9e8f10",
        workload: "defender-endpoint",
        data: { month, mau, pau: 40000 },
      }) as never;
    given(
      tenantProfiled({ time: "2025-01-10", segment: "education", paidSeats: 3000, studentSeats: 30000 }),
      ...readyPoe().slice(1),
      deploymentStarted({ time: "2025-03-03" }),
      claimSubmitted({ time: "2025-03-20" }),
      claimApproved({ time: "2025-04-10", approvedOn: "2025-04-10" }),
      usage("2025-03", 1000),
      usage("2025-04", 2500),
    )
      .when("2025-05-22")
      .then((s) => {
        const a = s.advice.find((x) => x.code === "payable-usage")!;
        expect(a.rule).toBe("SEG-2");
        // Starting HWM = March's 1000; April counts: min(2500, 40000, 3000) − 1000 = 1500.
        expect(a.facts).toMatchObject({
          startingHighWaterMark: 1000,
          payableUnitsTotal: 1500,
          paidSeats: 3000,
        });
        expect(a.message).toContain(
          "latest 2025-04: 1500 = min(MAU, PAU, paid seats 3000) above the high-water mark of 1000",
        );
      });
  });
});

describe("reasons carry facts", () => {
  it("every reason has a message and facts; presales names its programs and last date (ACT-7)", () => {
    given(...readyPoe(), {
      ...adoptionLogged({ time: "2025-01-01" }),
      type: "presales.milestone.reached",
      data: { program: "CSI", milestone: "Milestone 2", paid: true },
    } as never)
      .when("2025-05-22")
      .then((s) => {
        expect(reasonCodes(s)).toEqual(["presales-only"]);
        expect(s.claim.reasons[0]!.facts).toMatchObject({ programs: ["CSI"], lastOn: "2025-01-01" });
        expect(windowCodes(s)).not.toContain("claim-early");
      });
  });
});
