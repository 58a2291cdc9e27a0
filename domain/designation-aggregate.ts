// The designation score (DES-1..6) from AGGREGATES of ledger entries instead of the entries themselves:
// what the read model (application/scoring*.ts) stores and how it turns into points. The rules stay
// here, next to designationScore (designation-score.ts), which this calls for the named contributions.
//
// Every entry counts its quantity over [countsFromOf, countsUntilOf). Summing +quantity at the start and
// −quantity at the end over the days up to D gives the quantities active at D, exactly, whatever the
// number of entries. Quantities (QUANTITY_*): DES-2 adds and losses (points = pointsPerTenant × (adds −
// losses), clamped 0..max — what the cap rule gives: losses always count, adds fill max + |losses|);
// DES-3 pairs; DES-4 entries and their points (usagePoints: fixed when earned, so additive); DES-5 persons.
import type { CalendarDate } from "./dates.ts";
import { type LedgerEntry, METRICS, type Metric, type RuleSetOn } from "./designation-ledger.ts";
import {
  countsFromOf,
  type DesignationScore,
  designationScore,
  isActiveOn,
  isMet,
  latestFirst,
  type MetricScore,
  tidy,
  totalOf,
  usagePoints,
} from "./designation-score.ts";
import { ruleSetOn as ruleSetInForce } from "./rules/index.ts";

export const QUANTITY_ADDS = 0;
export const QUANTITY_LOSSES = 1;
export const QUANTITY_DEPLOYMENTS = 2;
export const QUANTITY_USAGE = 3;
export const QUANTITY_USAGE_POINTS = 4;
export const QUANTITY_PERSONS = 5;
/** Length of a quantity vector: [adds, losses, deployments, usage entries, usage points, persons]. */
export const QUANTITY_WIDTH = 6;

/** What an entry adds to the active quantities while it counts. */
export function quantitiesOf(e: LedgerEntry, rules: RuleSetOn = ruleSetInForce): number[] {
  const v = new Array<number>(QUANTITY_WIDTH).fill(0);
  switch (e.metric) {
    case "netCustomerAdds":
      v[e.value < 0 ? QUANTITY_LOSSES : QUANTITY_ADDS] = Math.abs(e.value);
      break;
    case "deployments":
      v[QUANTITY_DEPLOYMENTS] = e.value;
      break;
    case "usageGrowth":
      v[QUANTITY_USAGE] = 1;
      v[QUANTITY_USAGE_POINTS] = usagePoints(e, rules);
      break;
    case "skilling":
      v[QUANTITY_PERSONS] = e.value;
      break;
  }
  return v;
}

/** Points and active contributions per metric from the quantities active at `asOf` (DES-2..5, caps). */
export function pointsFromQuantities(
  active: readonly number[],
  asOf: CalendarDate,
  rules: RuleSetOn = ruleSetInForce,
): Record<Metric, { points: number; active: number }> {
  const d = rules(asOf).designation;
  const clamp = (x: number, max: number) => tidy(Math.min(max, Math.max(0, x)));
  return {
    netCustomerAdds: {
      points: clamp(
        d.netCustomerAdds.value.pointsPerTenant * (active[QUANTITY_ADDS]! - active[QUANTITY_LOSSES]!),
        d.netCustomerAdds.value.max,
      ),
      active: active[QUANTITY_ADDS]! + active[QUANTITY_LOSSES]!,
    },
    deployments: {
      points: clamp(
        d.deployments.value.pointsPerPair * active[QUANTITY_DEPLOYMENTS]!,
        d.deployments.value.max,
      ),
      active: active[QUANTITY_DEPLOYMENTS]!,
    },
    usageGrowth: {
      points: clamp(active[QUANTITY_USAGE_POINTS]!, d.usageGrowth.value.max),
      active: active[QUANTITY_USAGE]!,
    },
    skilling: {
      points: clamp(d.skilling.value.pointsPerPerson * active[QUANTITY_PERSONS]!, d.skilling.value.max),
      active: active[QUANTITY_PERSONS]!,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Traces: the entries that can ever be named as counted

/** A metric's score with what the aggregates know beyond the traces. */
export interface ScoredMetric extends MetricScore {
  /** Active contributions not counted (cap), exact. */
  readonly notCountedTotal: number;
  /** The traces name every counted point. */
  readonly traceComplete: boolean;
}
export interface Score extends Omit<DesignationScore, "metrics"> {
  readonly metrics: Readonly<Record<Metric, ScoredMetric>>;
  readonly traceComplete: boolean;
}

export interface TraceBounds {
  /** Losses (DES-2) named per start day; more active losses make the trace incomplete. */
  readonly lossesTraced: number;
  /** Traces kept at most; beyond it, the earliest starts are kept and `truncatedFrom` says where. */
  readonly maxTraces: number;
}

/** Which trace family an entry belongs to, its weight and the family's bound (rule set at earnedOn). */
function family(
  e: LedgerEntry,
  rules: RuleSetOn,
  lossesTraced: number,
): { key: string; weight: number; bound: number } {
  const d = rules(e.earnedOn).designation;
  switch (e.metric) {
    case "netCustomerAdds":
      return e.value < 0
        ? { key: "losses", weight: 1, bound: lossesTraced }
        : {
            key: "adds",
            weight: d.netCustomerAdds.value.pointsPerTenant,
            bound: d.netCustomerAdds.value.max + lossesTraced * d.netCustomerAdds.value.pointsPerTenant,
          };
    case "deployments":
      return {
        key: "deployments",
        weight: d.deployments.value.pointsPerPair,
        bound: d.deployments.value.max,
      };
    case "usageGrowth":
      return { key: "usage", weight: usagePoints(e, rules), bound: d.usageGrowth.value.max };
    case "skilling":
      return { key: "skilling", weight: d.skilling.value.pointsPerPerson, bound: d.skilling.value.max };
  }
}

/** Earliest start first, then latest first (the order traces are stored in). */
export const byStart = (a: LedgerEntry, b: LedgerEntry): number => {
  const sa = countsFromOf(a);
  const sb = countsFromOf(b);
  return sa < sb ? -1 : sa > sb ? 1 : latestFirst(a, b);
};

/**
 * The bounded skyline: under a cap the latest-expiring contributions count first (DES caps), so an
 * entry is dropped when entries ranking above it that start no later than it already weigh its
 * family's bound — they are active whenever it is, so it never counts. Pruning commutes with union.
 * Then at most `maxTraces`, earliest start first (`truncatedFrom`: the earliest start dropped).
 * `kept` is in byStart order.
 */
export function pruneTraces(
  entries: readonly LedgerEntry[],
  bounds: TraceBounds,
  rules: RuleSetOn = ruleSetInForce,
): { kept: LedgerEntry[]; truncatedFrom: CalendarDate | undefined } {
  const families = new Map<string, { e: LedgerEntry; weight: number; bound: number }[]>();
  for (const e of entries) {
    const f = family(e, rules, bounds.lossesTraced);
    const list = families.get(f.key) ?? [];
    list.push({ e, weight: f.weight, bound: f.bound });
    families.set(f.key, list);
  }
  const kept: LedgerEntry[] = [];
  for (const list of families.values()) {
    list.sort((a, b) => latestFirst(a.e, b.e));
    const starts = [...new Set(list.map((x) => countsFromOf(x.e)))].sort();
    const index = new Map(starts.map((s, i) => [s, i + 1]));
    const tree = new Float64Array(starts.length + 1); // Fenwick tree of weights by start
    for (const { e, weight, bound } of list) {
      const i = index.get(countsFromOf(e))!;
      let above = 0;
      for (let k = i; k > 0; k -= k & -k) above += tree[k]!;
      if (tidy(above) < bound) kept.push(e);
      for (let k = i; k < tree.length; k += k & -k) tree[k]! += weight;
    }
  }
  kept.sort(byStart);
  if (kept.length <= bounds.maxTraces) return { kept, truncatedFrom: undefined };
  return { kept: kept.slice(0, bounds.maxTraces), truncatedFrom: countsFromOf(kept[bounds.maxTraces]!) };
}

/**
 * The score at `asOf` from the quantities active then (exact points) and the traces (the contributions
 * named, by designationScore). `truncated`: traces were dropped for the trace cap before `asOf`.
 */
export function scoreFromAggregates(
  active: readonly number[],
  traces: readonly LedgerEntry[],
  asOf: CalendarDate,
  truncated: boolean,
  rules: RuleSetOn = ruleSetInForce,
): Score {
  const traced = designationScore(traces, asOf, rules);
  const exact = pointsFromQuantities(active, asOf, rules);
  const tracedLosses = traces.filter(
    (e) => e.metric === "netCustomerAdds" && e.value < 0 && isActiveOn(e, asOf),
  ).length;
  const metrics = Object.fromEntries(
    METRICS.map((m) => {
      const t = traced.metrics[m];
      const complete =
        !truncated &&
        t.points === exact[m].points &&
        (m !== "netCustomerAdds" || tracedLosses === active[QUANTITY_LOSSES]);
      const metric: ScoredMetric = {
        ...t,
        points: exact[m].points,
        notCountedTotal: Math.max(0, exact[m].active - t.contributions.length),
        traceComplete: complete,
      };
      return [m, metric];
    }),
  ) as Record<Metric, ScoredMetric>;
  const total = totalOf(metrics);
  return {
    ...traced,
    total,
    met: isMet(metrics, total, traced.minimumScore),
    metrics,
    traceComplete: METRICS.every((m) => metrics[m].traceComplete),
  };
}
