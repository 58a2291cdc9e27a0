// The Solutions Partner for Security score at a date (DES-1..6), from ledger entries alone: the read
// side of domain/designation.ts.
import { addMonths, type CalendarDate } from "./dates.ts";
import { type LedgerEntry, METRICS, type Metric, type RuleSetOn } from "./designation-ledger.ts";
import { type RuleId, ruleSetOn as ruleSetInForce } from "./rules/index.ts";

// ---------------------------------------------------------------------------------------------
// Read side: score at a date

export interface Contribution {
  readonly contributor: string;
  /** Points this contribution adds to the metric (after the cap; negative for a lost tenant). */
  readonly points: number;
  readonly earnedOn: CalendarDate;
  readonly expiresOn: CalendarDate;
  /** The day it stops counting: min(expiresOn, endsOn). */
  readonly countsUntil: CalendarDate;
  readonly value: number;
  readonly countsFrom?: CalendarDate;
  readonly via?: string;
  /** Points the cap cut from this contribution (when it counts only partly). */
  readonly cutByCap?: number;
}
export interface NotCounted {
  readonly contributor: string;
  /** What it would be worth without the reason. */
  readonly points: number;
  readonly earnedOn: CalendarDate;
  readonly expiresOn: CalendarDate;
  readonly reason: "cap" | "superseded" | "below-one-point";
}
export interface MetricScore {
  readonly points: number;
  readonly max: number;
  readonly rule: RuleId;
  readonly contributions: readonly Contribution[];
  readonly notCounted: readonly NotCounted[];
}
export interface DesignationScore {
  readonly asOf: CalendarDate;
  readonly ruleSet: string;
  readonly total: number;
  readonly minimumScore: number;
  /** total >= minimumScore and every metric above zero (DES-1). */
  readonly met: boolean;
  readonly metrics: Readonly<Record<Metric, MetricScore>>;
  readonly rules: readonly RuleId[];
}

/** Rounds away binary noise (3.3 × 3). */
export const tidy = (x: number) => Math.round(x * 1e9) / 1e9;

/** Whether an entry counts on a date (DES-6 and the write side's countsFrom/endsOn). */
export function isActiveOn(entry: LedgerEntry, date: CalendarDate): boolean {
  return countsFromOf(entry) <= date && date < countsUntilOf(entry);
}

/** The day an entry stops counting: min(expiresOn, endsOn). */
export const countsUntilOf = (e: LedgerEntry): CalendarDate =>
  e.endsOn !== undefined && e.endsOn < e.expiresOn ? e.endsOn : e.expiresOn;

/** The day an entry starts counting: max(earnedOn, countsFrom). */
export const countsFromOf = (e: LedgerEntry): CalendarDate =>
  e.countsFrom !== undefined && e.countsFrom > e.earnedOn ? e.countsFrom : e.earnedOn;

/**
 * An entry's nominal points before caps (DES-2..5). Points per tenant/pair/person are read at the date
 * asked; DES-4's "1 point per mauPerPoint MAU, rounded down" is applied where the growth is earned, with
 * the rule set in force at earnedOn (like its expiry, DES-6): a usage entry's points are then fixed, so
 * the read model can add them up. Every program year so far carries the same mauPerPoint.
 */
export function nominalPoints(e: LedgerEntry, asOf: CalendarDate, rules: RuleSetOn = ruleSetInForce): number {
  switch (e.metric) {
    case "netCustomerAdds":
      return e.value * rules(asOf).designation.netCustomerAdds.value.pointsPerTenant;
    case "deployments":
      return e.value * rules(asOf).designation.deployments.value.pointsPerPair;
    case "usageGrowth":
      return usagePoints(e, rules);
    case "skilling":
      return e.value * rules(asOf).designation.skilling.value.pointsPerPerson;
  }
}

/** DES-4 points of a usage entry: floored with the rule set in force at earnedOn, never negative. */
export const usagePoints = (e: LedgerEntry, rules: RuleSetOn = ruleSetInForce): number =>
  Math.max(0, Math.floor(e.value / rules(e.earnedOn).designation.usageGrowth.value.mauPerPoint));

/** The score at any date: only the entries active then, valued by the rule set in force then. */
export function designationScore(
  entries: readonly LedgerEntry[],
  asOf: CalendarDate,
  rules: RuleSetOn = ruleSetInForce,
): DesignationScore {
  const d = rules(asOf).designation;
  const nca = d.netCustomerAdds;
  const dep = d.deployments;
  const use = d.usageGrowth;
  const ski = d.skilling;
  const active = entries.filter((e) => isActiveOn(e, asOf));
  const of = (m: Metric) => active.filter((e) => e.metric === m);
  const pointsOf = (e: LedgerEntry) => nominalPoints(e, asOf, rules);
  const metrics: Record<Metric, MetricScore> = {
    netCustomerAdds: metricScore(of("netCustomerAdds"), false, pointsOf, nca.value.max, nca.rule),
    deployments: metricScore(of("deployments"), true, pointsOf, dep.value.max, dep.rule),
    usageGrowth: metricScore(of("usageGrowth"), true, pointsOf, use.value.max, use.rule),
    skilling: metricScore(of("skilling"), true, pointsOf, ski.value.max, ski.rule),
  };
  const total = totalOf(metrics);
  const minimumScore = d.minimumScore.value;
  const met = isMet(metrics, total, minimumScore);
  return {
    asOf,
    ruleSet: rules(asOf).programYear,
    total,
    minimumScore,
    met,
    metrics,
    rules: [
      d.minimumScore.rule,
      "CLM-4",
      nca.rule,
      dep.rule,
      use.rule,
      ski.rule,
      d.contributionLifetimeMonths.rule,
    ],
  };
}

/** The sum of the metrics' points. */
export const totalOf = (metrics: Readonly<Record<Metric, { readonly points: number }>>): number =>
  tidy(METRICS.reduce((sum, m) => sum + metrics[m].points, 0));

/** DES-1: the minimum score reached and every metric above zero. */
export const isMet = (
  metrics: Readonly<Record<Metric, { readonly points: number }>>,
  total: number,
  minimumScore: number,
): boolean => total >= minimumScore && METRICS.every((m) => metrics[m].points > 0);

/** Latest first: the contribution that keeps counting longest is counted first under a cap. */
export function latestFirst(a: LedgerEntry, b: LedgerEntry): number {
  const ua = countsUntilOf(a);
  const ub = countsUntilOf(b);
  if (ua !== ub) return ua > ub ? -1 : 1;
  if (a.earnedOn !== b.earnedOn) return a.earnedOn > b.earnedOn ? -1 : 1;
  return a.contributor < b.contributor ? -1 : a.contributor > b.contributor ? 1 : 0;
}

function metricScore(
  active: readonly LedgerEntry[],
  oncePerContributor: boolean,
  pointsOf: (entry: LedgerEntry) => number,
  max: number,
  rule: RuleId,
): MetricScore {
  const notCounted: NotCounted[] = [];
  const skip = (e: LedgerEntry, points: number, reason: NotCounted["reason"]) =>
    notCounted.push({
      contributor: e.contributor,
      points,
      earnedOn: e.earnedOn,
      expiresOn: e.expiresOn,
      reason,
    });
  let candidates = [...active].sort(latestFirst);
  if (oncePerContributor) {
    // The write side supersedes; should two entries of one contributor still overlap, the latest counts.
    const seen = new Set<string>();
    candidates = candidates.filter((e) => {
      if (!seen.has(e.contributor)) return seen.add(e.contributor);
      skip(e, pointsOf(e), "superseded");
      return false;
    });
  }
  const negative = candidates.filter((e) => pointsOf(e) < 0);
  let budget = tidy(max - negative.reduce((s, e) => s + pointsOf(e), 0));
  const contributions: Contribution[] = [];
  let sum = 0;
  for (const e of candidates) {
    const nominal = pointsOf(e);
    if (nominal === 0) {
      skip(e, 0, "below-one-point");
      continue;
    }
    const points = nominal < 0 ? nominal : tidy(Math.min(nominal, Math.max(0, budget)));
    if (nominal > 0) budget = tidy(budget - points);
    if (points === 0) {
      skip(e, nominal, "cap");
      continue;
    }
    sum += points;
    contributions.push({
      contributor: e.contributor,
      points,
      earnedOn: e.earnedOn,
      expiresOn: e.expiresOn,
      countsUntil: countsUntilOf(e),
      value: e.value,
      ...(e.countsFrom !== undefined ? { countsFrom: e.countsFrom } : {}),
      ...(e.via !== undefined ? { via: e.via } : {}),
      ...(points !== nominal ? { cutByCap: tidy(nominal - points) } : {}),
    });
  }
  return { points: tidy(Math.min(max, Math.max(0, sum))), max, rule, contributions, notCounted };
}

// ---------------------------------------------------------------------------------------------
// Monthly series

export interface DroppedContribution {
  readonly metric: Metric;
  readonly contributor: string;
  readonly points: number;
  readonly earnedOn: CalendarDate;
  /** expired (DES-6), ended (pair lost or superseded), or displaced by the cap. */
  readonly reason: "expired" | "ended" | "cap";
}
export interface SeriesPoint {
  readonly date: CalendarDate;
  readonly score: DesignationScore;
  /** Points counted at the previous point and not (or less) at this one. */
  readonly dropped: readonly DroppedContribution[];
}

/**
 * The score on the FIRST day of every month from `from` to `to` (both included when they are firsts;
 * otherwise the first firsts inside). A point on the 1st includes everything earned up to that day and
 * nothing that expired on or before it, so `dropped` names what fell off during the month before.
 */
export function designationSeries(
  entries: readonly LedgerEntry[],
  from: CalendarDate,
  to: CalendarDate,
  rules: RuleSetOn = ruleSetInForce,
): SeriesPoint[] {
  let date = from.endsWith("-01") ? from : addMonths(`${from.slice(0, 7)}-01`, 1);
  const out: SeriesPoint[] = [];
  let previous: DesignationScore | undefined;
  while (date <= to) {
    const score = designationScore(entries, date, rules);
    out.push({ date, score, dropped: previous ? droppedBetween(previous, score, entries, date) : [] });
    previous = score;
    date = addMonths(date, 1);
  }
  return out;
}

/** What counted at the previous point of a series and not (or less) at this one, and why. */
export function droppedBetween(
  before: Pick<DesignationScore, "metrics">,
  after: Pick<DesignationScore, "metrics">,
  entries: readonly LedgerEntry[],
  date: CalendarDate,
): DroppedContribution[] {
  const out: DroppedContribution[] = [];
  for (const metric of METRICS) {
    const now = new Map(
      after.metrics[metric].contributions.map((c) => [`${c.contributor}|${c.earnedOn}`, c.points]),
    );
    for (const c of before.metrics[metric].contributions) {
      const key = `${c.contributor}|${c.earnedOn}`;
      const kept = now.get(key) ?? 0;
      if (kept === c.points) continue;
      const entry = entries.find(
        (e) => e.metric === metric && e.contributor === c.contributor && e.earnedOn === c.earnedOn,
      );
      const reason = entry && isActiveOn(entry, date) ? "cap" : c.expiresOn <= date ? "expired" : "ended";
      out.push({
        metric,
        contributor: c.contributor,
        points: tidy(c.points - kept),
        earnedOn: c.earnedOn,
        reason,
      });
    }
  }
  return out;
}
