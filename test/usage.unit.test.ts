import { describe, expect, it } from "vitest";
import type { CalendarDate } from "../domain/dates.ts";
import { type ClaimFacts, NO_FACTS, type PairFacts, type TenantProfile } from "../domain/facts.ts";
import { FY25 } from "../domain/rules/fy25.ts";
import type { RuleSet } from "../domain/rules/index.ts";
import { pairUsage } from "../domain/usage.ts";

const approved = (approvedOn: CalendarDate, extra: Partial<ClaimFacts> = {}): ClaimFacts => ({
  claimId: "c-1",
  claimType: "usage-incentive",
  submittedOn: "2025-03-15",
  approvedOn,
  ...extra,
});
const facts = (
  usage: Record<string, [mau: number, pau: number]>,
  claim?: ClaimFacts,
  tenant?: TenantProfile,
): PairFacts => ({
  ...NO_FACTS,
  usage: Object.fromEntries(Object.entries(usage).map(([m, [mau, pau]]) => [m, { mau, pau }])),
  ...(claim ? { claim } : {}),
  ...(tenant ? { tenant } : {}),
});
/** A rule set like FY25 with a rate and/or cap (FY25 carries neither: HWM-3, "rates are not public"). */
const withUsage =
  (ratePerUnit: number | null, cap: number | null = null) =>
  (): RuleSet => ({
    ...FY25,
    usage: {
      compensableUnitsCap: { value: cap, rule: "HWM-2" },
      ratePerUnit: { value: ratePerUnit, rule: "HWM-3" },
    },
  });
const commercial: TenantProfile = {
  customerName: "Contoso",
  segment: "commercial",
  publicSector: false,
  country: "GB",
};

describe("pairUsage: starting high-water mark and compensable units (HWM-2)", () => {
  // Jan–Mar before approval (MAU 100, 250, 400), approval 2025-04-10, then Apr–Jun 380, 500, 650, PAU 1000.
  const rising = facts(
    {
      "2025-01": [100, 1000],
      "2025-02": [250, 1000],
      "2025-03": [400, 1000],
      "2025-04": [380, 1000],
      "2025-05": [500, 1000],
      "2025-06": [650, 1000],
    },
    approved("2025-04-10"),
    commercial,
  );

  it("sets the starting HWM from months measured before approval and ratchets it after", () => {
    const u = pairUsage({ facts: rising, asOf: "2025-07-15" });
    // Measuring days: Jan 31, Feb 28, Mar 31 < Apr 10 → before approval. Starting HWM = max(100, 250, 400) = 400.
    expect(u.startingHighWaterMark).toBe(400);
    expect(u.approvedOn).toBe("2025-04-10");
    // Apr (measured Apr 30 ≥ Apr 10, the approval month counts): min(380,1000) − 400 = −20 → 0; HWM stays 400.
    // May: min(500,1000) − 400 = 100; HWM → 500.  Jun: min(650,1000) − 500 = 150; HWM → 650.
    expect(
      u.months.map((m) => [m.month, m.priorHighWaterMark, m.compensableUnits, m.countsAfterApproval]),
    ).toEqual([
      ["2025-01", 0, 0, false],
      ["2025-02", 100, 0, false],
      ["2025-03", 250, 0, false],
      ["2025-04", 400, 0, true],
      ["2025-05", 400, 100, true],
      ["2025-06", 500, 150, true],
    ]);
    // 0 + 100 + 150 = 250
    expect(u.compensableUnitsTotal).toBe(250);
    // FY25 carries no rate: no estimate (HWM-3).
    expect(u.estimate).toBeNull();
    expect(u.ruleSet).toBe("FY25");
    expect(u.rules).toEqual(["HWM-1", "HWM-2", "HWM-3"]);
  });

  it("ratchets on raw MAU even when PAU limits the units", () => {
    const more = facts(
      {
        ...Object.fromEntries(Object.entries(rising.usage).map(([m, v]) => [m, [v.mau, v.pau]])),
        "2025-07": [900, 700],
        "2025-08": [950, 1000],
      },
      approved("2025-04-10"),
    );
    const u = pairUsage({ facts: more, asOf: "2025-09-01" });
    // Jul: min(900, 700) − 650 = 50; HWM → 900 (MAU, not 700).  Aug: min(950, 1000) − 900 = 50.
    expect(u.months.slice(-2).map((m) => [m.priorHighWaterMark, m.compensableUnits])).toEqual([
      [650, 50],
      [900, 50],
    ]);
    // 250 + 50 + 50 = 350
    expect(u.compensableUnitsTotal).toBe(350);
  });

  it("caps monthly units by the rule set's cap and estimates with its rate", () => {
    const u = pairUsage({ facts: rising, asOf: "2025-07-15", ruleSetOn: withUsage(2, 120) });
    // May 100 (under the cap), Jun min(150, 120) = 120 → 220 units; × 2 = 440.
    expect(u.months.map((m) => m.compensableUnits)).toEqual([0, 0, 0, 0, 100, 120]);
    expect(u.compensableUnitsTotal).toBe(220);
    expect(u.estimate).toEqual({ amount: 440, ratePerUnit: 2, units: 220, rule: "HWM-3" });
  });

  it("counts the approval month even when approval falls on its last day", () => {
    // Approval 2025-03-31 = March's measuring day → March is after approval; HWM from Jan–Feb = 250.
    const u = pairUsage({ facts: { ...rising, claim: approved("2025-03-31") }, asOf: "2025-07-15" });
    expect(u.startingHighWaterMark).toBe(250);
    // Mar 400 − 250 = 150; Apr 380 − 400 → 0; May 500 − 400 = 100; Jun 650 − 500 = 150 → 400
    expect(u.months.map((m) => m.compensableUnits)).toEqual([0, 0, 150, 0, 100, 150]);
    expect(u.compensableUnitsTotal).toBe(400);
  });

  it("stops counting once the association is disassociated", () => {
    // Disassociated 2025-06-15: June is measured Jun 30 ≥ Jun 15 → not counted. 0 + 100 = 100.
    const u = pairUsage({
      facts: { ...rising, claim: approved("2025-04-10", { endedOn: "2025-06-15" }) },
      asOf: "2025-07-15",
    });
    expect(u.endedOn).toBe("2025-06-15");
    expect(u.months.map((m) => m.countsAfterApproval)).toEqual([false, false, false, true, true, false]);
    expect(u.compensableUnitsTotal).toBe(100);
  });

  it("without approval, shows the mark an approval at asOf would set and counts nothing", () => {
    const u = pairUsage({
      facts: { ...rising, claim: { claimId: "c-1", submittedOn: "2025-06-20" } },
      asOf: "2025-07-15",
    });
    // Every month measured before 2025-07-15: max(100, 250, 400, 380, 500, 650) = 650.
    expect(u.startingHighWaterMark).toBe(650);
    expect(u.approvedOn).toBeUndefined();
    expect(u.compensableUnitsTotal).toBe(0);
    // An approval dated after asOf is not an approval yet.
    expect(pairUsage({ facts: rising, asOf: "2025-04-09" }).approvedOn).toBeUndefined();
  });
});

describe("pairUsage: education tenants (SEG-2)", () => {
  const school: TenantProfile = {
    customerName: "Fabrikam School District",
    segment: "education",
    publicSector: true,
    country: "US",
    paidSeats: 900,
    studentSeats: 20_000,
  };
  // Jan MAU 700 (before approval 2025-02-05); students join: Feb 1,500, Mar 1,800; PAU 20,900 (free A1 included).
  const usage: Record<string, [number, number]> = {
    "2025-01": [700, 20_900],
    "2025-02": [1_500, 20_900],
    "2025-03": [1_800, 20_900],
  };

  it("raises the HWM with free student seats and estimates on paid seats only", () => {
    const u = pairUsage({
      facts: facts(usage, approved("2025-02-05"), school),
      asOf: "2025-04-10",
      ruleSetOn: withUsage(2.5),
    });
    expect(u.startingHighWaterMark).toBe(700);
    // Units (HWM-2, all users): Feb min(1500, 20900) − 700 = 800; Mar 1800 − 1500 = 300 → 1,100.
    expect(u.months.map((m) => m.compensableUnits)).toEqual([0, 800, 300]);
    expect(u.compensableUnitsTotal).toBe(1_100);
    // Estimate (SEG-2, paid seats only): Feb min(1500, 20900, 900) − 700 = 200; Mar min(1800, 20900, 900) − 1500 → 0.
    expect(u.months.map((m) => m.estimateUnits)).toEqual([0, 200, 0]);
    // 200 × 2.5 = 500
    expect(u.estimate).toEqual({ amount: 500, ratePerUnit: 2.5, units: 200, paidSeats: 900, rule: "HWM-3" });
    expect(u.rules).toContain("SEG-2");
  });

  it("uses every unit for a commercial tenant with the same usage", () => {
    const u = pairUsage({
      facts: facts(usage, approved("2025-02-05"), commercial),
      asOf: "2025-04-10",
      ruleSetOn: withUsage(2.5),
    });
    // 1,100 × 2.5 = 2,750
    expect(u.estimate).toEqual({ amount: 2_750, ratePerUnit: 2.5, units: 1_100, rule: "HWM-3" });
    expect(u.rules).not.toContain("SEG-2");
  });

  it("falls back to all units when an education tenant's paid seats are unknown", () => {
    const { paidSeats: _, ...unknownSeats } = school;
    const u = pairUsage({
      facts: facts(usage, approved("2025-02-05"), unknownSeats),
      asOf: "2025-04-10",
      ruleSetOn: withUsage(1),
    });
    expect(u.estimate).toEqual({ amount: 1_100, ratePerUnit: 1, units: 1_100, rule: "HWM-3" });
  });
});

describe("predictPayableUsage: what Partner Center should pay on, month by month (HWM-2, SEG-1, SEG-2)", () => {
  const usage = {
    "2025-02": { mau: 800, pau: 40_000 },
    "2025-03": { mau: 1_000, pau: 40_000 },
    "2025-04": { mau: 2_500, pau: 40_000 },
    "2025-05": { mau: 4_000, pau: 40_000 },
  };

  it("SEG-2: education counts paid seats only; the mark ratchets on every active user", async () => {
    const { predictPayableUsage } = await import("../domain/payable-usage.ts");
    const p = predictPayableUsage({
      segment: "education",
      paidSeats: 3_000,
      approvedOn: "2025-04-10",
      usage,
      asOf: "2025-06-15",
    });
    // Starting HWM = max(800, 1000) (measured before 2025-04-10). April: min(2500, 40000, 3000) − 1000 = 1500;
    // May: prior HWM 2500 (April's raw MAU), min(4000, 40000, 3000) − 2500 = 500.
    expect(p.startingHighWaterMark).toBe(1_000);
    expect(p.months.map((m) => [m.month, m.counts, m.priorHighWaterMark, m.payableUnits])).toEqual([
      ["2025-02", false, 0, 0],
      ["2025-03", false, 800, 0],
      ["2025-04", true, 1_000, 1_500],
      ["2025-05", true, 2_500, 500],
    ]);
    expect(p.payableUnitsTotal).toBe(2_000);
    expect(p.months[2]!.basis).toBe("min(MAU, PAU, paid seats 3000)");
    expect(p.rules).toEqual(["HWM-2", "SEG-1", "SEG-2"]);
  });

  it("HWM-2: a GCC tenant counts min(MAU, PAU) above the mark; without approval nothing is payable", async () => {
    const { predictPayableUsage } = await import("../domain/payable-usage.ts");
    const gcc = predictPayableUsage({
      segment: "government-gcc",
      approvedOn: "2025-04-10",
      usage,
      asOf: "2025-06-15",
    });
    expect(gcc.months.map((m) => m.payableUnits)).toEqual([0, 0, 1_500, 1_500]);
    expect(gcc.included).toBe(true);
    const unapproved = predictPayableUsage({ segment: "government-gcc", usage, asOf: "2025-06-15" });
    expect(unapproved.payableUnitsTotal).toBe(0);
    expect(unapproved.startingHighWaterMark).toBe(4_000);
  });

  it("SEG-1: GCC High is excluded: nothing payable whatever the usage", async () => {
    const { predictPayableUsage } = await import("../domain/payable-usage.ts");
    const p = predictPayableUsage({
      segment: "government-gcc-high",
      approvedOn: "2025-04-10",
      usage,
      asOf: "2025-06-15",
    });
    expect(p.included).toBe(false);
    expect(p.payableUnitsTotal).toBe(0);
  });
});
