// The designation GET answer (functions/designations.ts): a score or a monthly series in the partner's
// words, each contribution naming who earned it.
import { addMonths, type CalendarDate } from "../domain/dates.ts";
import {
  type DroppedContribution,
  METRICS,
  type Metric,
  type Score,
  type ScoredMetric,
} from "../domain/designation.ts";

/** A series is a monthly list; bounded so a request cannot ask for centuries. */
export const MAX_SERIES_MONTHS = 60;

export interface ScoreSeriesPoint {
  readonly date: CalendarDate;
  readonly score: Score;
  readonly dropped: readonly DroppedContribution[];
}

export interface ContributorRef {
  tenantId?: string;
  workload?: string;
  person?: string;
}

/** Who earned a contribution: a tenant (DES-2), a pair (DES-3/4) or a person (DES-5). */
export function contributorOf(metric: Metric, contributor: string): ContributorRef {
  if (metric === "skilling") return { person: contributor };
  if (metric === "netCustomerAdds") return { tenantId: contributor };
  const [tenantId, workload] = contributor.split("|") as [string, string];
  return { tenantId, workload };
}

/** At most this many not-counted contributions are listed per metric (the count is always given). */
export const NOT_COUNTED_LISTED = 20;

function presentMetric(metric: Metric, m: ScoredMetric) {
  return {
    points: m.points,
    max: m.max,
    rule: m.rule,
    contributions: m.contributions.map((c) => ({ ...contributorOf(metric, c.contributor), ...c })),
    notCountedTotal: m.notCountedTotal,
    notCounted: m.notCounted
      .slice(0, NOT_COUNTED_LISTED)
      .map((c) => ({ ...contributorOf(metric, c.contributor), ...c })),
    traceComplete: m.traceComplete,
  };
}

export function presentScore(score: Score) {
  return {
    asOf: score.asOf,
    ruleSet: score.ruleSet,
    total: score.total,
    minimumScore: score.minimumScore,
    met: score.met,
    traceComplete: score.traceComplete,
    metrics: Object.fromEntries(METRICS.map((m) => [m, presentMetric(m, score.metrics[m])])) as Record<
      Metric,
      ReturnType<typeof presentMetric>
    >,
    rules: score.rules,
  };
}

export function presentSeries(points: readonly ScoreSeriesPoint[]) {
  return points.map((p) => ({
    date: p.date,
    ruleSet: p.score.ruleSet,
    total: p.score.total,
    met: p.score.met,
    points: Object.fromEntries(METRICS.map((m) => [m, p.score.metrics[m].points])) as Record<Metric, number>,
    dropped: p.dropped.map((d) => ({ ...contributorOf(d.metric, d.contributor), ...d })),
    score: presentScore(p.score),
  }));
}

/** Months from `from` to `to` a series covers (first-of-month points). */
export function seriesMonths(from: CalendarDate, to: CalendarDate): number {
  let n = 0;
  for (let d = `${from.slice(0, 7)}-01`; d <= to && n <= MAX_SERIES_MONTHS + 1; d = addMonths(d, 1)) n++;
  return n;
}
