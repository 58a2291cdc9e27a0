import { addMonths, type CalendarDate } from "./dates.ts";
import { compareEntries, type LedgerEntry, lifetimeEnd, type RuleSetOn } from "./designation-ledger.ts";
import { byBusinessTime, type TimedEvent } from "./facts.ts";
import { ruleSetOn as ruleSetInForce } from "./rules/index.ts";
import { monthEnd } from "./usage.ts";
import { isInert, markVoided } from "./voids.ts";

export * from "./designation-aggregate.ts";
export * from "./designation-ledger.ts";
export * from "./designation-score.ts";

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
