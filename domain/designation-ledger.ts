// The designation ledger's shape (DES-1..6): its entries, and their storage form in monthly read-model
// documents. Written by domain/designation.ts, read by domain/designation-score.ts.
import { addMonths, type CalendarDate } from "./dates.ts";
import { type RuleId, type RuleSet, ruleSetOn as ruleSetInForce } from "./rules/index.ts";

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

/** earnedOn + contributionLifetimeMonths of the rule set in force when it was earned (DES-6), exclusive. */
export const lifetimeEnd = (earnedOn: CalendarDate, rules: RuleSetOn) =>
  addMonths(earnedOn, rules(earnedOn).designation.contributionLifetimeMonths.value);

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
