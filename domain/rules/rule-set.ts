import type { CalendarDate } from "../dates.ts";
import type { SEGMENTS } from "../value-sets.ts";

/** A RULES.md id; every value in a rule set carries the id of the rule it encodes. */
export type RuleId = `${"CAL" | "ACT" | "TIM" | "POE" | "SEG" | "WKL" | "CLM" | "HWM" | "DES"}-${number}`;

export interface Cited<T> {
  readonly value: T;
  readonly rule: RuleId;
}

export type Segment = (typeof SEGMENTS)[number];

/** One program year's rules, as data. The machine and derivation read values from here only. */
export interface RuleSet {
  readonly programYear: string;
  /** Set when this year's values are carried forward from an earlier year's guide (RULES.md). */
  readonly carriesValuesOf?: string;
  /** Usage-incentive year, 1 Oct – 30 Sep (CAL-1). The set is in force from `incentiveYear.start`. */
  readonly incentiveYear: Cited<{ start: CalendarDate; end: CalendarDate }>;
  /** Presales (MCI/CSI) year, 1 Jul – 30 Jun (CAL-2). */
  readonly presalesYear: Cited<{ start: CalendarDate; end: CalendarDate }>;
  readonly workloads: {
    readonly incentive: Cited<readonly string[]>;
    readonly usageOnly: Cited<readonly string[]>;
    readonly retired: Cited<readonly string[]>;
  };
  /** Adoption counts when hands-on and at least `minDays` days or `minMeetings` meetings (ACT-3, ACT-8). */
  readonly substantialAdoption: Cited<{ handsOn: boolean; minDays: number; minMeetings: number }>;
  /** Eligible work must have its last day within this many months before the verdict (TIM-1). */
  readonly engagementRecencyMonths: Cited<number>;
  /** Recommend claiming within this many days of the first eligible activity (TIM-3). */
  readonly claimEarlyDays: Cited<number>;
  /** The acknowledgement must be at most this many months old at the claim (POE-2). */
  readonly acknowledgementMaxAgeMonths: Cited<number>;
  /** Public-sector customers here need the fee disclosure (POE-7). */
  readonly disclosureCountries: Cited<readonly string[]>;
  readonly excludedSegments: Cited<readonly Segment[]>;
  /** Days to answer a reviewer's request when it names no date (CLM-2). */
  readonly infoRequestResponseDays: Cited<number>;
  readonly usage: {
    /** Monthly compensable units cap; null = uncapped (HWM-2). */
    readonly compensableUnitsCap: Cited<number | null>;
    /** Earnings per compensable unit; null = not public, no estimate (HWM-3). */
    readonly ratePerUnit: Cited<number | null>;
  };
  readonly designation: {
    readonly securityWorkloads: Cited<readonly string[]>;
    readonly minimumScore: Cited<number>;
    readonly netCustomerAdds: Cited<{ pointsPerTenant: number; max: number }>;
    readonly deployments: Cited<{ pointsPerPair: number; max: number }>;
    readonly usageGrowth: Cited<{ mauPerPoint: number; max: number }>;
    readonly skilling: Cited<{ pointsPerPerson: number; max: number; certifications: readonly string[] }>;
    readonly contributionLifetimeMonths: Cited<number>;
  };
}
