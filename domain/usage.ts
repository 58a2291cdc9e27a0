import { type CalendarDate, daysInMonth } from "./dates.ts";
import type { PairFacts } from "./facts.ts";
import { type RuleId, type RuleSet, ruleSetOn as ruleSetInForce } from "./rules/index.ts";

// Usage of one pair against its high-water mark (RULES HWM-1..3, SEG-2). Pure: the facts and the
// date in, the months, units and estimate out; every rule value is read from the rule set.
//
// Decisions where RULES.md is silent (each cited in the code below):
// - A month's MAU is a trailing-28-day figure (HWM-1), so it is read as a snapshot taken on the
//   month's LAST DAY (`measuredOn`). A month is "before approval" when it was measured before the
//   approval date: `measuredOn < approvedOn`. The approval month itself is therefore always AFTER
//   approval (its snapshot is taken on or after the approval day, even when approval is on the last
//   day): it is the first month that counts, and it does not raise the starting high-water mark.
// - The high-water mark RATCHETS (KB-01319): the prior HWM of month m is the highest MAU of every
//   earlier reported month, before and after approval. It ratchets on raw MAU, not on min(MAU, PAU):
//   SEG-2 says free student licences raise the mark although only paid users earn, so the mark
//   counts every active user while the units count paid ones.
// - A declined or disassociated association stops the count: a month counts while the claim was in
//   force on its measuring day (`approvedOn <= measuredOn < endedOn`).
// - Months are judged by the rule set in force on their measuring day (the cap); the estimate is a
//   verdict at `asOf`, so its rate is the one in force at `asOf` (HWM-3).
// - With no approved claim, `startingHighWaterMark` is the mark an approval at `asOf` would set
//   (TIM-3: claim early), and no month counts.
// - SEG-2: for an education tenant with known `paidSeats`, the estimate counts paid usage only:
//   max(0, min(MAU, PAU, paidSeats) − prior HWM), the HWM still being the raw one.

export type RuleSetOn = (date: CalendarDate) => RuleSet;

export interface UsageMonth {
  readonly month: string;
  readonly mau: number;
  readonly pau: number;
  /** Last day of the month: the day the trailing-28-day MAU is read as a snapshot (HWM-1). */
  readonly measuredOn: CalendarDate;
  /** Highest MAU of every earlier reported month (the ratchet), the starting HWM included. */
  readonly priorHighWaterMark: number;
  /** max(0, min(MAU, PAU) − prior HWM), capped by the rule set; 0 unless the month counts (HWM-2). */
  readonly compensableUnits: number;
  /** The units the estimate uses: paid seats only for education (SEG-2), else `compensableUnits`. */
  readonly estimateUnits: number;
  /** Measured while the approved claim was in force (HWM-2: only months after approval count). */
  readonly countsAfterApproval: boolean;
  /** The rule set the month was judged under (its measuring day). */
  readonly ruleSet: string;
}

export interface UsageEstimate {
  readonly amount: number;
  readonly ratePerUnit: number;
  readonly units: number;
  /** Set when SEG-2 capped paid usage at the tenant's paid seats. */
  readonly paidSeats?: number;
  readonly rule: RuleId;
}

export interface PairUsage {
  readonly asOf: CalendarDate;
  /** The rule set in force at `asOf` (the estimate's rate). */
  readonly ruleSet: string;
  readonly months: readonly UsageMonth[];
  readonly startingHighWaterMark: number;
  readonly approvedOn?: CalendarDate;
  /** The day a declined/disassociated association ended the count. */
  readonly endedOn?: CalendarDate;
  readonly compensableUnitsTotal: number;
  /** Null when the rule set carries no rate (HWM-3). */
  readonly estimate: UsageEstimate | null;
  readonly rules: readonly RuleId[];
}

export interface PairUsageInput {
  readonly facts: PairFacts;
  readonly asOf: CalendarDate;
  /** The rule sets by date; defaults to the loaded ones. */
  readonly ruleSetOn?: RuleSetOn;
}

/** Last day of a `YYYY-MM` month. */
/** The last day of a `YYYY-MM` month (a month's MAU is its snapshot on that day). */
export function monthEnd(month: string): CalendarDate {
  // Every pair with usage asks for the same few months: answers are remembered (bounded).
  let end = monthEnds.get(month);
  if (end === undefined) {
    const y = Number(month.slice(0, 4));
    const m = Number(month.slice(5, 7));
    end = `${month}-${String(daysInMonth(y, m)).padStart(2, "0")}`;
    if (monthEnds.size >= 10_000) monthEnds.clear();
    monthEnds.set(month, end);
  }
  return end;
}
const monthEnds = new Map<string, CalendarDate>();

export function pairUsage(input: PairUsageInput): PairUsage {
  const { facts, asOf } = input;
  const rules = input.ruleSetOn ?? ruleSetInForce;
  const atAsOf = rules(asOf);
  const claim = facts.claim;
  const approvedOn =
    claim?.approvedOn !== undefined && claim.approvedOn <= asOf ? claim.approvedOn : undefined;
  // `claim.approved` clears `endedOn`, so an `endedOn` beside an approval is a later decline/disassociation.
  const endedOn =
    approvedOn !== undefined && claim?.endedOn !== undefined && claim.endedOn <= asOf
      ? claim.endedOn
      : undefined;
  const cutoff = approvedOn ?? asOf;

  const tenant = facts.tenant;
  const education = tenant?.segment === "education";
  const paidSeats = education ? tenant?.paidSeats : undefined;

  const reported = Object.entries(facts.usage)
    .filter(([month]) => `${month}-01` <= asOf)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

  let startingHighWaterMark = 0;
  for (const [month, u] of reported)
    if (monthEnd(month) < cutoff) startingHighWaterMark = Math.max(startingHighWaterMark, u.mau);

  let highWaterMark = 0;
  let compensableUnitsTotal = 0;
  let estimateUnitsTotal = 0;
  const months: UsageMonth[] = reported.map(([month, { mau, pau }]) => {
    const measuredOn = monthEnd(month);
    const set = rules(measuredOn);
    const counts =
      approvedOn !== undefined && approvedOn <= measuredOn && (endedOn === undefined || measuredOn < endedOn);
    const prior = highWaterMark;
    const cap = set.usage.compensableUnitsCap.value;
    const units = (usage: number) => {
      const above = Math.max(0, usage - prior);
      return cap === null ? above : Math.min(cap, above);
    };
    const compensableUnits = counts ? units(Math.min(mau, pau)) : 0;
    const estimateUnits = counts
      ? paidSeats !== undefined
        ? units(Math.min(mau, pau, paidSeats))
        : compensableUnits
      : 0;
    highWaterMark = Math.max(highWaterMark, mau);
    compensableUnitsTotal += compensableUnits;
    estimateUnitsTotal += estimateUnits;
    return {
      month,
      mau,
      pau,
      measuredOn,
      priorHighWaterMark: prior,
      compensableUnits,
      estimateUnits,
      countsAfterApproval: counts,
      ruleSet: set.programYear,
    };
  });

  const rate = atAsOf.usage.ratePerUnit;
  const estimate: UsageEstimate | null =
    rate.value === null
      ? null
      : {
          amount: estimateUnitsTotal * rate.value,
          ratePerUnit: rate.value,
          units: estimateUnitsTotal,
          ...(paidSeats !== undefined ? { paidSeats } : {}),
          rule: rate.rule,
        };

  const ruleIds: RuleId[] = ["HWM-1", atAsOf.usage.compensableUnitsCap.rule, rate.rule];
  if (education) ruleIds.push("SEG-2");
  return {
    asOf,
    ruleSet: atAsOf.programYear,
    months,
    startingHighWaterMark,
    ...(approvedOn !== undefined ? { approvedOn } : {}),
    ...(endedOn !== undefined ? { endedOn } : {}),
    compensableUnitsTotal,
    estimate,
    rules: [...new Set(ruleIds)],
  };
}
