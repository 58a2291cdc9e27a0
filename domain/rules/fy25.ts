import type { RuleSet } from "./rule-set.ts";

const incentiveWorkloads = [
  "defender-endpoint",
  "defender-office365",
  "defender-identity",
  "defender-cloud-apps",
  "entra-id-p2",
  "purview-information-protection",
  "purview-dlp",
  "purview-insider-risk",
] as const;

/** FY25 (2024-10-01 … 2025-09-30), from RULES.md; each value cites its rule. */
export const FY25: RuleSet = {
  programYear: "FY25",
  incentiveYear: { value: { start: "2024-10-01", end: "2025-09-30" }, rule: "CAL-1" },
  presalesYear: { value: { start: "2024-07-01", end: "2025-06-30" }, rule: "CAL-2" },
  workloads: {
    incentive: { value: incentiveWorkloads, rule: "WKL-1" },
    usageOnly: { value: ["copilot-m365", "entra-id-p1", "intune", "sentinel"], rule: "WKL-2" },
    retired: { value: ["teams-phone", "teams-frontline"], rule: "WKL-3" },
  },
  substantialAdoption: { value: { handsOn: true, minDays: 2, minMeetings: 2 }, rule: "ACT-3" },
  engagementRecencyMonths: { value: 12, rule: "TIM-1" },
  claimEarlyDays: { value: 30, rule: "TIM-3" },
  acknowledgementMaxAgeMonths: { value: 12, rule: "POE-2" },
  disclosureCountries: { value: ["US", "PR", "HK", "IN"], rule: "POE-7" },
  excludedSegments: { value: ["government-gcc-high", "government-dod"], rule: "SEG-1" },
  infoRequestResponseDays: { value: 14, rule: "CLM-2" },
  usage: {
    compensableUnitsCap: { value: null, rule: "HWM-2" },
    ratePerUnit: { value: null, rule: "HWM-3" },
  },
  designation: {
    securityWorkloads: { value: [...incentiveWorkloads, "entra-id-p1", "intune", "sentinel"], rule: "DES-1" },
    minimumScore: { value: 70, rule: "DES-1" },
    netCustomerAdds: { value: { pointsPerTenant: 2, max: 20 }, rule: "DES-2" },
    deployments: { value: { pointsPerPair: 3.3, max: 20 }, rule: "DES-3" },
    usageGrowth: { value: { mauPerPoint: 100, max: 30 }, rule: "DES-4" },
    skilling: {
      value: { pointsPerPerson: 5, max: 30, certifications: ["SC-200", "SC-300", "SC-401", "AZ-500"] },
      rule: "DES-5",
    },
    contributionLifetimeMonths: { value: 12, rule: "DES-6" },
  },
};
