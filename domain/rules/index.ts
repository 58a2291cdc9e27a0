import { addDays, addMonths, type CalendarDate } from "../dates.ts";
import { FY25 } from "./fy25.ts";
import { FY26 } from "./fy26.ts";
import type { RuleSet } from "./rule-set.ts";

export type { Cited, RuleId, RuleSet, Segment } from "./rule-set.ts";

/** Every loaded rule set, oldest first. Add a year by adding its file here. */
export const RULE_SETS: readonly RuleSet[] = [FY25, FY26];

/**
 * The rule set in force on a date: the newest whose incentive year has started. Before the first
 * known year the oldest applies; after the last, the newest carries on until a guide is loaded.
 */
export function ruleSetOn(date: CalendarDate): RuleSet {
  let inForce = RULE_SETS[0]!;
  for (const set of RULE_SETS) if (set.incentiveYear.value.start <= date) inForce = set;
  return inForce;
}

/**
 * The usage-incentive year containing a date (CAL-1): the loaded set whose year contains it, else
 * the nearest set's calendar shifted by whole years, named by the year it ends in.
 */
export function programYearOf(date: CalendarDate): { name: string; start: CalendarDate; end: CalendarDate } {
  const known = RULE_SETS.find(
    (s) => s.incentiveYear.value.start <= date && date <= s.incentiveYear.value.end,
  );
  if (known) return { name: known.programYear, ...known.incentiveYear.value };
  const anchor = ruleSetOn(date).incentiveYear.value;
  const shift = Number(date.slice(0, 4)) - Number(anchor.start.slice(0, 4));
  const startOf = (years: number) => addMonths(anchor.start, 12 * years);
  const years = date < startOf(shift) ? shift - 1 : shift;
  const start = startOf(years);
  const end = addDays(startOf(years + 1), -1);
  return { name: `FY${end.slice(2, 4)}`, start, end };
}

/** Every workload id any loaded rule set knows; anything else is refused at the door (WKL-4). */
export const KNOWN_WORKLOADS: ReadonlySet<string> = new Set(
  RULE_SETS.flatMap((s) => [
    ...s.workloads.incentive.value,
    ...s.workloads.usageOnly.value,
    ...s.workloads.retired.value,
  ]),
);
