import { addDays, addMonths, type CalendarDate } from "./dates.ts";
import type { PairFacts } from "./facts.ts";
import { predictPayableUsage } from "./payable-usage.ts";
import type { Eligibility } from "./reasons.ts";
import { programYearOf, RULE_SETS, type RuleId, ruleSetOn } from "./rules/index.ts";
import { monthEnd } from "./usage.ts";
import { plural, segmentWord } from "./verdict-text.ts";

// Advice the rules make knowable beyond claimable / not: a claim type that does not fit the workload,
// the high-water mark rising while the pair stays unclaimed, what an approved pair gives the Security
// designation and until when, and what Partner Center should pay for GCC and education tenants.

export const ADVICE_CODES = [
  "claim-type-mismatch",
  "high-water-mark-rising",
  "designation-contribution",
  "payable-usage",
] as const;

export interface Advice {
  code: (typeof ADVICE_CODES)[number];
  rule: RuleId;
  /** Further rules the advice rests on. */
  rules: RuleId[];
  message: string;
  facts: Record<string, unknown>;
}

export interface AdviceInput {
  readonly facts: PairFacts;
  readonly workload: string;
  readonly eligibility: Eligibility;
  readonly status: string;
  readonly asOf: CalendarDate;
}

export function adviceFor(input: AdviceInput): Advice[] {
  const out: Advice[] = [];
  const mismatch = claimTypeMismatch(input);
  if (mismatch) out.push(mismatch);
  const hwm = highWaterMarkRising(input);
  if (hwm) out.push(hwm);
  const designation = designationContribution(input);
  if (designation) out.push(designation);
  const payable = payableUsage(input);
  if (payable) out.push(payable);
  return out;
}

const LIVE = new Set(["submitted", "info-requested", "resubmitted", "approved", "rejected"]);

/** CLM-3 / WKL-2 / ACT-6: the claim's type against what the pair can earn. */
function claimTypeMismatch({ facts, workload, eligibility, status, asOf }: AdviceInput): Advice | undefined {
  const claim = facts.claim;
  if (!claim?.claimType || !LIVE.has(status)) return undefined;
  const rules = ruleSetOn(asOf);
  const usageOnly = rules.workloads.usageOnly.value.includes(workload);
  const judged = { claimId: claim.claimId, claimType: claim.claimType, eligibility, workload };
  const mismatch = (rule: RuleId, message: string): Advice => ({
    code: "claim-type-mismatch",
    rule: "CLM-3",
    rules: [rule],
    message,
    facts: judged,
  });
  if (claim.claimType === "usage-incentive" && usageOnly)
    return mismatch(
      "WKL-2",
      `Claim ${claim.claimId} asks for the usage incentive, but ${workload} is a usage-only workload (WKL-2): ` +
        `it earns recognition toward designations, never a payment. Claim it as usage-recognition (CLM-3) so ` +
        `the reviewer does not reject it for the type.`,
    );
  if (claim.claimType === "usage-incentive" && eligibility === "usage-recognition")
    return mismatch(
      "ACT-6",
      `Claim ${claim.claimId} asks for the usage incentive, but only managed services are recorded, which earn ` +
        `recognition, not payment (ACT-6). Claim it as usage-recognition (CLM-3), or record the deployment or ` +
        `hands-on adoption work that makes it incentive-eligible.`,
    );
  if (claim.claimType === "usage-recognition" && eligibility === "usage-incentive")
    return mismatch(
      "WKL-1",
      `Claim ${claim.claimId} asks for recognition only, but the pair is eligible for the usage incentive ` +
        `(paid). A usage-incentive claim (CLM-3) earns the payment and counts toward designations as well (CLM-4).`,
    );
  return undefined;
}

/** TIM-3 / HWM-2: after claim-early passes, every unclaimed month can raise the starting high-water mark. */
function highWaterMarkRising({ facts, eligibility, status, asOf }: AdviceInput): Advice | undefined {
  if (status !== "unclaimed" || eligibility !== "usage-incentive" || facts.eligibleWork.length === 0)
    return undefined;
  const first = facts.eligibleWork.reduce((a, w) => (w.date < a ? w.date : a), facts.eligibleWork[0]!.date);
  const closedOn = addDays(first, ruleSetOn(first).claimEarlyDays.value);
  if (closedOn >= asOf) return undefined;
  const months = Object.keys(facts.usage)
    .filter((m) => monthEnd(m) <= asOf)
    .sort();
  const latest = months[months.length - 1];
  const mark = months.reduce((a, m) => Math.max(a, facts.usage[m]!.mau), 0);
  const seen =
    latest === undefined
      ? "No usage is reported for this pair yet."
      : `The mark is now ${mark} MAU (latest: ${facts.usage[latest]!.mau} MAU in ${latest}).`;
  return {
    code: "high-water-mark-rising",
    rule: "HWM-2",
    rules: ["TIM-3"],
    message:
      `The claim-early window closed on ${closedOn} (TIM-3) and the pair is still unclaimed. Until a claim is ` +
      `approved, every month's MAU can raise the starting high-water mark, and only usage above it after ` +
      `approval earns (HWM-2). ${seen} Claim as soon as the POE is ready.`,
    facts: {
      claimEarlyClosedOn: closedOn,
      ...(latest !== undefined
        ? { latestMonth: latest, latestMau: facts.usage[latest]!.mau, startingHighWaterMark: mark }
        : { startingHighWaterMark: null }),
    },
  };
}

/** DES-2..DES-6: what an approved pair contributes to the Security designation, and until when. */
function designationContribution({ facts, workload, status, asOf }: AdviceInput): Advice | undefined {
  const approvedOn = facts.claim?.approvedOn;
  if (status !== "approved" || approvedOn === undefined || approvedOn > asOf) return undefined;
  const d = ruleSetOn(approvedOn).designation;
  if (!d.securityWorkloads.value.includes(workload)) return undefined;
  const lifetime = (on: CalendarDate) =>
    addMonths(on, ruleSetOn(on).designation.contributionLifetimeMonths.value);
  const now = ruleSetOn(asOf).designation;
  const parts: {
    metric: string;
    rule: RuleId;
    points: number;
    earnedOn: CalendarDate;
    countsUntil: CalendarDate;
    note?: string;
  }[] = [];
  if (lifetime(approvedOn) > asOf)
    parts.push({
      metric: "netCustomerAdds",
      rule: now.netCustomerAdds.rule,
      points: now.netCustomerAdds.value.pointsPerTenant,
      earnedOn: approvedOn,
      countsUntil: lifetime(approvedOn),
      note: "if it is the tenant's first approved security pair",
    });
  const completedOn = facts.completedOn;
  if (completedOn !== undefined && completedOn <= asOf && lifetime(completedOn) > asOf)
    parts.push({
      metric: "deployments",
      rule: now.deployments.rule,
      points: now.deployments.value.pointsPerPair,
      earnedOn: completedOn,
      countsUntil: lifetime(completedOn),
    });
  const months = Object.keys(facts.usage)
    .filter((m) => monthEnd(m) <= asOf)
    .sort();
  const latest = months[months.length - 1];
  if (latest !== undefined && lifetime(monthEnd(latest)) > asOf) {
    const yearBefore = addMonths(`${latest}-01`, -now.contributionLifetimeMonths.value).slice(0, 7);
    const growth = facts.usage[latest]!.mau - (facts.usage[yearBefore]?.mau ?? 0);
    const points = Math.max(0, Math.floor(growth / now.usageGrowth.value.mauPerPoint));
    if (points > 0)
      parts.push({
        metric: "usageGrowth",
        rule: now.usageGrowth.rule,
        points,
        earnedOn: monthEnd(latest),
        countsUntil: lifetime(monthEnd(latest)),
        note: "until a later month's usage replaces it",
      });
  }
  const lastUntil = parts.reduce((a, p) => (p.countsUntil > a ? p.countsUntil : a), "");
  const listed = parts.map(
    (p) =>
      `${p.points} point${p.points === 1 ? "" : "s"} for ${p.metric} (${p.rule}) until ${p.countsUntil}${p.note ? `, ${p.note}` : ""}`,
  );
  return {
    code: "designation-contribution",
    rule: "DES-6",
    rules: ["CLM-4", ...parts.map((p) => p.rule)],
    message:
      parts.length === 0
        ? `The approved claim no longer contributes to the Security designation score: each contribution expires ` +
          `${now.contributionLifetimeMonths.value} months after the date that earned it (DES-6). New deployments or ` +
          `usage growth would add points.`
        : `This approved pair contributes to the Security designation score: ${listed.join("; ")}. Each contribution ` +
          `expires ${now.contributionLifetimeMonths.value} months after the date that earned it (DES-6), so plan new ` +
          `claims or completions before ${lastUntil}. ` +
          `Points are before the metric caps.`,
    facts: { approvedOn, contributions: parts, countsUntil: lastUntil || null },
  };
}

/** SEG-2 / HWM-2: what the rules predict Partner Center pays for GCC and education tenants. */
function payableUsage({ facts, status, asOf }: AdviceInput): Advice | undefined {
  const tenant = facts.tenant;
  const claim = facts.claim;
  if (!tenant || (tenant.segment !== "government-gcc" && tenant.segment !== "education")) return undefined;
  if (claim?.approvedOn === undefined || claim.approvedOn > asOf || claim.claimType === "usage-recognition")
    return undefined;
  if (status !== "approved" && status !== "declined" && status !== "disassociated") return undefined;
  const prediction = predictPayableUsage({
    segment: tenant.segment,
    ...(tenant.paidSeats !== undefined ? { paidSeats: tenant.paidSeats } : {}),
    approvedOn: claim.approvedOn,
    ...(claim.endedOn !== undefined && claim.endedOn <= asOf ? { endedOn: claim.endedOn } : {}),
    usage: facts.usage,
    asOf,
  });
  const counting = prediction.months.filter((m) => m.counts);
  if (prediction.months.length === 0) return undefined;
  const last = counting[counting.length - 1];
  const education = tenant.segment === "education";
  return {
    code: "payable-usage",
    rule: education ? "SEG-2" : "HWM-2",
    rules: education ? ["HWM-2", "SEG-1"] : ["SEG-1"],
    message:
      `${segmentWord(tenant.segment)} tenants are included in the incentive (SEG-1). By the rules, Partner Center ` +
      `should pay on ${plural(prediction.payableUnitsTotal, "unit")} over ${plural(counting.length, "month")} since the approval on ` +
      `${claim.approvedOn}` +
      (last
        ? ` (latest ${last.month}: ${last.payableUnits} = ${last.basis} above the high-water mark of ${last.priorHighWaterMark})`
        : "") +
      (education
        ? "; education counts paid seats only, since free student licences raise the mark (SEG-2)"
        : "") +
      `. Compare this with your earnings report; if it shows nothing for this tenant, raise it with these figures.`,
    facts: {
      approvedOn: claim.approvedOn,
      startingHighWaterMark: prediction.startingHighWaterMark,
      payableUnitsTotal: prediction.payableUnitsTotal,
      months: prediction.months,
      ...(education && tenant.paidSeats !== undefined ? { paidSeats: tenant.paidSeats } : {}),
    },
  };
}

/** When the verdict's rule set was carried forward from an earlier year (RULES.md: until a newer guide is loaded). */
export interface RulesCarriedOver {
  programYear: string;
  ruleSet: string;
  valuesFrom: string;
  message: string;
}

export function rulesCarriedOver(asOf: CalendarDate): RulesCarriedOver | undefined {
  const year = programYearOf(asOf).name;
  const set = ruleSetOn(asOf);
  const valuesFrom = set.carriesValuesOf ?? set.programYear;
  if (year === set.programYear && set.carriesValuesOf === undefined) return undefined;
  const newest = RULE_SETS[RULE_SETS.length - 1]!.programYear;
  return {
    programYear: year,
    ruleSet: set.programYear,
    valuesFrom,
    message:
      `This ${year} verdict is judged with ${valuesFrom}'s rule values, carried forward because no ${year} guide ` +
      `is loaded (newest loaded: ${newest}). Check the current partner incentives guide: workloads, thresholds ` +
      `and POE requirements change each program year.`,
  };
}
