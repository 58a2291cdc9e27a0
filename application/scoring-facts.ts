import type { CalendarDate } from "../domain/dates.ts";
import type { EngagementEvent } from "../domain/events.ts";
import { byBusinessTime, type TimedEvent, timed } from "../domain/facts.ts";
import { idempotencyKey } from "./idempotency.ts";

/** Compact scoring facts of one pair, read from its head (version `v`). */
export interface ScoringFacts {
  v: number;
  /** claim.approved (0: [0, timeMs, claimId, approvedOn]) / declined or disassociated (1: [1, timeMs, claimId]), business order. */
  c: (readonly [0, number, string, CalendarDate] | readonly [1, number, string])[];
  /** Distinct completedOn dates. */
  d: CalendarDate[];
  /** Usage month -> MAU (the last report by business time). */
  u: Record<string, number>;
}

export const NO_SCORING_FACTS: ScoringFacts = { v: 0, c: [], d: [], u: {} };

export const SCORED_TYPES: ReadonlySet<string> = new Set([
  "claim.approved",
  "claim.declined",
  "claim.disassociated",
  "deployment.completed",
  "usage.reported",
]);

/** The facts of a pair's events (only claim approvals/ends, completions and usage matter to its entries). */
export function scoringFactsOf(version: number, events: readonly EngagementEvent[]): ScoringFacts {
  return { ...extendScoringFacts(NO_SCORING_FACTS, events), v: version };
}

/**
 * `base` with `later` folded on top. Every event of `later` must come after every event `base` was built
 * from in business order (the head's snapshot/tail split guarantees it), so the result equals the facts
 * of both lists together: claims append, completions join, a later usage report replaces a month's MAU.
 */
export function extendScoringFacts(base: ScoringFacts, later: readonly EngagementEvent[]): ScoringFacts {
  const seen = new Map<string, TimedEvent>();
  for (const e of later) if (SCORED_TYPES.has(e.type)) seen.set(idempotencyKey(e), timed(e));
  if (seen.size === 0) return base;
  const facts: ScoringFacts = { v: base.v, c: [...base.c], d: [], u: { ...base.u } };
  const completed = new Set<CalendarDate>(base.d);
  for (const { event: e, timeMs } of [...seen.values()].sort(byBusinessTime)) {
    if (e.type === "claim.approved") facts.c.push([0, timeMs, e.data.claimId, e.data.approvedOn]);
    else if (e.type === "claim.declined" || e.type === "claim.disassociated")
      facts.c.push([1, timeMs, e.data.claimId]);
    else if (e.type === "deployment.completed") completed.add(e.data.completedOn);
    else if (e.type === "usage.reported") facts.u[e.data.month] = e.data.mau;
  }
  facts.d = [...completed].sort();
  return facts;
}
