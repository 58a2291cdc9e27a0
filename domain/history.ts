import { addDays, addMonths, type CalendarDate, daysBetween } from "./dates.ts";
import { decideEligibility } from "./engagement-machine.ts";
import type { ClaimLogEntry, EligibleWork, PairFacts } from "./facts.ts";
import { ELIGIBILITY_OF_STATE } from "./guards.ts";
import type { Eligibility } from "./reasons.ts";
import { RULE_SETS, type RuleId, ruleSetOn } from "./rules/index.ts";
import { offeringWord } from "./verdict-text.ts";

// The history that matters to a partner: when the pair's eligibility changed and why, and the claim's
// rounds with the reviewer. Both are derived from the facts (no asOf-free state is kept beyond them).

const ELIGIBILITY: Record<string, Eligibility> = ELIGIBILITY_OF_STATE;

export interface EligibilityPeriod {
  eligibility: Eligibility;
  from: CalendarDate;
  /** The last day of the period; absent for the period in force at asOf. */
  until?: CalendarDate;
  began: { because: string; rule: RuleId | null };
  ended?: { because: string; rule: RuleId | null };
  message: string;
}

interface Change {
  /** A date, or `date+` for the day after it. */
  date: string;
  because: () => string;
  rule: RuleId | null;
}

/**
 * The facts as they stood on `date`: work and managed services as of that day; every other fact as
 * at asOf, so a guard reading any fact sees it here too (a guard reading a fact that is dated
 * needs that fact placed on its dates here, and change points for it below).
 */
function factsOn(facts: PairFacts, date: CalendarDate, workSoFar: WorkSoFar): PairFacts {
  const ms = facts.managedServices;
  return {
    ...facts,
    eligibleWork: workSoFar(date),
    managedServices:
      ms === undefined || ms.startedOn > date
        ? undefined
        : ms.endedOn !== undefined && ms.endedOn > date
          ? { startedOn: ms.startedOn, offering: ms.offering }
          : ms,
  };
}

/** The eligible work dated on or before a change point; asked with change points in ascending order. */
type WorkSoFar = (date: string) => readonly EligibleWork[];

/**
 * Work in date order (as the fold appends it) grows one list as the change points advance: linear
 * over the history instead of a filter of all work at every change point. Work out of date order
 * (not produced by the fold) is filtered at each point, as before.
 */
function workSoFar(work: readonly EligibleWork[]): WorkSoFar {
  for (let i = 1; i < work.length; i++)
    if (work[i]!.date < work[i - 1]!.date) return (date) => work.filter((w) => w.date <= date);
  const grown: EligibleWork[] = [];
  return (date) => {
    while (grown.length < work.length && work[grown.length]!.date <= date) grown.push(work[grown.length]!);
    return grown.length === work.length ? work : grown;
  };
}

/** Eligibility periods from the first event to `asOf`, each saying why it began and why it ended. */
export function eligibilityHistory(
  facts: PairFacts,
  workload: string,
  asOf: CalendarDate,
): EligibilityPeriod[] {
  const firstSeenOn = facts.firstSeenOn;
  if (firstSeenOn === undefined || firstSeenOn > asOf) return [];
  // A rule set coming into force may judge the same facts otherwise (its values, its guards).
  const yearsBegun = RULE_SETS.filter(
    (s) => s.incentiveYear.value.start > firstSeenOn && s.incentiveYear.value.start <= asOf,
  );
  // Without eligible work, managed services or a new rule set nothing ever changed: one period.
  if (facts.eligibleWork.length === 0 && facts.managedServices === undefined && yearsBegun.length === 0) {
    const eligibility = ELIGIBILITY[decideEligibility(facts, { type: "verdict.requested", asOf, workload })]!;
    const from = firstSeenOn;
    return [
      {
        eligibility,
        from,
        began: { because: "first event recorded", rule: null },
        message: `${eligibility} from ${from}: first event recorded`,
      },
    ];
  }
  // A change point's key is a date, or `date+` for "the day after date" (when work ages out, TIM-1):
  // the suffix sorts it right after that day and compares as such in the guards, so no day arithmetic
  // is done for points that change nothing.
  const recency = ruleSetOn(asOf).engagementRecencyMonths.value;
  const changes: Change[] = [{ date: firstSeenOn, because: () => "first event recorded", rule: null }];
  for (const w of facts.eligibleWork) {
    const what = w.kind === "deployment" ? "deployment work" : "substantial adoption work";
    changes.push({ date: w.date, because: () => `${what} on ${w.date}`, rule: w.rule });
    changes.push({
      date: `${addMonths(w.lastDay, recency)}+`,
      because: () => `${what} through ${w.lastDay} aged out`,
      rule: "TIM-1",
    });
  }
  for (const set of yearsBegun)
    changes.push({
      date: set.incentiveYear.value.start,
      because: () => `the ${set.programYear} rules came into force`,
      rule: set.incentiveYear.rule,
    });
  const ms = facts.managedServices;
  if (ms) {
    const offering = `managed services (${offeringWord(ms.offering)})`;
    changes.push({ date: ms.startedOn, because: () => `${offering} started`, rule: "ACT-6" });
    if (ms.endedOn)
      changes.push({
        date: `${addMonths(ms.endedOn, recency)}+`,
        because: () => `${offering} ended ${ms.endedOn} and aged out`,
        rule: "TIM-1",
      });
  }
  changes.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const periods: EligibilityPeriod[] = [];
  const workOn = workSoFar(facts.eligibleWork);
  for (let i = 0; i < changes.length; ) {
    const key = changes[i]!.date;
    if (key > asOf) break;
    let j = i;
    while (j < changes.length && changes[j]!.date === key) j++;
    const causes = changes.slice(i, j);
    i = j;
    const eligibility =
      ELIGIBILITY[
        decideEligibility(factsOn(facts, key, workOn), { type: "verdict.requested", asOf: key, workload })
      ]!;
    const current = periods[periods.length - 1];
    if (current?.eligibility === eligibility) continue;
    const dayAfter = key.endsWith("+");
    const from = dayAfter ? addDays(key.slice(0, 10), 1) : key;
    // The cause that explains the new eligibility: work starting for an eligible period, aging out otherwise.
    const cause =
      causes.find((c) => (eligibility === "not-claimable" ? c.rule === "TIM-1" : c.rule !== "TIM-1")) ??
      causes[0]!;
    if (current) {
      current.until = dayAfter ? key.slice(0, 10) : addDays(key, -1);
      current.ended = { because: cause.because(), rule: cause.rule };
    }
    const began = { because: causes.map((c) => c.because()).join("; "), rule: cause.rule };
    // Recognition held by managed services that started earlier: say they are what still counts.
    if (eligibility === "usage-recognition" && ms && ms.startedOn < from && cause.rule === "TIM-1") {
      began.because += `; managed services (${offeringWord(ms.offering)}) since ${ms.startedOn} still count`;
      began.rule = "ACT-6";
    }
    periods.push({ eligibility, from, began, message: "" });
  }
  for (const p of periods) {
    const why = p.ended ?? p.began;
    p.message =
      `${p.eligibility} from ${p.from}${p.until ? ` until ${p.until}` : ""}: ` +
      `${p.ended ? "ended when " : ""}${why.because}${why.rule ? ` (${why.rule})` : ""}`;
  }
  return periods;
}

/** The reviewer's answers to a (re)submission (CLM-2). */
export const REVIEWER_STEPS = ["info-requested", "approved", "rejected"] as const;
type ReviewerStep = (typeof REVIEWER_STEPS)[number];

export interface ClaimRound {
  round: number;
  /** The day the partner (re)submitted: `submittedOn`, or the resubmission's date. */
  submittedOn: CalendarDate;
  comment?: string;
  /** What the reviewer answered, and the days the reviewer took since the submission. */
  reviewer?: {
    step: ReviewerStep;
    on: CalendarDate;
    days: number;
    comment?: string;
    respondBy?: CalendarDate;
  };
}

export interface ClaimReview {
  claimId: string;
  rounds: ClaimRound[];
  /** Days the reviewer took in total, and days the partner took answering requests. */
  reviewerDays: number;
  partnerDays: number;
  rejection?: { on: CalendarDate; reason: string; source: string; id: string };
  ending?: { step: "declined" | "disassociated"; on: CalendarDate; reason?: string };
  message: string;
}

/** The rounds of the current claim: each submission and what the reviewer asked or decided (CLM-2). */
export function claimReview(facts: PairFacts): ClaimReview | undefined {
  const claimId = facts.claim?.claimId;
  if (claimId === undefined) return undefined;
  const log = facts.claimLog.filter((e) => e.claimId === claimId);
  const rounds: ClaimRound[] = [];
  let reviewerDays = 0;
  let partnerDays = 0;
  let review: ClaimReview["rejection"];
  let ending: ClaimReview["ending"];
  let lastReviewerOn: CalendarDate | undefined;
  for (const e of log) {
    const open = rounds[rounds.length - 1];
    if (e.step === "submitted" || e.step === "resubmitted") {
      if (open && open.reviewer === undefined && e.step === "resubmitted") continue;
      if (e.step === "resubmitted" && lastReviewerOn !== undefined)
        partnerDays += Math.max(0, daysBetween(lastReviewerOn, e.on));
      rounds.push({ round: rounds.length + 1, submittedOn: e.on, ...(e.text ? { comment: e.text } : {}) });
      review = undefined;
    } else if (e.step === "info-requested" || e.step === "approved" || e.step === "rejected") {
      if (!open || open.reviewer) continue;
      const days = Math.max(0, daysBetween(open.submittedOn, e.on));
      reviewerDays += days;
      lastReviewerOn = e.on;
      open.reviewer = reviewerStep(e, days);
      if (e.step === "rejected") review = { on: e.on, reason: e.text ?? "", source: e.source, id: e.id };
      if (e.step === "approved") review = undefined;
    } else {
      ending = { step: e.step, on: e.on, ...(e.text ? { reason: e.text } : {}) };
    }
  }
  const requests = rounds.filter((r) => r.reviewer?.step === "info-requested").length;
  const message =
    `Claim ${claimId}: ${rounds.length} round${rounds.length === 1 ? "" : "s"}, ${requests} request${requests === 1 ? "" : "s"} ` +
    `for more information; the reviewer took ${reviewerDays} days and the partner ${partnerDays} days in total` +
    (review ? `; rejected on ${review.on}: ${review.reason}` : "") +
    (ending ? `; ${ending.step} on ${ending.on}${ending.reason ? `: ${ending.reason}` : ""}` : "") +
    ".";
  return {
    claimId,
    rounds,
    reviewerDays,
    partnerDays,
    ...(review ? { rejection: review } : {}),
    ...(ending ? { ending } : {}),
    message,
  };
}

function reviewerStep(e: ClaimLogEntry, days: number): NonNullable<ClaimRound["reviewer"]> {
  return {
    step: e.step as ReviewerStep,
    on: e.on,
    days,
    ...(e.text ? { comment: e.text } : {}),
    ...(e.respondBy ? { respondBy: e.respondBy } : {}),
  };
}
