import { initialTransition, transition } from "xstate";
import { dateOf } from "./dates.ts";
import { type EngagementSnapshot, engagementMachine, type MachineEvent } from "./engagement-machine.ts";
import type { EngagementEvent } from "./events.ts";
import { byBusinessTime, type TimedEvent, timed } from "./facts.ts";
import { type PairKey, type PairState, pairStateOf } from "./pair-state.ts";

const [INITIAL] = initialTransition(engagementMachine);

/** The machine before any event: the starting point of every fold. */
export function initialSnapshot(): EngagementSnapshot {
  return INITIAL;
}

/** Folds events (already in business-time order) through the machine. Pure and deterministic. */
export function foldEvents(events: readonly TimedEvent[], from: EngagementSnapshot = INITIAL): EngagementSnapshot {
  let snapshot = from;
  for (const at of events) [snapshot] = transition(engagementMachine, snapshot, { type: at.event.type, at } as MachineEvent);
  return snapshot;
}

/** The pair's verdict at an instant: the fold of its events up to `asOf`, then the eligibility guards. */
export function verdictAt(snapshot: EngagementSnapshot, key: PairKey, asOf: string): PairState {
  const asOfDate = dateOf(Date.parse(asOf));
  const [decided] = transition(engagementMachine, snapshot, {
    type: "verdict.requested",
    asOf: asOfDate,
    workload: key.workload,
  });
  return pairStateOf(decided, key, asOf, asOfDate);
}

/**
 * De-duplicates by (source, id) and orders by business time. When a key repeats with different
 * content, the smallest serialization wins, so the choice never depends on arrival order.
 */
export function distinctInBusinessOrder(events: readonly EngagementEvent[]): TimedEvent[] {
  const byKey = new Map<string, EngagementEvent>();
  for (const e of events) {
    const key = `${e.source}\u0000${e.id}`;
    const seen = byKey.get(key);
    if (seen === undefined) byKey.set(key, e);
    else if (seen !== e && JSON.stringify(e) < JSON.stringify(seen)) byKey.set(key, e);
  }
  return [...byKey.values()].map(timed).sort(byBusinessTime);
}

/** Normalizes an RFC 3339 instant for output: UTC, without a zero millisecond part. */
export function canonicalInstant(instant: string): string {
  return new Date(Date.parse(instant)).toISOString().replace(".000Z", "Z");
}

/**
 * Every pair's state at `asOf` from a set of events (the offline evaluator and the property tests).
 * Tenant events apply to every pair of their tenant, in business-time order.
 */
export function evaluatePairs(events: readonly EngagementEvent[], asOf: string): PairState[] {
  const asOfMs = Date.parse(asOf);
  const asOfText = canonicalInstant(asOf);
  const tenantEvents = new Map<string, TimedEvent[]>();
  const pairEvents = new Map<string, { key: PairKey; events: TimedEvent[] }>();
  for (const t of distinctInBusinessOrder(events)) {
    if (t.timeMs > asOfMs) continue;
    const e = t.event;
    if (e.type === "skilling.certification.recorded") continue;
    const tenantKey = `${e.partnerid}|${e.tenantid.toLowerCase()}`;
    if (e.type === "tenant.profiled") {
      push(tenantEvents, tenantKey, t);
      continue;
    }
    const pairKey = `${tenantKey}|${e.workload}`;
    let pair = pairEvents.get(pairKey);
    if (!pair) {
      pair = { key: { partnerId: e.partnerid, tenantId: e.tenantid.toLowerCase(), workload: e.workload }, events: [] };
      pairEvents.set(pairKey, pair);
    }
    pair.events.push(t);
  }
  const states: PairState[] = [];
  for (const [pairKey, pair] of pairEvents) {
    const tenantKey = pairKey.slice(0, pairKey.lastIndexOf("|"));
    const merged = mergeOrdered(tenantEvents.get(tenantKey) ?? [], pair.events);
    states.push(verdictAt(foldEvents(merged), pair.key, asOfText));
  }
  return states.sort(
    (a, b) => cmp(a.tenantId, b.tenantId) || cmp(a.workload, b.workload) || cmp(a.partnerId, b.partnerId),
  );
}

/** Merges two business-time-ordered lists. */
export function mergeOrdered(a: readonly TimedEvent[], b: readonly TimedEvent[]): TimedEvent[] {
  if (a.length === 0) return b as TimedEvent[];
  if (b.length === 0) return a as TimedEvent[];
  const out: TimedEvent[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(byBusinessTime(a[i]!, b[j]!) <= 0 ? a[i++]! : b[j++]!);
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V) {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
