// CLM-1..CLM-4: claims per pair, the claim lifecycle with its anomalies, and the claim windows.
// Expectations are derived by hand from RULES.md (CLM-*) and STATE.md (status, windows table).
import { describe, expect, it } from "vitest";
import type { EngagementEvent } from "../../domain/events.ts";
import { validateEvent } from "../../domain/events.ts";
import {
  claimApproved,
  claimDeclined,
  claimDisassociated,
  claimRejected,
  claimResubmitted,
  claimSubmitted,
  deploymentStarted,
  given,
  infoRequested,
  managedServicesStarted,
  OTHER_TENANT,
  rawEvent,
  readyPoe,
  TENANT,
  windowCodes,
  windowOf,
} from "./given.ts";

const eligible = () => [...readyPoe(), deploymentStarted({ time: "2025-03-03", plannedEnd: "2025-04-11" })];

describe("claims (CLM)", () => {
  it("CLM-1: a claim is for one workload of one tenant: other pairs of the tenant, and other tenants, stay unclaimed", () => {
    given(
      ...eligible(),
      deploymentStarted({ time: "2025-03-03", workload: "defender-identity" }),
      ...readyPoe({ tenant: OTHER_TENANT }),
      deploymentStarted({ time: "2025-03-03", tenant: OTHER_TENANT }),
      claimSubmitted({ time: "2025-03-20", submittedOn: "2025-03-20" }),
    )
      .when("2025-05-22")
      .thenAll((states) => {
        const status = Object.fromEntries(states.map((s) => [`${s.tenantId}|${s.workload}`, s.claim.status]));
        expect(status).toEqual({
          [`${TENANT}|defender-endpoint`]: "submitted",
          [`${TENANT}|defender-identity`]: "unclaimed",
          [`${OTHER_TENANT}|defender-endpoint`]: "unclaimed",
        });
      });
  });

  describe("CLM-2: the lifecycle", () => {
    const s1 = () => claimSubmitted({ time: "2025-03-20", submittedOn: "2025-03-20" });
    const cases: [string, (() => EngagementEvent)[], string][] = [
      ["submitted", [s1], "submitted"],
      ["submitted → info-requested", [s1, () => infoRequested({ time: "2025-04-01" })], "info-requested"],
      [
        "submitted → info-requested → resubmitted",
        [s1, () => infoRequested({ time: "2025-04-01" }), () => claimResubmitted({ time: "2025-04-05" })],
        "resubmitted",
      ],
      [
        "info-requested ↔ resubmitted twice, then approved",
        [
          s1,
          () => infoRequested({ time: "2025-04-01" }),
          () => claimResubmitted({ time: "2025-04-05" }),
          () => infoRequested({ time: "2025-04-08" }),
          () => claimResubmitted({ time: "2025-04-09" }),
          () => claimApproved({ time: "2025-04-20", approvedOn: "2025-04-20" }),
        ],
        "approved",
      ],
      ["submitted → approved", [s1, () => claimApproved({ time: "2025-04-10" })], "approved"],
      ["submitted → rejected", [s1, () => claimRejected({ time: "2025-04-10" })], "rejected"],
      [
        "submitted → info-requested → rejected",
        [s1, () => infoRequested({ time: "2025-04-01" }), () => claimRejected({ time: "2025-04-10" })],
        "rejected",
      ],
      [
        "rejected → resubmitted with more detail",
        [s1, () => claimRejected({ time: "2025-04-10" }), () => claimResubmitted({ time: "2025-04-15" })],
        "resubmitted",
      ],
      [
        "rejected → a new claim submitted",
        [
          s1,
          () => claimRejected({ time: "2025-04-10" }),
          () => claimSubmitted({ time: "2025-04-15", claimId: "CLM-2", submittedOn: "2025-04-15" }),
        ],
        "submitted",
      ],
      [
        "approved → declined by the customer",
        [s1, () => claimApproved({ time: "2025-04-10" }), () => claimDeclined({ time: "2025-05-01" })],
        "declined",
      ],
      [
        "approved → disassociated",
        [s1, () => claimApproved({ time: "2025-04-10" }), () => claimDisassociated({ time: "2025-05-01" })],
        "disassociated",
      ],
    ];
    it.each(cases)("CLM-2: %s (no anomaly)", (_title, steps, status) => {
      given(...eligible(), ...steps.map((step) => step()))
        .when("2025-05-22")
        .then((s) => {
          expect(s.claim.status).toBe(status);
          expect(s.anomalies).toEqual([]);
        });
    });

    it("CLM-2: arrival order does not matter: approval sent before its submission is still in lifecycle", () => {
      given(...eligible(), claimApproved({ time: "2025-04-10" }), claimSubmitted({ time: "2025-03-20" }))
        .when("2025-05-22")
        .then((s) => {
          expect(s.claim.status).toBe("approved");
          expect(s.anomalies).toEqual([]);
        });
    });

    it("CLM-2: an approval with no submission is out of lifecycle: recorded in anomalies, status follows it", () => {
      given(...eligible(), claimApproved({ id: "appr-1", time: "2025-04-10" }))
        .when("2025-05-22")
        .then((s) => {
          expect(s.claim.status).toBe("approved");
          expect(s.anomalies).toEqual([
            expect.objectContaining({
              id: "appr-1",
              type: "claim.approved",
              rule: "CLM-2",
              time: "2025-04-10T09:00:00Z",
            }),
          ]);
        });
    });

    it("CLM-2: a decline while only submitted, and a resubmission with no info request, are anomalies too", () => {
      given(
        ...eligible(),
        claimSubmitted({ time: "2025-03-20" }),
        claimResubmitted({ id: "resub", time: "2025-03-25" }),
        claimDeclined({ id: "decl", time: "2025-04-01" }),
      )
        .when("2025-05-22")
        .then((s) => {
          // Status is the one set by the latest claim event (STATE.md), however odd the path.
          expect(s.claim.status).toBe("declined");
          expect(s.anomalies.map((a) => [a.id, a.rule])).toEqual([
            ["resub", "CLM-2"],
            ["decl", "CLM-2"],
          ]);
        });
    });

    it("CLM-2: events naming another claim id do not move this claim silently", () => {
      given(
        ...eligible(),
        claimSubmitted({ time: "2025-03-20", claimId: "CLM-1" }),
        claimApproved({ id: "other-approval", time: "2025-04-10", claimId: "CLM-9" }),
      )
        .when("2025-05-22")
        .then((s) => {
          expect(s.claim.status).toBe("approved");
          expect(s.anomalies.map((a) => a.id)).toEqual(["other-approval"]);
        });
    });
  });

  describe("CLM-2: claim windows", () => {
    it("CLM-2: info-request-response closes on the request's respondBy", () => {
      given(
        ...eligible(),
        claimSubmitted({ time: "2025-05-01" }),
        infoRequested({ time: "2025-05-15", respondBy: "2025-05-30" }),
      )
        .when("2025-05-22")
        .then((s) => {
          expect(windowOf(s, "info-request-response")).toEqual({
            code: "info-request-response",
            closesOn: "2025-05-30",
            rule: "CLM-2",
            daysLeft: 8,
          });
        });
    });

    it("CLM-2: without respondBy, info-request-response closes 14 days after the request", () => {
      // Requested 2025-05-15 + 14 days = 2025-05-29.
      given(...eligible(), claimSubmitted({ time: "2025-05-01" }), infoRequested({ time: "2025-05-15" }))
        .when("2025-05-22")
        .then((s) => expect(windowOf(s, "info-request-response")?.closesOn).toBe("2025-05-29"));
    });

    it("CLM-2: info-request-response is hidden once passed, and once the claim is resubmitted", () => {
      const requested = [
        ...eligible(),
        claimSubmitted({ time: "2025-05-01" }),
        infoRequested({ time: "2025-05-15" }),
      ];
      given(...requested)
        .when("2025-05-30")
        .then((s) => {
          expect(s.claim.status).toBe("info-requested");
          expect(windowCodes(s)).not.toContain("info-request-response");
        });
      given(...requested, claimResubmitted({ time: "2025-05-20" }))
        .when("2025-05-22")
        .then((s) => expect(windowCodes(s)).not.toContain("info-request-response"));
    });

    it("CAL-1 / CLM-2: program-year-end is listed while unclaimed or rejected, not while submitted", () => {
      given(...eligible())
        .when("2025-05-22")
        .then((s) =>
          expect(windowOf(s, "program-year-end")).toMatchObject({ closesOn: "2025-09-30", rule: "CAL-1" }),
        );
      given(...eligible(), claimSubmitted({ time: "2025-04-01" }))
        .when("2025-05-22")
        .then((s) => expect(windowCodes(s)).not.toContain("program-year-end"));
      given(...eligible(), claimSubmitted({ time: "2025-04-01" }), claimRejected({ time: "2025-04-20" }))
        .when("2025-05-22")
        .then((s) => {
          expect(windowOf(s, "program-year-end")?.closesOn).toBe("2025-09-30");
          expect(s.claim.claimableNow).toBe(true);
        });
    });

    it("CLM-2: acknowledgement-expiry is listed until the claim is approved", () => {
      given(...eligible(), claimSubmitted({ time: "2025-03-20" }))
        .when("2025-05-22")
        .then((s) => expect(windowOf(s, "acknowledgement-expiry")?.closesOn).toBe("2026-02-20"));
      given(...eligible(), claimSubmitted({ time: "2025-03-20" }), claimApproved({ time: "2025-04-10" }))
        .when("2025-05-22")
        .then((s) => {
          expect(s.claim.claimableNow).toBe(false);
          expect(s.windows).toEqual([]);
        });
    });

    it("CLM-2: engagement-recency and claim-early are shown only while unclaimed", () => {
      const recent = [...readyPoe(), deploymentStarted({ time: "2025-05-01" })];
      given(...recent)
        .when("2025-05-22")
        .then((s) => {
          expect(windowOf(s, "claim-early")?.closesOn).toBe("2025-05-31");
          expect(windowOf(s, "engagement-recency")?.closesOn).toBe("2026-05-01");
        });
      given(...recent, claimSubmitted({ time: "2025-05-10" }), claimRejected({ time: "2025-05-15" }))
        .when("2025-05-22")
        .then((s) => {
          expect(windowCodes(s)).not.toContain("claim-early");
          expect(windowCodes(s)).not.toContain("engagement-recency");
        });
    });
  });

  describe("CLM-3: claim types", () => {
    it("CLM-3: a usage-recognition claim on a managed-services pair keeps its type", () => {
      given(
        ...readyPoe(),
        managedServicesStarted({ time: "2025-01-15" }),
        claimSubmitted({ time: "2025-03-20", claimType: "usage-recognition" }),
      )
        .when("2025-05-22")
        .then((s) => {
          expect(s.claim.eligibility).toBe("usage-recognition");
          expect(s.claim.status).toBe("submitted");
          expect(s.claim.claimType).toBe("usage-recognition");
        });
    });

    it("CLM-3: a usage-incentive claim keeps its type", () => {
      given(...eligible(), claimSubmitted({ time: "2025-03-20", claimType: "usage-incentive" }))
        .when("2025-05-22")
        .then((s) => expect(s.claim.claimType).toBe("usage-incentive"));
    });

    it("CLM-3: any other claim type is refused at the door", () => {
      const v = validateEvent(
        rawEvent("claim.submitted", "pair", {
          claimId: "CLM-1",
          claimType: "usage-bonus",
          submittedOn: "2025-03-20",
        }),
      );
      expect(v.ok).toBe(false);
      if (!v.ok) expect(v.errors.map((e) => e.path)).toEqual(["$.data.claimType"]);
    });
  });

  describe("CLM-4: approved claims of either type count toward the designation", () => {
    // The designation score itself is not in the domain yet; what CLM-4 needs from the pair state is
    // that an approved claim of either type reads as approved (with its type), and stops doing so
    // once declined or disassociated (RULES "approved pair").
    it.each(["usage-incentive", "usage-recognition"])(
      "CLM-4: an approved %s claim reads as approved",
      (claimType) => {
        given(
          ...readyPoe({ workload: "intune" }),
          deploymentStarted({ time: "2025-03-03", workload: "intune" }),
          claimSubmitted({ time: "2025-03-20", workload: "intune", claimType }),
          claimApproved({ time: "2025-04-10", workload: "intune" }),
        )
          .when("2025-05-22")
          .then(
            (s) => {
              expect(s.claim.status).toBe("approved");
              expect(s.claim.claimType).toBe(claimType);
              expect(s.claim.claimId).toBe("CLM-1");
            },
            { workload: "intune" },
          );
      },
    );

    it("CLM-4: a declined approval no longer reads as approved", () => {
      given(
        ...eligible(),
        claimSubmitted({ time: "2025-03-20" }),
        claimApproved({ time: "2025-04-10" }),
        claimDeclined({ time: "2025-05-01" }),
      )
        .when("2025-05-22")
        .then((s) => expect(s.claim.status).toBe("declined"));
      // …but it did on a date between approval and decline.
      given(
        ...eligible(),
        claimSubmitted({ time: "2025-03-20" }),
        claimApproved({ time: "2025-04-10" }),
        claimDeclined({ time: "2025-05-01" }),
      )
        .when("2025-04-20")
        .then((s) => expect(s.claim.status).toBe("approved"));
    });
  });
});
