import { initialTransition, transition } from "xstate";
import { cmp, dateOf } from "./dates.ts";
import { type EngagementSnapshot, engagementMachine, type MachineEvent } from "./engagement-machine.ts";
import { type EngagementEvent, streamIdOf, streamKindOf, tenantStreamId } from "./events.ts";
import {
  anomalyOf,
  byBusinessTime,
  FactsDraft,
  type PairFacts,
  recordInto,
  type TimedEvent,
  timed,
} from "./facts.ts";
import {
  decidingGuard,
  decidingGuardOf,
  ELIGIBILITY_GUARDS,
  FOLD_GUARDS,
  foldGuards,
  guardOutcomes,
  type VerdictRequest,
  verdictGuards,
} from "./guards.ts";
import { type DecidedValue, type PairKey, type PairState, pairStateOf } from "./pair-state.ts";
import type { RuleId } from "./rules/index.ts";
import { isInert, markVoided } from "./voids.ts";

const [INITIAL] = initialTransition(engagementMachine);

/** Folds events (in business-time order) through XState's pure `transition`, one by one. */
export function foldWithMachine(
  events: readonly TimedEvent[],
  from: EngagementSnapshot = INITIAL,
): EngagementSnapshot {
  let snapshot = from;
  for (const at of effective(events))
    [snapshot] = transition(engagementMachine, snapshot, { type: at.event.type, at } as MachineEvent);
  return snapshot;
}

// The machine's transition is pure, and while folding stored events its outcome depends only on
// the stage, the claim status, the event type and what its fold-time guards answer: the key holds
// the outcome of every guard declared in domain/guards.ts, so a new guard extends it by being
// declared. Each outcome is asked of XState once and replayed after: a fold then costs the facts
// reducer plus a map lookup, instead of ~40 µs of XState per event (bench/evaluate.bench.ts).
interface Outcome {
  readonly stage: string;
  readonly claim: string;
  readonly anomalies: readonly { message: string; rule?: RuleId }[];
}
const outcomes = new Map<string, Outcome>();

/** A folded pair: the machine's state value per region and the facts in its context. */
export interface FoldState {
  readonly stage: string;
  readonly claim: string;
  readonly facts: PairFacts;
}

export const EMPTY_FOLD: FoldState = {
  stage: (INITIAL.value as { stage: string }).stage,
  claim: (INITIAL.value as { claim: string }).claim,
  facts: INITIAL.context.facts,
};

export function toSnapshot(fold: FoldState): EngagementSnapshot {
  return engagementMachine.resolveState({
    value: { facts: "recording", stage: fold.stage, claim: fold.claim, eligibility: "undecided" },
    context: { facts: fold.facts },
  });
}

/** The fold's memo key: the regions' states, the event type and every fold guard's outcome. */
function outcomeKey(fold: FoldState, at: TimedEvent): string {
  return `${fold.stage}|${fold.claim}|${at.event.type}|${guardOutcomes(foldGuards, FOLD_GUARDS, fold.facts, at)}`;
}

/** What the machine does with `at` in state `fold`: asked of XState once per memo key. */
function outcomeOf(fold: FoldState, at: TimedEvent): Outcome {
  const key = outcomeKey(fold, at);
  let outcome = outcomes.get(key);
  if (outcome === undefined) {
    const [next] = transition(engagementMachine, toSnapshot(fold), {
      type: at.event.type,
      at,
    } as MachineEvent);
    const value = next.value as { stage: string; claim: string };
    const added = next.context.facts.anomalies.slice(fold.facts.anomalies.length);
    outcome = {
      stage: value.stage,
      claim: value.claim,
      anomalies: added.map((a) => ({ message: a.message, rule: a.rule })),
    };
    outcomes.set(key, outcome);
  }
  return outcome;
}

/**
 * The events the fold takes: voids and the events they void are left out (domain/voids.ts). Voids are
 * resolved per stream where the stream is read (distinctInBusinessOrder, pairTimeline), because a
 * void reaches only its own stream; here the marks are only obeyed.
 */
function effective(events: readonly TimedEvent[]): readonly TimedEvent[] {
  for (const t of events) if (isInert(t.event)) return events.filter((x) => !isInert(x.event));
  return events;
}

/** Folds events (already in business-time order), leaving voided ones out. Pure and deterministic. */
export function foldEvents(events: readonly TimedEvent[], from: FoldState = EMPTY_FOLD): FoldState {
  // step() event by event, with the facts built in one private draft instead of copied per event;
  // voids and voided events are skipped here, as effective() leaves them out.
  let draft: FactsDraft | undefined;
  let stage = from.stage;
  let claim = from.claim;
  for (const at of events) {
    if (isInert(at.event)) continue;
    draft ??= new FactsDraft(from.facts);
    const outcome = outcomeOf({ stage, claim, facts: draft.facts }, at);
    recordInto(draft, at);
    for (const a of outcome.anomalies) draft.push("anomalies", anomalyOf(at, a.message, a.rule));
    stage = outcome.stage;
    claim = outcome.claim;
  }
  return draft === undefined ? from : { stage, claim, facts: draft.facts };
}

// The verdict is memoized the same way: the guards' outcomes are computed from the facts, and the
// machine picks the eligibility for each distinct combination of outcomes once.
const verdicts = new Map<string, string>();

/** The pair's verdict at an instant: the machine's eligibility guards decide on the folded state. */
export function verdictAt(fold: FoldState, key: PairKey, asOf: string): PairState {
  const asOfDate = dateOfInstant(asOf);
  const request: VerdictRequest = { type: "verdict.requested", asOf: asOfDate, workload: key.workload };
  const outcomeKey = guardOutcomes(verdictGuards, ELIGIBILITY_GUARDS, fold.facts, request);
  let eligibility = verdicts.get(outcomeKey);
  if (eligibility === undefined) {
    const [decided] = transition(engagementMachine, toSnapshot(fold), request);
    eligibility = (decided.value as DecidedValue).eligibility;
    verdicts.set(outcomeKey, eligibility);
  }
  return pairStateOf(
    { stage: fold.stage, claim: fold.claim, eligibility },
    fold.facts,
    key,
    asOf,
    asOfDate,
    decidingGuardOf(outcomeKey),
  );
}

/** The UTC date of an instant; the last answer is kept (every pair of an export asks the same). */
function dateOfInstant(instant: string): string {
  if (instant !== lastDateInstant) {
    lastDate = dateOf(Date.parse(instant));
    lastDateInstant = instant;
  }
  return lastDate;
}
let lastDateInstant: string | undefined;
let lastDate = "";

/** The same verdict with every transition taken by XState itself: the reference the memo must match. */
export function verdictWithMachine(snapshot: EngagementSnapshot, key: PairKey, asOf: string): PairState {
  const asOfDate = dateOf(Date.parse(asOf));
  const request: VerdictRequest = { type: "verdict.requested", asOf: asOfDate, workload: key.workload };
  const [decided] = transition(engagementMachine, snapshot, request);
  const facts = decided.context.facts;
  return pairStateOf(
    decided.value as DecidedValue,
    facts,
    key,
    asOf,
    asOfDate,
    decidingGuard(facts, request),
  );
}

/**
 * One stream's events: de-duplicated by (source, id), ordered by business time (ties by source, then
 * id), and every event the stream's voids void marked `voided` (domain/voids.ts).
 */
export function distinctInBusinessOrder(events: readonly EngagementEvent[]): TimedEvent[] {
  return markVoided(distinct(events).map(timed).sort(byBusinessTime));
}

/** Normalizes an RFC 3339 instant for output: UTC, without a zero millisecond part. */
export function canonicalInstant(instant: string): string {
  // An export is evaluated at one asOf for every pair: the last answer is kept.
  if (instant !== lastInstant) {
    lastCanonical = new Date(Date.parse(instant)).toISOString().replace(".000Z", "Z");
    lastInstant = instant;
  }
  return lastCanonical;
}
let lastInstant: string | undefined;
let lastCanonical = "";

/**
 * One pair's state at `asOf` from its own events and its tenant's events (any order, duplicates
 * allowed). Each stream is de-duplicated by (source, id), cut at `asOf` and put in business-time
 * order; tenant events apply to the pair from their business time on.
 */
export function evaluatePair(
  key: PairKey,
  pairEvents: readonly EngagementEvent[],
  tenantEvents: readonly EngagementEvent[],
  asOf: string,
): PairState {
  return stateOfTimeline(key, pairTimeline(pairEvents, tenantEvents, asOf), asOf);
}

/**
 * The pair's timeline at `asOf`: both streams de-duplicated, their voids resolved over the whole
 * stream (a void applies at every asOf), cut at `asOf`, merged in order. Voided events stay, marked
 * `voided`; the fold leaves them and the voids out.
 */
export function pairTimeline(
  pairEvents: readonly EngagementEvent[],
  tenantEvents: readonly EngagementEvent[],
  asOf: string,
): TimedEvent[] {
  const asOfMs = Date.parse(asOf);
  const upToAsOf = (list: readonly EngagementEvent[]) =>
    distinctInBusinessOrder(list).filter((t) => t.timeMs <= asOfMs);
  return mergeOrdered(upToAsOf(tenantEvents), upToAsOf(pairEvents));
}

/** The state a timeline (from pairTimeline) folds to at `asOf`. */
export function stateOfTimeline(key: PairKey, timeline: readonly TimedEvent[], asOf: string): PairState {
  return verdictAt(foldEvents(timeline), key, canonicalInstant(asOf));
}

/** Every pair's state at `asOf`, sorted by tenant id, then workload (STATE.md objects, no timeline). */
export function evaluatePairs(events: readonly EngagementEvent[], asOf: string): PairState[] {
  const tenants = new Map<string, EngagementEvent[]>();
  const pairs = new Map<string, EngagementEvent[]>();
  for (const e of events) {
    const kind = streamKindOf(e);
    if (kind === "tenant") push(tenants, streamIdOf(e), e);
    else if (kind === "pair") push(pairs, streamIdOf(e), e);
  }
  return sortPairStreams(pairs.keys()).map((streamId) => {
    const key = pairKeyOf(streamId);
    const tenant = tenants.get(tenantStreamId(key.partnerId, key.tenantId)) ?? [];
    return evaluatePair(key, pairs.get(streamId)!, tenant, asOf);
  });
}

export function pairKeyOf(pairStreamId: string): PairKey {
  const [partnerId, tenantId, workload] = pairStreamId.split("|") as [string, string, string];
  return { partnerId, tenantId, workload };
}

/** Pair stream ids in comparePairStreams' order, each id split once rather than at every comparison. */
export function sortPairStreams(streamIds: Iterable<string>): string[] {
  const keyed = Array.from(streamIds, (id) => ({ id, key: pairKeyOf(id) }));
  keyed.sort(
    ({ key: x }, { key: y }) =>
      cmp(x.tenantId, y.tenantId) || cmp(x.workload, y.workload) || cmp(x.partnerId, y.partnerId),
  );
  return keyed.map((k) => k.id);
}

/** STATE.md's output order: tenant id, then workload (then partner, for files that mix partners). */
export function comparePairStreams(a: string, b: string): number {
  const x = pairKeyOf(a);
  const y = pairKeyOf(b);
  return cmp(x.tenantId, y.tenantId) || cmp(x.workload, y.workload) || cmp(x.partnerId, y.partnerId);
}

/** One event per (source, id); a key repeated with other content keeps the smallest serialization. */
function distinct(events: readonly EngagementEvent[]): EngagementEvent[] {
  // Keyed by source, then id (nested maps: injective without building a key string per event).
  const bySource = new Map<string, Map<string, EngagementEvent>>();
  let repeated = false;
  for (const e of events) {
    let byId = bySource.get(e.source);
    if (byId === undefined) {
      byId = new Map();
      bySource.set(e.source, byId);
    }
    const seen = byId.get(e.id);
    if (seen === undefined) byId.set(e.id, e);
    else {
      repeated = true;
      if (seen !== e && JSON.stringify(e) < JSON.stringify(seen)) byId.set(e.id, e);
    }
  }
  if (!repeated) return events as EngagementEvent[]; // the common case: no key seen twice
  const out: EngagementEvent[] = [];
  for (const byId of bySource.values()) for (const e of byId.values()) out.push(e);
  return out;
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
