import { addDays, addMonths, type CalendarDate } from "./dates.ts";
import type { EligibleWork, LightweightWork, PairFacts } from "./facts.ts";
import type { EligibilityGuard } from "./guards.ts";
import { RULE_SETS, type RuleId, ruleSetOn } from "./rules/index.ts";
import type { ELIGIBILITIES } from "./value-sets.ts";
import { adoptionKind, joinAnd, offeringWord, plural, segmentWord } from "./verdict-text.ts";
import { recentWork } from "./work-recency.ts";

// Why a pair is (or is not) claimable: STATE.md's reason codes, each with a message saying what was
// seen, what the rule needs and what to do, and the facts it was judged on.

export { ELIGIBILITIES } from "./value-sets.ts";
export type Eligibility = (typeof ELIGIBILITIES)[number];

export interface Reason {
  code: string;
  rule: RuleId | null;
  message: string;
  facts: Record<string, unknown>;
}

const reason = (
  code: string,
  rule: RuleId | null,
  message: string,
  facts: Record<string, unknown>,
): Reason => ({
  code,
  rule,
  message,
  facts,
});

/** The program year a workload first appears as retired in the loaded rule sets (WKL-3's "left in"). */
export function retiredIn(workload: string): string | undefined {
  return RULE_SETS.find((s) => s.workloads.retired.value.includes(workload))?.programYear;
}

const lastOf = (work: readonly EligibleWork[], kind?: string) =>
  work
    .filter((w) => kind === undefined || w.kind === kind)
    .reduce((a, w) => (w.lastDay > a ? w.lastDay : a), "");

/** The first day eligible work that ended on `lastDay` no longer counts (TIM-1, measured forward). */
export const agedOutOn = (lastDay: CalendarDate, asOf: CalendarDate) =>
  addDays(addMonths(lastDay, ruleSetOn(asOf).engagementRecencyMonths.value), 1);

/**
 * The reasons for the verdict, said by the eligibility guard that decided it (domain/guards.ts), or
 * by what little work there is when none did. A guard added there without its reasons here fails
 * typecheck (see `noReasonsFor`).
 */
export function reasonsFor(
  facts: PairFacts,
  workload: string,
  asOf: CalendarDate,
  decidedBy: EligibilityGuard | "none",
): Reason[] {
  const rules = ruleSetOn(asOf);
  const months = rules.engagementRecencyMonths.value;
  if (decidedBy === "excludedSegment") {
    const segment = facts.tenant?.segment ?? "";
    return [
      reason(
        "excluded-segment",
        "SEG-1",
        `${facts.tenant?.customerName ?? "This customer"} is a ${segmentWord(segment)} tenant. SEG-1: GCC High and ` +
          `DoD tenants are excluded because Microsoft has no usage telemetry from those clouds, so no claim can be ` +
          `paid or recognised. Nothing to do; if the segment is wrong, send a corrected tenant profile.`,
        { segment, customerName: facts.tenant?.customerName ?? null },
      ),
    ];
  }
  if (decidedBy === "retiredWorkload") {
    const year = retiredIn(workload) ?? rules.programYear;
    return [
      reason(
        "retired-workload",
        "WKL-3",
        `${workload} left the usage incentive in ${year} (WKL-3), so it cannot be claimed whatever work was ` +
          `done. Claim the security workloads you deliver for this customer instead.`,
        { workload, retiredIn: year },
      ),
    ];
  }
  const recent = recentWork(facts, asOf);
  const workReasons: Reason[] = [];
  const deployments = recent.filter((w) => w.kind === "deployment");
  if (deployments.length > 0) {
    const last = lastOf(deployments);
    const first = deployments[0]!;
    workReasons.push(
      reason(
        "deployment-activity",
        "ACT-1",
        `Deployment work ${first.date === last ? `on ${last}` : `from ${first.date} through ${last}`} is within the past ${months} months (TIM-1), which ` +
          `makes the pair eligible; remote delivery counts the same as on-site (ACT-2). It stays eligible ` +
          `until ${addMonths(last, months)} unless more work is recorded.`,
        {
          firstOn: first.date,
          lastDay: last,
          eligibleUntil: addMonths(last, months),
          events: deployments.map((w) => ({ source: w.source, id: w.id, date: w.date })),
        },
      ),
    );
  }
  const adoptions = recent.filter((w) => w.kind === "adoption");
  if (adoptions.length > 0) {
    const a = adoptions[0]!;
    const last = lastOf(adoptions);
    workReasons.push(
      reason(
        "adoption-activity",
        a.rule,
        `Substantial hands-on adoption work on ${a.date}${adoptions.length > 1 ? ` (last on ${last})` : ""} is ` +
          `within the past ${months} months, which makes the pair eligible (${a.rule}). It stays eligible until ` +
          `${addMonths(last, months)} unless more work is recorded.`,
        {
          firstOn: a.date,
          lastDay: last,
          eligibleUntil: addMonths(last, months),
          events: adoptions.map((w) => ({ source: w.source, id: w.id, date: w.date })),
        },
      ),
    );
  }
  if (decidedBy === "recentWorkOnUsageOnlyWorkload") {
    return [
      reason(
        "usage-only-workload",
        "WKL-2",
        `${workload} is a usage-only workload (WKL-2): it earns recognition toward designations, not an ` +
          `incentive payment. Claim it as usage-recognition (CLM-3).`,
        { workload, claimType: "usage-recognition" },
      ),
      ...workReasons,
    ];
  }
  if (decidedBy === "recentWork") return workReasons;
  if (decidedBy === "managedServices") {
    const ms = facts.managedServices!;
    return [
      reason(
        "managed-services-only",
        "ACT-6",
        `Managed services (${offeringWord(ms.offering)}) since ${ms.startedOn}${ms.endedOn ? `, ended ${ms.endedOn}` : ""} ` +
          `can be claimed for recognition, not for the incentive payment (ACT-6): submit a usage-recognition ` +
          `claim; it counts toward designations. Deployment or substantial hands-on adoption work would make ` +
          `the pair incentive-eligible.`,
        {
          offering: ms.offering,
          startedOn: ms.startedOn,
          endedOn: ms.endedOn ?? null,
          claimType: "usage-recognition",
        },
      ),
    ];
  }
  if (decidedBy !== "none") return noReasonsFor(decidedBy);
  if (facts.eligibleWork.length > 0 || facts.managedServices) {
    const last = [lastOf(facts.eligibleWork), facts.managedServices?.endedOn ?? ""].reduce((a, d) =>
      d > a ? d : a,
    );
    return [
      reason(
        "engagement-stale",
        "TIM-1",
        `The last eligible work ended on ${last}; it stopped counting on ${agedOutOn(last, asOf)}, ${months} ` +
          `months later (TIM-1 needs work within the past ${months} months or under way now). New deployment ` +
          `or substantial hands-on adoption work would make the pair claimable again.`,
        { lastDay: last, agedOutOn: agedOutOn(last, asOf), recencyMonths: months },
      ),
    ];
  }
  const out: Reason[] = [];
  if (facts.presales > 0) {
    const seen = facts.presalesSeen;
    out.push(
      reason(
        "presales-only",
        "ACT-7",
        `Only presales work (${joinAnd(seen?.programs ?? [])}, ${plural(facts.presales, "event")}, last on ${seen?.last}) ` +
          `so far. ACT-7: presales does not qualify by itself, even a paid milestone; it does once post-sales ` +
          `deployment or hands-on adoption work follows with this customer and workload. Record that work ` +
          `when it starts, then claim.`,
        {
          presalesEvents: facts.presales,
          programs: seen?.programs ?? [],
          firstOn: seen?.first,
          lastOn: seen?.last,
        },
      ),
    );
  }
  if (facts.lightweightGuidance > 0) out.push(lightweightReason(facts, asOf));
  if (facts.supportCases > 0)
    out.push(
      reason(
        "support-only",
        "ACT-5",
        `Only customer support so far (${plural(facts.supportCases, "case")}, last on ${facts.lastSupportOn}). ` +
          `ACT-5: end-user and technical support are not eligible. Deployment or substantial hands-on adoption ` +
          `work would be.`,
        { supportCases: facts.supportCases, lastOn: facts.lastSupportOn },
      ),
    );
  if (out.length === 0)
    out.push(
      reason(
        "no-activity",
        null,
        "Nothing but profile or paperwork events yet. Record the deployment or adoption work when it starts.",
        { firstSeenOn: facts.firstSeenOn ?? null },
      ),
    );
  return out;
}

/** Reached only by a guard the branches above do not explain: `never` makes that a type error. */
function noReasonsFor(guard: never): never {
  throw new Error(`no reasons written for the eligibility guard ${String(guard)}`);
}

/** ACT-3's tests in words, with the thresholds of the rule set in force on the activity's date. */
function failedTests(w: LightweightWork): string[] {
  const t = ruleSetOn(w.date).substantialAdoption.value;
  return w.failed.map((f) =>
    f === "not-hands-on"
      ? "not hands-on"
      : f === "too-short"
        ? `fewer than ${t.minDays} days (${w.days ?? 0}) and fewer than ${t.minMeetings} meetings (${w.meetings ?? 0})`
        : `${w.minutes} minutes of guidance, not hands-on work`,
  );
}

function lightweightReason(facts: PairFacts, asOf: CalendarDate): Reason {
  const t = ruleSetOn(asOf).substantialAdoption;
  const seen = facts.lightweight.map(
    (w) => `${adoptionKind(w.kind)} on ${w.date}: ${joinAnd(failedTests(w))}`,
  );
  const more = facts.lightweightGuidance - facts.lightweight.length;
  return reason(
    "lightweight-guidance-only",
    "ACT-4",
    `Only lightweight guidance so far (${seen.join("; ")}${more > 0 ? `; ${more} earlier` : ""}). ` +
      `ACT-3/ACT-8: adoption or FastTrack work counts when it is hands-on and runs at least ` +
      `${t.value.minDays} days or ${t.value.minMeetings} meetings; a short generic call is lightweight ` +
      `support (ACT-4). Record hands-on work with the customer's admins over at least ${t.value.minDays} days ` +
      `or ${t.value.minMeetings} meetings (remote is fine, ACT-2), then claim.`,
    {
      count: facts.lightweightGuidance,
      thresholds: {
        handsOn: t.value.handsOn,
        minDays: t.value.minDays,
        minMeetings: t.value.minMeetings,
        rule: t.rule,
      },
      activities: facts.lightweight.map((w) => ({
        kind: w.kind,
        date: w.date,
        failed: w.failed,
        ...(w.handsOn !== undefined ? { handsOn: w.handsOn } : {}),
        ...(w.days !== undefined ? { days: w.days } : {}),
        ...(w.meetings !== undefined ? { meetings: w.meetings } : {}),
        ...(w.minutes !== undefined ? { minutes: w.minutes } : {}),
        event: { source: w.source, id: w.id },
      })),
    },
  );
}
