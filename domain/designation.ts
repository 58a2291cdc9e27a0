import { addMonths, type CalendarDate } from "./dates.ts";
import { byBusinessTime, type TimedEvent } from "./facts.ts";
import { type RuleId, type RuleSet, ruleSetOn as ruleSetInForce } from "./rules/index.ts";
import { monthEnd } from "./usage.ts";
import { isInert, markVoided } from "./voids.ts";

// Solutions Partner for Security score (RULES DES-1..6) as a LEDGER of dated contributions.
//
// Write side: `scoringEntriesOf` turns one tenant's pair streams (or the partner's certification
// stream) into small entries. Everything that needs history is settled there, once, from the whole
// stream: approval intervals, a tenant's first approval and its loss, the MAU of 12 months earlier,
// which later entry supersedes an earlier one. Each entry is therefore self-contained: it counts
// on a date D iff  max(earnedOn, countsFrom) <= D < min(expiresOn, endsOn).
// Read side: `designationScore` only filters the entries active at D and applies the points and caps
// of the rule set in force at D. The score at any date, past or future, needs only the entries
// earned in the lifetime before D (`ledgerShardsFor`), one document per partner and month.
//
// Decisions where RULES.md is silent:
// - Approved pair: from the claim's `approvedOn` to the business date of the `claim.declined` /
//   `claim.disassociated` naming that claim (exclusive). The workload must be a security workload of
//   the rule set in force on the approval day. Either claim type counts (CLM-4).
// - DES-2 is per TENANT: an "add" is the day its count of approved security pairs goes 0 -> 1, a
//   "loss" the day it goes 1 -> 0 (a loss of one pair while another stays approved is no loss). A
//   tenant lost and approved again is added again: net adds stay the number of customers gained.
//   Same-day start and end keep the tenant (no churn).
// - DES-3: an entry per `deployment.completed` (dated `completedOn`); a later completion of the same
//   pair supersedes the earlier one (`endsOn`), so a pair counts once, with its latest completion.
//   A completion before approval counts from the approval day (`countsFrom`).
// - DES-4 is computed PER PAIR, floored per pair, and a shrinking pair gives 0 (not negative): every
//   point then belongs to exactly one pair (traceable), one pair's decline does not erase another's
//   growth, "rounded down" is applied where the growth is earned, and only pairs that earned at
//   least a point need a ledger entry (compact). A usage month's MAU is a snapshot on the month's
//   last day (`earnedOn`); its value is MAU(month) − MAU(same month a year earlier, 0 if none); it
//   holds until the next reported month's snapshot (`endsOn`) or its expiry (DES-6). A snapshot
//   taken before approval counts from the approval day while it is the pair's latest.
// - DES-5: an entry per certification event in the rule set's list (judged on `earnedOn`); a
//   person's later certification supersedes the earlier one, so a person counts once.
// - Caps: negative contributions (losses) always count; positive ones count latest-expiring first
//   (they keep the score longest), the one at the boundary partially; the rest are listed as not
//   counted with reason "cap". Points are then clamped to 0..max.
// - Entries hold raw values (tenants, pairs, MAU, persons); points come from the rule set in force at
//   the date asked, expiry from the one in force when the entry was earned (DES-6).

export type Metric = "netCustomerAdds" | "deployments" | "usageGrowth" | "skilling";
export const METRICS: readonly Metric[] = ["netCustomerAdds", "deployments", "usageGrowth", "skilling"];

export type RuleSetOn = (date: CalendarDate) => RuleSet;

/** One dated contribution. Contributor: tenant id (DES-2), `tenantId|workload` (DES-3/4), person (DES-5). */
export interface LedgerEntry {
  readonly metric: Metric;
  readonly contributor: string;
  /** The date that earned it: approval/loss day, completedOn, usage month's last day, cert earnedOn. */
  readonly earnedOn: CalendarDate;
  /** earnedOn + contributionLifetimeMonths (DES-6), exclusive. */
  readonly expiresOn: CalendarDate;
  /** Raw quantity: +1 tenant added / −1 lost, 1 pair, MAU growth, 1 person. */
  readonly value: number;
  readonly rule: RuleId;
  /** Counts only from this day (pair approved after the date that earned it). */
  readonly countsFrom?: CalendarDate;
  /** Stops counting on this day, before expiry (pair lost, or superseded by a newer entry). */
  readonly endsOn?: CalendarDate;
  /** What earned it: the workload (DES-2), the certification (DES-5). */
  readonly via?: string;
}

export interface PairStream {
  readonly workload: string;
  /** The pair's events (any order, duplicates allowed); only claim, deployment and usage events are read. */
  readonly events: readonly TimedEvent[];
}
export type ScoringSource =
  | { readonly kind: "tenant"; readonly tenantId: string; readonly pairs: readonly PairStream[] }
  | { readonly kind: "partner"; readonly events: readonly TimedEvent[] };

// ---------------------------------------------------------------------------------------------
// Write side: entries

interface Interval {
  readonly start: CalendarDate;
  readonly end?: CalendarDate;
}

/** The entries a tenant's pairs, or the partner's certifications, contribute. Pure and order-free. */
export function scoringEntriesOf(source: ScoringSource, rules: RuleSetOn = ruleSetInForce): LedgerEntry[] {
  const entries =
    source.kind === "partner"
      ? certificationEntries(source.events, rules)
      : tenantEntries(source.tenantId, source.pairs, rules);
  return entries.sort(compareEntries);
}

const lifetimeEnd = (earnedOn: CalendarDate, rules: RuleSetOn) =>
  addMonths(earnedOn, rules(earnedOn).designation.contributionLifetimeMonths.value);

function tenantEntries(tenantId: string, pairs: readonly PairStream[], rules: RuleSetOn): LedgerEntry[] {
  const tenant = tenantId.toLowerCase();
  const out: LedgerEntry[] = [];
  const changes: { date: CalendarDate; delta: 1 | -1; workload: string }[] = [];
  for (const pair of pairs) {
    const events = ordered(pair.events);
    const approved = approvalIntervals(events).filter((i) =>
      rules(i.start).designation.securityWorkloads.value.includes(pair.workload),
    );
    if (approved.length === 0) continue;
    for (const i of approved) {
      changes.push({ date: i.start, delta: 1, workload: pair.workload });
      if (i.end !== undefined) changes.push({ date: i.end, delta: -1, workload: pair.workload });
    }
    const contributor = `${tenant}|${pair.workload}`;
    out.push(...deploymentEntries(contributor, events, approved, rules));
    out.push(...usageEntries(contributor, events, approved, rules));
  }
  // DES-2: sweep the tenant's approved security pairs; starts before ends on the same day.
  changes.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : b.delta - a.delta));
  let approvedPairs = 0;
  for (const c of changes) {
    const before = approvedPairs;
    approvedPairs += c.delta;
    if (before === 0 || approvedPairs === 0) {
      const rule = rules(c.date).designation.netCustomerAdds.rule;
      out.push({
        metric: "netCustomerAdds",
        contributor: tenant,
        earnedOn: c.date,
        expiresOn: lifetimeEnd(c.date, rules),
        value: c.delta,
        rule,
        via: c.workload,
      });
    }
  }
  return out;
}

/** One stream's events: distinct by (source, id), in business order, voids and voided events left out. */
function ordered(events: readonly TimedEvent[]): TimedEvent[] {
  const seen = new Map<string, TimedEvent>();
  for (const t of events) seen.set(`${t.event.source}\u0000${t.event.id}`, t);
  return markVoided([...seen.values()].sort(byBusinessTime)).filter((t) => !isInert(t.event));
}

/** Approved periods of a pair: `approvedOn` until the decline/disassociation of that claim (CLM-2). */
function approvalIntervals(events: readonly TimedEvent[]): Interval[] {
  const out: Interval[] = [];
  let open: { claimId: string; start: CalendarDate } | undefined;
  for (const t of events) {
    const e = t.event;
    if (e.type === "claim.approved" && open === undefined)
      open = { claimId: e.data.claimId, start: e.data.approvedOn };
    else if (
      (e.type === "claim.declined" || e.type === "claim.disassociated") &&
      open?.claimId === e.data.claimId
    ) {
      if (t.date > open.start) out.push({ start: open.start, end: t.date });
      open = undefined;
    }
  }
  if (open) out.push({ start: open.start });
  return out;
}

/**
 * Entries for a contribution earned on `earnedOn` and otherwise holding until `until` (exclusive),
 * clipped to the pair's approved periods: one entry per overlap.
 */
function clipped(
  base: Omit<LedgerEntry, "countsFrom" | "endsOn">,
  until: CalendarDate,
  approved: readonly Interval[],
): LedgerEntry[] {
  const out: LedgerEntry[] = [];
  for (const i of approved) {
    const from = i.start > base.earnedOn ? i.start : base.earnedOn;
    const to = i.end !== undefined && i.end < until ? i.end : until;
    if (from >= to) continue;
    out.push({
      ...base,
      ...(from > base.earnedOn ? { countsFrom: from } : {}),
      ...(to < base.expiresOn ? { endsOn: to } : {}),
    });
  }
  return out;
}

function deploymentEntries(
  contributor: string,
  events: readonly TimedEvent[],
  approved: readonly Interval[],
  rules: RuleSetOn,
): LedgerEntry[] {
  const dates = [
    ...new Set(
      events.flatMap((t) => (t.event.type === "deployment.completed" ? [t.event.data.completedOn] : [])),
    ),
  ].sort();
  return dates.flatMap((earnedOn, k) => {
    const expiresOn = lifetimeEnd(earnedOn, rules);
    const next = dates[k + 1];
    const until = next !== undefined && next < expiresOn ? next : expiresOn;
    const rule = rules(earnedOn).designation.deployments.rule;
    return clipped(
      { metric: "deployments", contributor, earnedOn, expiresOn, value: 1, rule },
      until,
      approved,
    );
  });
}

function usageEntries(
  contributor: string,
  events: readonly TimedEvent[],
  approved: readonly Interval[],
  rules: RuleSetOn,
): LedgerEntry[] {
  const mau = new Map<string, number>();
  for (const t of events)
    if (t.event.type === "usage.reported") mau.set(t.event.data.month, t.event.data.mau);
  const months = [...mau.keys()].sort();
  return months.flatMap((month, k) => {
    const earnedOn = monthEnd(month);
    const designation = rules(earnedOn).designation;
    const set = designation.usageGrowth;
    // "The MAU reported 12 months earlier": the trailing window is the contribution lifetime (DES-6).
    const window = designation.contributionLifetimeMonths.value;
    const yearBefore = addMonths(`${month}-01`, -window).slice(0, 7);
    const value = mau.get(month)! - (mau.get(yearBefore) ?? 0);
    if (Math.floor(value / set.value.mauPerPoint) < 1) return [];
    const expiresOn = lifetimeEnd(earnedOn, rules);
    const next = months[k + 1];
    const nextOn = next !== undefined ? monthEnd(next) : undefined;
    const until = nextOn !== undefined && nextOn < expiresOn ? nextOn : expiresOn;
    return clipped(
      { metric: "usageGrowth", contributor, earnedOn, expiresOn, value, rule: set.rule },
      until,
      approved,
    );
  });
}

function certificationEntries(events: readonly TimedEvent[], rules: RuleSetOn): LedgerEntry[] {
  const byPerson = new Map<string, { earnedOn: CalendarDate; certification: string }[]>();
  for (const t of ordered(events)) {
    if (t.event.type !== "skilling.certification.recorded") continue;
    const { person, certification, earnedOn } = t.event.data;
    if (!rules(earnedOn).designation.skilling.value.certifications.includes(certification)) continue;
    const list = byPerson.get(person) ?? [];
    list.push({ earnedOn, certification });
    byPerson.set(person, list);
  }
  const out: LedgerEntry[] = [];
  for (const [person, certs] of byPerson) {
    certs.sort((a, b) => (a.earnedOn < b.earnedOn ? -1 : a.earnedOn > b.earnedOn ? 1 : 0));
    certs.forEach((c, k) => {
      const expiresOn = lifetimeEnd(c.earnedOn, rules);
      const next = certs[k + 1]?.earnedOn;
      if (next === c.earnedOn) return; // same day twice: one entry
      const entry: LedgerEntry = {
        metric: "skilling",
        contributor: person,
        earnedOn: c.earnedOn,
        expiresOn,
        value: 1,
        rule: rules(c.earnedOn).designation.skilling.rule,
        via: c.certification,
      };
      out.push(next !== undefined && next < expiresOn ? { ...entry, endsOn: next } : entry);
    });
  }
  return out;
}

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

const tidy = (x: number) => Math.round(x * 1e9) / 1e9;

/** Whether an entry counts on a date (DES-6 and the write side's countsFrom/endsOn). */
export function isActiveOn(entry: LedgerEntry, date: CalendarDate): boolean {
  const from = entry.countsFrom ?? entry.earnedOn;
  const until = entry.endsOn !== undefined && entry.endsOn < entry.expiresOn ? entry.endsOn : entry.expiresOn;
  return from <= date && date < until;
}

const countsUntilOf = (e: LedgerEntry) =>
  e.endsOn !== undefined && e.endsOn < e.expiresOn ? e.endsOn : e.expiresOn;

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
  const metrics: Record<Metric, MetricScore> = {
    netCustomerAdds: metricScore(
      of("netCustomerAdds"),
      false,
      (v) => v * nca.value.pointsPerTenant,
      nca.value.max,
      nca.rule,
    ),
    deployments: metricScore(
      of("deployments"),
      true,
      (v) => v * dep.value.pointsPerPair,
      dep.value.max,
      dep.rule,
    ),
    usageGrowth: metricScore(
      of("usageGrowth"),
      true,
      (v) => Math.max(0, Math.floor(v / use.value.mauPerPoint)),
      use.value.max,
      use.rule,
    ),
    skilling: metricScore(
      of("skilling"),
      true,
      (v) => v * ski.value.pointsPerPerson,
      ski.value.max,
      ski.rule,
    ),
  };
  const total = tidy(METRICS.reduce((sum, m) => sum + metrics[m].points, 0));
  const minimumScore = d.minimumScore.value;
  const met = total >= minimumScore && METRICS.every((m) => metrics[m].points > 0);
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

/** Latest first: the contribution that keeps counting longest is counted first under a cap. */
function latestFirst(a: LedgerEntry, b: LedgerEntry): number {
  const ua = countsUntilOf(a);
  const ub = countsUntilOf(b);
  if (ua !== ub) return ua > ub ? -1 : 1;
  if (a.earnedOn !== b.earnedOn) return a.earnedOn > b.earnedOn ? -1 : 1;
  return a.contributor < b.contributor ? -1 : a.contributor > b.contributor ? 1 : 0;
}

function metricScore(
  active: readonly LedgerEntry[],
  oncePerContributor: boolean,
  pointsOf: (value: number) => number,
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
      skip(e, pointsOf(e.value), "superseded");
      return false;
    });
  }
  const negative = candidates.filter((e) => pointsOf(e.value) < 0);
  let budget = tidy(max - negative.reduce((s, e) => s + pointsOf(e.value), 0));
  const contributions: Contribution[] = [];
  let sum = 0;
  for (const e of candidates) {
    const nominal = pointsOf(e.value);
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

// ---------------------------------------------------------------------------------------------
// Read model

/** The read-model document an entry lives in: one per partner and month of `earnedOn` (`YYYY-MM`). */
export function ledgerShardOf(entry: LedgerEntry): string {
  return entry.earnedOn.slice(0, 7);
}

/**
 * The shards a score at `asOf` reads: an entry active at D has earnedOn <= D < earnedOn + lifetime, so
 * its month lies in [month(D − lifetime), month(D)] — 13 months with a 12-month lifetime. DES-4 needs
 * no more: its baseline (the MAU 12 months earlier) is folded into the entry's value on the write
 * side, and approval status into countsFrom/endsOn. A series from F to T reads shards
 * month(F − lifetime) .. month(T).
 */
export function ledgerShardsFor(asOf: CalendarDate, rules: RuleSetOn = ruleSetInForce): string[] {
  const lifetime = (date: CalendarDate) => rules(date).designation.contributionLifetimeMonths.value;
  const back = Math.max(lifetime(asOf), lifetime(addMonths(asOf, -lifetime(asOf))));
  const first = `${asOf.slice(0, 7)}-01`;
  const out: string[] = [];
  for (let k = back; k >= 0; k--) out.push(addMonths(first, -k).slice(0, 7));
  return out;
}

/** Stable order: shard, metric, contributor, earnedOn, countsFrom. */
export function compareEntries(a: LedgerEntry, b: LedgerEntry): number {
  const ka = `${a.earnedOn}|${a.metric}|${a.contributor}|${a.countsFrom ?? ""}`;
  const kb = `${b.earnedOn}|${b.metric}|${b.contributor}|${b.countsFrom ?? ""}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * Storage form of an entry for the monthly read-model documents: a tuple without what the rule set
 * derives (expiresOn, rule) and without the shard's month repeated in keys. ~60 bytes + contributor.
 * [metric index, contributor, earnedOn, value, countsFrom | 0, endsOn | 0, via | 0]
 */
export type PackedEntry = readonly [
  number,
  string,
  CalendarDate,
  number,
  CalendarDate | 0,
  CalendarDate | 0,
  string | 0,
];

export function packEntry(e: LedgerEntry): PackedEntry {
  return [
    METRICS.indexOf(e.metric),
    e.contributor,
    e.earnedOn,
    e.value,
    e.countsFrom ?? 0,
    e.endsOn ?? 0,
    e.via ?? 0,
  ];
}

export function unpackEntry(p: PackedEntry, rules: RuleSetOn = ruleSetInForce): LedgerEntry {
  const [m, contributor, earnedOn, value, countsFrom, endsOn, via] = p;
  const metric = METRICS[m]!;
  return {
    metric,
    contributor,
    earnedOn,
    expiresOn: lifetimeEnd(earnedOn, rules),
    value,
    rule: rules(earnedOn).designation[metric].rule,
    ...(countsFrom !== 0 ? { countsFrom } : {}),
    ...(endsOn !== 0 ? { endsOn } : {}),
    ...(via !== 0 ? { via } : {}),
  };
}
