// POE-1..POE-11: which proof of execution is missing (blocking) or recommended (approvability).
// Expectations are derived by hand from RULES.md and STATE.md.
import { describe, expect, it } from "vitest";
import {
  acknowledged,
  adoptionLogged,
  claimRejected,
  claimResubmitted,
  claimSubmitted,
  deploymentStarted,
  disclosed,
  documentAttached,
  given,
  infoRequested,
  OTHER_TENANT,
  readyPoe,
  scopeDescribed,
  TENANT,
  tenantProfiled,
  windowCodes,
  windowOf,
} from "./given.ts";

const work = () => deploymentStarted({ time: "2025-03-03", plannedEnd: "2025-04-11" });

describe("proof of execution (POE)", () => {
  it("a complete POE is ready with nothing missing or recommended", () => {
    given(...readyPoe(), work())
      .when("2025-05-22")
      .then((s) => {
        expect(s.poe).toMatchObject({ ready: true, missing: [], recommended: [] });
        expect(s.claim.claimableNow).toBe(true);
      });
  });

  it("POE-1: without a customer acknowledgement the claim is blocked (customer-acknowledgement)", () => {
    given(
      tenantProfiled({ time: "2025-01-10" }),
      scopeDescribed({ time: "2025-03-03" }),
      documentAttached({ time: "2025-03-03" }),
      work(),
    )
      .when("2025-05-22")
      .then((s) => {
        // The SOW names the workload, so only the acknowledgement itself is missing.
        expect(s.poe.missing).toEqual(["customer-acknowledgement"]);
        expect(s.poe.rules["customer-acknowledgement"]).toBe("POE-1");
        expect(s.poe.ready).toBe(false);
        expect(s.claim.claimableNow).toBe(false);
        expect(windowCodes(s)).not.toContain("acknowledgement-expiry");
      });
  });

  describe("POE-2: the acknowledgement is dated within the 12 months before the claim (or asOf)", () => {
    it("POE-2: signed exactly 12 months before asOf is not stale; its expiry window closes that day", () => {
      given(...readyPoe({ signedOn: "2024-05-22" }), work())
        .when("2025-05-22")
        .then((s) => {
          expect(s.poe.missing).toEqual([]);
          expect(windowOf(s, "acknowledgement-expiry")).toMatchObject({
            closesOn: "2025-05-22",
            rule: "POE-2",
          });
        });
    });

    it("POE-2: signed a day earlier is stale (acknowledgement-stale) and its expiry window is not listed", () => {
      given(...readyPoe({ signedOn: "2024-05-21" }), work())
        .when("2025-05-22")
        .then((s) => {
          expect(s.poe.missing).toEqual(["acknowledgement-stale"]);
          expect(s.poe.rules["acknowledgement-stale"]).toBe("POE-2");
          expect(windowCodes(s)).not.toContain("acknowledgement-expiry");
          expect(s.claim.claimableNow).toBe(false);
        });
    });

    it("POE-2: the newest acknowledgement is the one that counts", () => {
      given(
        ...readyPoe({ signedOn: "2023-06-01" }),
        acknowledged({ time: "2025-02-20", signedOn: "2025-02-20" }),
        work(),
      )
        .when("2025-05-22")
        .then((s) => {
          expect(s.poe.missing).toEqual([]);
          expect(windowOf(s, "acknowledgement-expiry")?.closesOn).toBe("2026-02-20");
        });
    });

    it("POE-2: measured at the claim's submittedOn, not at asOf, once the claim is submitted", () => {
      // Signed 2024-03-01. Submitted 2025-02-15: 12 months back is 2024-02-15, so not stale then,
      // although at asOf 2025-05-22 (12 months back = 2024-05-22) it would be.
      const base = [...readyPoe({ signedOn: "2024-03-01" }), deploymentStarted({ time: "2025-01-15" })];
      given(...base)
        .when("2025-05-22")
        .then((s) => expect(s.poe.missing).toContain("acknowledgement-stale"));
      given(...base, claimSubmitted({ time: "2025-02-15", submittedOn: "2025-02-15" }))
        .when("2025-05-22")
        .then((s) => {
          expect(s.claim.status).toBe("submitted");
          expect(s.poe.missing).not.toContain("acknowledgement-stale");
        });
    });

    it("POE-2: a claim submitted more than 12 months after the signature finds it stale", () => {
      // Submitted 2025-03-05: 12 months back = 2024-03-05, after the 2024-03-01 signature.
      given(
        ...readyPoe({ signedOn: "2024-03-01" }),
        deploymentStarted({ time: "2025-01-15" }),
        claimSubmitted({ time: "2025-03-05", submittedOn: "2025-03-05" }),
      )
        .when("2025-03-10")
        .then((s) => expect(s.poe.missing).toContain("acknowledgement-stale"));
    });

    // Was a domain bug, fixed: STATE.md: "POE-2 measures the newest acknowledgement's age at the claim's latest
    // `submittedOn`" — the field of claim.submitted. A claim.resubmitted carries no submittedOn, yet
    // facts.ts records the resubmission's business date as submittedOn, so answering an info request
    // can turn a valid acknowledgement stale.
    it("POE-2: answering an info request (claim.resubmitted) does not move the submittedOn POE-2 is measured at", () => {
      // Signed 2024-03-01; submittedOn 2025-02-15 (12 months back = 2024-02-15): not stale.
      // Resubmitted on 2025-03-10 — measuring there (2024-03-10) would make it stale.
      given(
        ...readyPoe({ signedOn: "2024-03-01" }),
        deploymentStarted({ time: "2025-01-15" }),
        claimSubmitted({ time: "2025-02-15", submittedOn: "2025-02-15" }),
        infoRequested({ time: "2025-03-01" }),
        claimResubmitted({ time: "2025-03-10" }),
      )
        .when("2025-03-20")
        .then((s) => {
          expect(s.claim.status).toBe("resubmitted");
          expect(s.poe.missing).not.toContain("acknowledgement-stale");
        });
    });

    it("POE-2 / CAL-3: a 2024-02-29 signature expires on 2025-02-28 (month clamped)", () => {
      const events = [...readyPoe({ signedOn: "2024-02-29" }), deploymentStarted({ time: "2025-01-15" })];
      given(...events)
        .when("2025-02-28")
        .then((s) => {
          expect(windowOf(s, "acknowledgement-expiry")).toMatchObject({
            closesOn: "2025-02-28",
            daysLeft: 0,
          });
          expect(s.poe.missing).not.toContain("acknowledgement-stale");
        });
      given(...events)
        .when("2025-03-01")
        .then((s) => expect(s.poe.missing).toContain("acknowledgement-stale"));
    });

    // Was a domain bug, fixed: STATE.md: "A window whose date has passed is not listed; the condition it guarded
    // then shows up as ... a missing POE item instead." A 2023-02-28 signature's expiry window closes
    // on 2023-02-28 + 12 months = 2024-02-28 (CAL-3). On 2024-02-29 it has passed, so
    // acknowledgement-stale must show. poeMissing() instead subtracts 12 months from 2024-02-29
    // (→ 2023-02-28, clamped) and finds the signature still within, so nothing is missing.
    it("POE-2 / CAL-3: the day after the expiry window closed the acknowledgement is stale (leap-day asOf)", () => {
      given(
        ...readyPoe({ signedOn: "2023-02-28" }),
        deploymentStarted({ time: "2024-02-01", plannedEnd: "2024-04-30" }),
      )
        .when("2024-02-29")
        .then((s) => {
          expect(windowCodes(s)).not.toContain("acknowledgement-expiry");
          expect(s.poe.missing).toContain("acknowledgement-stale");
        });
    });
  });

  it("POE-3: an acknowledgement and documents naming only another workload block the claim (workload-not-in-poe)", () => {
    const workload = "purview-dlp";
    given(
      tenantProfiled({ time: "2025-01-10" }),
      acknowledged({ time: "2025-04-01", workload, workloads: ["purview-information-protection"] }),
      scopeDescribed({ time: "2025-04-07", workload }),
      documentAttached({
        time: "2025-04-01",
        workload,
        workloadsMentioned: ["purview-information-protection"],
      }),
      deploymentStarted({ time: "2025-04-07", workload }),
    )
      .when("2025-05-22")
      .then(
        (s) => {
          expect(s.claim.eligibility).toBe("usage-incentive");
          expect(s.poe.missing).toEqual(["workload-not-in-poe"]);
          expect(s.poe.rules["workload-not-in-poe"]).toBe("POE-3");
          expect(s.claim.claimableNow).toBe(false);
        },
        { workload },
      );
  });

  it("POE-3: an attached document naming the workload is enough even if the acknowledgement does not", () => {
    given(
      tenantProfiled({ time: "2025-01-10" }),
      acknowledged({ time: "2025-02-20", workloads: ["defender-identity"] }),
      scopeDescribed({ time: "2025-02-20" }),
      documentAttached({ time: "2025-02-20", kind: "roadmap", workloadsMentioned: ["defender-endpoint"] }),
      work(),
    )
      .when("2025-05-22")
      .then((s) => expect(s.poe.missing).toEqual([]));
  });

  it("POE-4: without a scope description the claim is blocked (scope-description)", () => {
    given(
      tenantProfiled({ time: "2025-01-10" }),
      acknowledged({ time: "2025-02-20" }),
      documentAttached({ time: "2025-02-20" }),
      // Planned dates on the deployment itself, so POE-5 is met and only the scope is missing.
      deploymentStarted({ time: "2025-03-03", plannedStart: "2025-03-03", plannedEnd: "2025-04-11" }),
    )
      .when("2025-05-22")
      .then((s) => {
        expect(s.poe.missing).toEqual(["scope-description"]);
        expect(s.poe.rules["scope-description"]).toBe("POE-4");
        expect(s.claim.claimableNow).toBe(false);
      });
  });

  it("POE-5: without start and end dates anywhere the claim is blocked (engagement-dates)", () => {
    given(
      tenantProfiled({ time: "2025-01-10" }),
      acknowledged({ time: "2025-02-20" }),
      documentAttached({ time: "2025-02-20" }),
      scopeDescribed({ time: "2025-03-03", startDate: undefined, endDate: undefined }),
      deploymentStarted({ time: "2025-03-03" }),
    )
      .when("2025-05-22")
      .then((s) => {
        expect(s.poe.missing).toEqual(["engagement-dates"]);
        expect(s.poe.rules["engagement-dates"]).toBe("POE-5");
        expect(s.claim.claimableNow).toBe(false);
      });
  });

  it("POE-5: a start date without an end date is not enough", () => {
    given(
      tenantProfiled({ time: "2025-01-10" }),
      acknowledged({ time: "2025-02-20" }),
      documentAttached({ time: "2025-02-20" }),
      scopeDescribed({ time: "2025-03-03", endDate: undefined }),
      deploymentStarted({ time: "2025-03-03" }),
    )
      .when("2025-05-22")
      .then((s) => expect(s.poe.missing).toEqual(["engagement-dates"]));
  });

  it("POE-6: a document made out for another tenant blocks the claim (customer-mismatch)", () => {
    given(...readyPoe(), documentAttached({ time: "2025-03-01", tenantIdOnDocument: OTHER_TENANT }), work())
      .when("2025-05-22")
      .then((s) => {
        expect(s.poe.missing).toEqual(["customer-mismatch"]);
        expect(s.poe.rules["customer-mismatch"]).toBe("POE-6");
        expect(s.claim.claimableNow).toBe(false);
      });
  });

  it("POE-6: the tenant id on a document matches whatever its letter case", () => {
    given(
      ...readyPoe(),
      documentAttached({ time: "2025-03-01", tenantIdOnDocument: TENANT.toUpperCase() }),
      work(),
    )
      .when("2025-05-22")
      .then((s) => expect(s.poe.missing).toEqual([]));
  });

  describe("POE-7: public-sector customers in US, PR, HK, IN need the fee disclosure", () => {
    const publicSector = (country: string, isPublic = true) => [
      tenantProfiled({ time: "2025-01-10", publicSector: isPublic, country }),
      ...readyPoe().slice(1),
      work(),
    ];

    it.each(["US", "PR", "HK", "IN"])(
      "POE-7: a public-sector customer in %s without disclosure is blocked",
      (country) => {
        given(...publicSector(country))
          .when("2025-05-22")
          .then((s) => {
            expect(s.poe.missing).toEqual(["public-sector-disclosure"]);
            expect(s.poe.rules["public-sector-disclosure"]).toBe("POE-7");
            expect(s.claim.claimableNow).toBe(false);
          });
      },
    );

    it("POE-7: with the disclosure recorded the same customer is claimable", () => {
      given(...publicSector("US"), disclosed({ time: "2025-03-01", disclosedOn: "2025-03-01" }))
        .when("2025-05-22")
        .then((s) => {
          expect(s.poe.missing).toEqual([]);
          expect(s.claim.claimableNow).toBe(true);
        });
    });

    it("POE-7: a public-sector customer elsewhere (GB) or a US commercial customer needs none", () => {
      given(...publicSector("GB"))
        .when("2025-05-22")
        .then((s) => expect(s.poe.missing).toEqual([]));
      given(...publicSector("US", false))
        .when("2025-05-22")
        .then((s) => expect(s.poe.missing).toEqual([]));
    });

    it("POE-7: the disclosure is per pair: recorded on another workload it does not cover this one", () => {
      given(...publicSector("US"), disclosed({ time: "2025-03-01", workload: "entra-id-p2" }))
        .when("2025-05-22")
        .then((s) => expect(s.poe.missing).toEqual(["public-sector-disclosure"]));
    });
  });

  describe("approvability (POE-8..POE-11): recommended, never blocking", () => {
    it("POE-8: without a number of users in scope, user-count is recommended, and the pair stays claimable", () => {
      given(
        ...readyPoe().filter((e) => e.type !== "engagement.scope.described"),
        scopeDescribed({ time: "2025-02-20", usersInScope: undefined }),
        work(),
      )
        .when("2025-05-22")
        .then((s) => {
          expect(s.poe.recommended).toEqual(["user-count"]);
          expect(s.poe.rules["user-count"]).toBe("POE-8");
          expect(s.poe.missing).toEqual([]);
          expect(s.claim.claimableNow).toBe(true);
        });
    });

    it("POE-8: the deployment's usersInScope is a user count too", () => {
      given(
        ...readyPoe().filter((e) => e.type !== "engagement.scope.described"),
        scopeDescribed({ time: "2025-02-20", usersInScope: undefined }),
        deploymentStarted({ time: "2025-03-03", usersInScope: 900 }),
      )
        .when("2025-05-22")
        .then((s) => expect(s.poe.recommended).toEqual([]));
    });

    it("POE-9: without the customer's need and benefit, both are recommended", () => {
      given(
        ...readyPoe().filter((e) => e.type !== "engagement.scope.described"),
        scopeDescribed({ time: "2025-02-20", customerNeed: undefined, customerBenefit: undefined }),
        work(),
      )
        .when("2025-05-22")
        .then((s) => {
          expect(s.poe.recommended).toEqual(["customer-need", "customer-benefit"]);
          expect(s.poe.rules["customer-need"]).toBe("POE-9");
          expect(s.poe.rules["customer-benefit"]).toBe("POE-9");
          expect(s.claim.claimableNow).toBe(true);
        });
    });

    it("POE-10: without a number of meetings, meeting-count is recommended; logged adoption meetings count", () => {
      const noMeetings = [
        ...readyPoe().filter((e) => e.type !== "engagement.scope.described"),
        scopeDescribed({ time: "2025-02-20", meetingsHeld: undefined }),
      ];
      given(...noMeetings, work())
        .when("2025-05-22")
        .then((s) => {
          expect(s.poe.recommended).toEqual(["meeting-count"]);
          expect(s.poe.rules["meeting-count"]).toBe("POE-10");
          expect(s.claim.claimableNow).toBe(true);
        });
      given(...noMeetings, work(), adoptionLogged({ time: "2025-04-14", meetings: 4 }))
        .when("2025-05-22")
        .then((s) => expect(s.poe.recommended).not.toContain("meeting-count"));
    });

    it("POE-11: with no document beyond the acknowledgement, supporting-document is recommended", () => {
      const noDocuments = readyPoe().filter((e) => e.type !== "poe.document.attached");
      given(...noDocuments, work())
        .when("2025-05-22")
        .then((s) => {
          expect(s.poe.recommended).toEqual(["supporting-document"]);
          expect(s.poe.rules["supporting-document"]).toBe("POE-11");
          expect(s.claim.claimableNow).toBe(true);
        });
      // A scanned acknowledgement is the acknowledgement, not a supporting document.
      given(...noDocuments, documentAttached({ time: "2025-02-20", kind: "acknowledgement" }), work())
        .when("2025-05-22")
        .then((s) => expect(s.poe.recommended).toEqual(["supporting-document"]));
      // An architecture map is (documents are judged in their totality).
      given(...noDocuments, documentAttached({ time: "2025-02-20", kind: "architecture" }), work())
        .when("2025-05-22")
        .then((s) => expect(s.poe.recommended).toEqual([]));
    });
  });

  it("POE-1..7 gate claimableNow also for a rejected claim (which may be resubmitted)", () => {
    given(
      tenantProfiled({ time: "2025-01-10" }),
      work(),
      claimSubmitted({ time: "2025-03-20", submittedOn: "2025-03-20" }),
      claimRejected({ time: "2025-04-01" }),
    )
      .when("2025-05-22")
      .then((s) => {
        expect(s.claim.status).toBe("rejected");
        expect(s.poe.missing).toContain("customer-acknowledgement");
        expect(s.claim.claimableNow).toBe(false);
      });
  });
});
