import type { CalendarDate } from "../domain/dates.ts";
import type { EngagementEvent } from "../domain/events.ts";
import { byBusinessTime, type TimedEvent, timed } from "../domain/facts.ts";
import { idempotencyKey } from "./idempotency.ts";

/** A claim event as the designation reads it: an approval, or the end of one (declined or disassociated). */
export type ScoredClaim =
  | { readonly claimId: string; readonly timeMs: number; readonly approvedOn: CalendarDate }
  | { readonly claimId: string; readonly timeMs: number; readonly ended: true };

/** What the designation reads of one pair's events (stored in its head's snapshot up to the cut). */
export interface ScoringFacts {
  /** The pair head version that last changed them. */
  version: number;
  /** Claim approvals and ends, in business order. */
  claims: ScoredClaim[];
  /** Distinct `deployment.completed` dates, ascending. */
  deploymentsCompletedOn: CalendarDate[];
  /** Usage month (YYYY-MM) -> MAU, from the month's last report by business time. */
  mauByMonth: Record<string, number>;
}

export const NO_SCORING_FACTS: ScoringFacts = {
  version: 0,
  claims: [],
  deploymentsCompletedOn: [],
  mauByMonth: {},
};

/**
 * The compact form heads of format 2 and designation documents of format 1 stored (one-letter fields,
 * claims as tuples [0, timeMs, claimId, approvedOn] / [1, timeMs, claimId]): read, never written.
 */
export interface CompactScoringFacts {
  v: number;
  c: (readonly [0, number, string, CalendarDate] | readonly [1, number, string])[];
  d: CalendarDate[];
  u: Record<string, number>;
}

/** Facts in the compact form translated field by field (exact: the two forms say the same). */
export function fromCompactScoringFacts(f: CompactScoringFacts): ScoringFacts {
  return {
    version: f.v,
    claims: f.c.map((c) =>
      c[0] === 0
        ? { claimId: c[2], timeMs: c[1], approvedOn: c[3] }
        : { claimId: c[2], timeMs: c[1], ended: true },
    ),
    deploymentsCompletedOn: f.d,
    mauByMonth: f.u,
  };
}

export const SCORED_TYPES: ReadonlySet<string> = new Set([
  "claim.approved",
  "claim.declined",
  "claim.disassociated",
  "deployment.completed",
  "usage.reported",
]);

/**
 * `base` with `later` folded on top. Every event of `later` must come after every event `base` was built
 * from in business order (the head's snapshot/tail split guarantees it), so the result equals the facts
 * of both lists together: claims append, completions join, a later usage report replaces a month's MAU.
 */
export function extendScoringFacts(base: ScoringFacts, later: readonly EngagementEvent[]): ScoringFacts {
  const seen = new Map<string, TimedEvent>();
  for (const e of later) if (SCORED_TYPES.has(e.type)) seen.set(idempotencyKey(e), timed(e));
  if (seen.size === 0) return base;
  const claims = [...base.claims];
  const mauByMonth = { ...base.mauByMonth };
  const completed = new Set<CalendarDate>(base.deploymentsCompletedOn);
  for (const { event: e, timeMs } of [...seen.values()].sort(byBusinessTime)) {
    if (e.type === "claim.approved")
      claims.push({ claimId: e.data.claimId, timeMs, approvedOn: e.data.approvedOn });
    else if (e.type === "claim.declined" || e.type === "claim.disassociated")
      claims.push({ claimId: e.data.claimId, timeMs, ended: true });
    else if (e.type === "deployment.completed") completed.add(e.data.completedOn);
    else if (e.type === "usage.reported") mauByMonth[e.data.month] = e.data.mau;
  }
  return { version: base.version, claims, deploymentsCompletedOn: [...completed].sort(), mauByMonth };
}
