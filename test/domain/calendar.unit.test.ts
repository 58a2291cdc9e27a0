// CAL-1..CAL-3: program years, the presales year, and calendar arithmetic in UTC.
// Expectations are derived by hand from RULES.md.
import { describe, expect, it } from "vitest";
import { addDays, addMonths, isCalendarDate } from "../../domain/dates.ts";
import { programYearOf, ruleSetOn } from "../../domain/rules/index.ts";
import {
  acknowledged,
  deploymentStarted,
  given,
  presalesDelivered,
  readyPoe,
  scopeDescribed,
  tenantProfiled,
  windowOf,
} from "./given.ts";

describe("calendar (CAL)", () => {
  describe("CAL-1: the usage-incentive year runs 1 Oct – 30 Sep, named by the year it ends in", () => {
    const deployedInSeptember = () => [
      ...readyPoe(),
      deploymentStarted({ time: "2025-09-01", plannedEnd: "2025-12-15" }),
    ];

    it("CAL-1: 30 Sep 2025 (last second) is still FY25; program-year-end closes that day", () => {
      given(...deployedInSeptember())
        .when("2025-09-30T23:59:59Z")
        .then((s) => {
          expect(s.programYear).toBe("FY25");
          expect(windowOf(s, "program-year-end")).toMatchObject({
            closesOn: "2025-09-30",
            rule: "CAL-1",
            daysLeft: 0,
          });
        });
    });

    it("CAL-1: 1 Oct 2025 (first second) is FY26; program-year-end moves to 2026-09-30", () => {
      given(...deployedInSeptember())
        .when("2025-10-01T00:00:00Z")
        .then((s) => {
          expect(s.programYear).toBe("FY26");
          expect(windowOf(s, "program-year-end")?.closesOn).toBe("2026-09-30");
        });
    });

    it("CAL-1 / CAL-3: the year boundary is in UTC (23:00 on 30 Sep UTC written as 01:00+02:00 on 1 Oct is FY25)", () => {
      given(...deployedInSeptember())
        .when("2025-10-01T01:00:00+02:00")
        .then((s) => {
          expect(s.programYear).toBe("FY25");
          expect(s.asOf).toBe("2025-09-30T23:00:00Z");
        });
    });

    it("CAL-1: FY25 = 2024-10-01 … 2025-09-30, and years beyond the loaded rule sets are still named", () => {
      expect(programYearOf("2024-10-01")).toEqual({ name: "FY25", start: "2024-10-01", end: "2025-09-30" });
      expect(programYearOf("2025-09-30").name).toBe("FY25");
      expect(programYearOf("2024-09-30")).toEqual({ name: "FY24", start: "2023-10-01", end: "2024-09-30" });
      expect(programYearOf("2027-10-01")).toEqual({ name: "FY28", start: "2027-10-01", end: "2028-09-30" });
      expect(programYearOf("2027-09-30").name).toBe("FY27");
    });

    it("CAL-1: the rule set in force follows the incentive year (FY26 from 2025-10-01)", () => {
      expect(ruleSetOn("2025-09-30").programYear).toBe("FY25");
      expect(ruleSetOn("2025-10-01").programYear).toBe("FY26");
    });
  });

  describe("CAL-2: presales (MCI, CSI) run on Microsoft's fiscal year, 1 Jul – 30 Jun", () => {
    it("CAL-2: FY25's presales year is 2024-07-01 … 2025-06-30, distinct from its incentive year", () => {
      const fy25 = ruleSetOn("2025-01-15");
      expect(fy25.presalesYear.value).toEqual({ start: "2024-07-01", end: "2025-06-30" });
      expect(fy25.incentiveYear.value).toEqual({ start: "2024-10-01", end: "2025-09-30" });
      expect(ruleSetOn("2025-10-01").presalesYear.value).toEqual({ start: "2025-07-01", end: "2026-06-30" });
    });

    it("CAL-2: in July 2025 a presales workshop is in presales FY26, yet the pair's programYear is the incentive year FY25", () => {
      given(
        tenantProfiled({ time: "2025-01-10" }),
        presalesDelivered({ time: "2025-07-15", startDate: "2025-07-01", endDate: "2025-07-15" }),
      )
        .when("2025-07-20")
        .then((s) => {
          expect(s.programYear).toBe("FY25");
          expect(s.stage).toBe("presales");
          expect(s.claim.eligibility).toBe("not-claimable");
        });
    });
  });

  describe("CAL-3: calendar dates in UTC; N months after D clamps to the month's last day", () => {
    it("CAL-3: 2024-02-29 + 12 months = 2025-02-28, and other clamped month ends", () => {
      expect(addMonths("2024-02-29", 12)).toBe("2025-02-28");
      expect(addMonths("2025-01-31", 1)).toBe("2025-02-28");
      expect(addMonths("2024-01-31", 1)).toBe("2024-02-29");
      expect(addMonths("2024-08-31", 1)).toBe("2024-09-30");
      expect(addMonths("2025-03-31", -1)).toBe("2025-02-28");
      expect(addMonths("2025-05-22", 12)).toBe("2026-05-22");
      expect(addDays("2025-02-28", 30)).toBe("2025-03-30");
      expect(addDays("2024-12-31", 1)).toBe("2025-01-01");
    });

    it("CAL-3: an engagement ending 2024-02-29 stays recent until 2025-02-28 (the clamped anniversary)", () => {
      const events = [
        tenantProfiled({ time: "2024-01-10" }),
        acknowledged({ time: "2024-12-01", signedOn: "2024-12-01" }),
        scopeDescribed({ time: "2024-02-01", startDate: "2024-02-01", endDate: "2024-02-29" }),
        deploymentStarted({ time: "2024-02-01", plannedEnd: "2024-02-29" }),
      ];
      given(...events)
        .when("2025-02-28")
        .then((s) => {
          expect(s.claim.eligibility).toBe("usage-incentive");
          expect(windowOf(s, "engagement-recency")).toMatchObject({ closesOn: "2025-02-28", daysLeft: 0 });
        });
      given(...events)
        .when("2025-03-01")
        .then((s) => expect(s.claim.eligibility).toBe("not-claimable"));
    });

    it("CAL-3: an event's date is its UTC date (01:00+02:00 on 1 Mar is 28 Feb), so claim-early is 2025-03-30", () => {
      given(...readyPoe(), deploymentStarted({ time: "2025-03-01T01:00:00+02:00" }))
        .when("2025-03-05")
        .then((s) => expect(windowOf(s, "claim-early")?.closesOn).toBe("2025-03-30"));
    });

    it("CAL-3: calendar dates are real dates (2025-02-30 and 2023-02-29 are not; 2024-02-29 is)", () => {
      expect(isCalendarDate("2025-02-30")).toBe(false);
      expect(isCalendarDate("2023-02-29")).toBe(false);
      expect(isCalendarDate("2024-02-29")).toBe(true);
      expect(isCalendarDate("2025-13-01")).toBe(false);
      expect(isCalendarDate("2025-1-01")).toBe(false);
      expect(isCalendarDate("0000-12-31")).toBe(false);
      expect(isCalendarDate("0001-01-01")).toBe(true);
      expect(isCalendarDate("9999-12-31")).toBe(true);
    });
  });
});
