import { type EngagementEvent, EVENT_VOIDED } from "./events.ts";
import type { TimedEvent } from "./facts.ts";

// Corrections (docs/EVENTS-EXTENSIONS.md). A wrong event is never edited or deleted: an `event.voided`
// on the same stream names it by (source, id), and the fold ignores it. Decisions:
// - A void applies at every asOf, whatever its own time: it says the voided event never happened
//   (a late event changes past states the same way). Its own time only places it in the timeline.
// - A void of a void restores the event the first void named: a void counts only while it is not
//   itself voided by a void that counts. Voids voiding each other in a cycle all count for nothing.
// - A void naming no event of its stream voids nothing (the event may arrive later; it is voided then).
// - In the timeline the voided event stays, marked with `voided` naming the void.

/** The mark a voided event carries in the timeline (an attribute inbound events may not carry). */
export interface VoidMark {
  readonly source: string;
  readonly id: string;
  readonly time: string;
  readonly reason: string;
  readonly by: string;
}

export const VOIDED_ATTRIBUTE = "voided";

// Injective, as the fold's own de-duplication key: no separator a source or id could contain.
const keyOf = (source: string, id: string) => JSON.stringify([source, id]);

/** Whether an event does not reach the fold: a void, or an event marked voided. */
export function isInert(e: EngagementEvent): boolean {
  return e.type === EVENT_VOIDED || (e as { voided?: unknown }).voided !== undefined;
}

/** Which events of ONE stream the stream's voids void (void-of-void and cycles resolved), by key. */
export function voidedBy(events: readonly TimedEvent[]): Map<string, VoidMark> {
  const voids = new Map<string, EngagementEvent & { type: "event.voided" }>();
  for (const t of events)
    if (t.event.type === EVENT_VOIDED) voids.set(keyOf(t.event.source, t.event.id), t.event);
  const marks = new Map<string, VoidMark>();
  if (voids.size === 0) return marks;
  // Who voids each void; a void counts iff no counting void voids it (memoised, cycles count for nothing).
  const voiders = new Map<string, string[]>();
  for (const [key, v] of voids) {
    const target = keyOf(v.data.voidedSource, v.data.voidedId);
    voiders.set(target, [...(voiders.get(target) ?? []), key]);
  }
  const counts = new Map<string, boolean>();
  const visiting = new Set<string>();
  const countsOf = (key: string): boolean => {
    const known = counts.get(key);
    if (known !== undefined) return known;
    if (visiting.has(key)) return false;
    visiting.add(key);
    const result = !(voiders.get(key) ?? []).some(countsOf);
    visiting.delete(key);
    counts.set(key, result);
    return result;
  };
  // Deterministic whatever the order: sort voids by key; the latest counting void names the mark.
  for (const key of [...voids.keys()].sort()) {
    const v = voids.get(key)!;
    if (!countsOf(key)) continue;
    marks.set(keyOf(v.data.voidedSource, v.data.voidedId), {
      source: v.source,
      id: v.id,
      time: v.time,
      reason: v.data.reason,
      by: v.data.by,
    });
  }
  return marks;
}

/** The stream's events with every voided one marked (a copy carrying `voided`); unchanged when no void. */
export function markVoided(events: readonly TimedEvent[]): TimedEvent[] {
  if (!hasVoid(events)) return events as TimedEvent[];
  const marks = voidedBy(events);
  if (marks.size === 0) return events as TimedEvent[];
  return events.map((t) => {
    const mark = marks.get(keyOf(t.event.source, t.event.id));
    return mark ? { ...t, event: { ...t.event, [VOIDED_ATTRIBUTE]: mark } as unknown as EngagementEvent } : t;
  });
}

/** Whether a list holds a void (one pass; most streams have none). */
export function hasVoid(events: readonly TimedEvent[]): boolean {
  for (const t of events) if (t.event.type === EVENT_VOIDED) return true;
  return false;
}
