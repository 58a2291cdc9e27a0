import { addMonths, type CalendarDate } from "./dates.ts";
import type { PairFacts } from "./facts.ts";
import { ruleSetOn } from "./rules/index.ts";

/**
 * Whether work that ended on `lastDay` is still within TIM-1's window at `asOf`. Measured forward
 * (lastDay + 12 months, CAL-3) so the verdict flips on the very day the engagement-recency window closes.
 */
export function stillRecent(lastDay: CalendarDate, asOf: CalendarDate): boolean {
  return addMonths(lastDay, ruleSetOn(asOf).engagementRecencyMonths.value) >= asOf;
}

/** The pair's eligible work within TIM-1's window at `asOf`, by the rules in force at `asOf`. */
export function recentWork(facts: PairFacts, asOf: CalendarDate) {
  return facts.eligibleWork.filter((w) => stillRecent(w.lastDay, asOf));
}

/**
 * Whether any eligible work is within TIM-1's window at `asOf`: recentWork(…).length > 0 without the
 * list, newest first (the work most likely still recent), so a long history usually stops at once.
 */
export function hasRecentWork(facts: PairFacts, asOf: CalendarDate): boolean {
  const work = facts.eligibleWork;
  if (work.length === 0) return false;
  const months = ruleSetOn(asOf).engagementRecencyMonths.value;
  for (let i = work.length - 1; i >= 0; i--) if (addMonths(work[i]!.lastDay, months) >= asOf) return true;
  return false;
}
