import { dateOf } from "../domain/dates.ts";
import { type EngagementEvent, EVENT_VOIDED } from "../domain/events.ts";
import { byBusinessTime, type TimedEvent, timed } from "../domain/facts.ts";
import {
  canonicalInstant,
  type FoldState,
  foldEvents,
  pairKeyOf,
  pairTimeline,
  verdictAt,
} from "../domain/fold.ts";
import type { PairState } from "../domain/pair-state.ts";
import { type FoldedKeys, foldedKeysTest, NO_FOLDED_KEYS, withFoldedKeys } from "./folded-keys.ts";
import { idempotencyKey } from "./idempotency.ts";
import { extendScoringFacts, NO_SCORING_FACTS, SCORED_TYPES } from "./scoring-facts.ts";
import {
  type Cut,
  EMPTY_SNAPSHOT,
  emptyHead,
  type Format2Head,
  fromFormat2,
  HEAD_FORMAT,
  isCurrentHead,
  type LegacyHead,
  type PairDocument,
  type ProjectionDocument,
  type Snapshot,
} from "./stream-head-documents.ts";

// Document shapes, ids and empty heads live in stream-head-documents.ts; re-exported for existing imports.
export * from "./stream-head-documents.ts";

// Projection documents live in the `pairs` container (partition /partnerId), one per stream: the
// stream's head for appends (equinox's "tip") and the read model for queries. A head is BOUNDED:
// a snapshot (the fold of every event up to a cut in business order) and a tail (every event after
// the cut, at most TAIL_MAX of them unless dated in the future). It can always be thrown away and
// folded again from the events container (`npm run rebuild`).

/** Events kept unfolded after the cut: a late event landing among them costs no refold. */
export const TAIL_MAX = 8;
/** An event that changes how an EARLIER event folds: always refolded from the event documents. */
export const REACHES_BACK = new Set<string>([EVENT_VOIDED]);

/**
 * Events younger than this stay in the tail: an instance whose clock is a little behind must still be
 * able to derive the state at its now (at or after the cut). The tail may exceed TAIL_MAX by the events
 * of the last minutes.
 */
export const FOLD_LAG_MS = 10 * 60_000;
const foldableUntil = (now: Date) => now.getTime() - FOLD_LAG_MS;
/**
 * The tail's hard bound: beyond it the oldest events are folded even if recent or dated in the future
 * (a burst, or a CRM sending far-future events), so a head can never grow toward Cosmos's item limit.
 * A state asked before such a cut then comes from the event documents (or is derived at the cut).
 */
export const TAIL_HARD_MAX = 256;

const cutOf = (t: TimedEvent): Cut => ({ timeMs: t.timeMs, source: t.event.source, id: t.event.id });
const afterCut = (t: TimedEvent, cut: Cut | null) =>
  cut === null ||
  byBusinessTime(t, {
    timeMs: cut.timeMs,
    event: { source: cut.source, id: cut.id },
    date: "",
  } as TimedEvent) > 0;
/** Whether an event is a pair's own (it names a workload): a pair head's tail holds its tenant's too. */
export const isPairEvent = (e: EngagementEvent): boolean => "workload" in e && Boolean(e.workload);
/** The events of a head's own stream among `events` (all of them for a tenant head). */
const ownEvents = (docType: ProjectionDocument["docType"], events: EngagementEvent[]) =>
  docType === "tenant" ? events : events.filter(isPairEvent);
/** Distinct within a stream: a pair head's tail holds its tenant's events as well. */
const tailKey = (e: EngagementEvent) => (isPairEvent(e) ? "p" : "t") + idempotencyKey(e);

/** Whether appending these events can change a pair's scoring facts (scoring-facts.ts reads only these types). */
export const changesScoring = (events: readonly EngagementEvent[]) =>
  events.some((e) => SCORED_TYPES.has(e.type) || REACHES_BACK.has(e.type));

/** Whether an event of this stream is already in the head's tail (the tail holds every one after the cut). */
export function inTail(doc: ProjectionDocument, e: EngagementEvent): boolean {
  const key = tailKey(e);
  return doc.tail.some((t) => tailKey(t) === key);
}

/** Whether the event lands after the head's cut, so the head can take it without a refold. */
export function landsInTail(doc: ProjectionDocument, e: EngagementEvent): boolean {
  if (REACHES_BACK.has(e.type) || doc.voidTargets?.includes(idempotencyKey(e))) return false;
  return afterCut(timed(e), doc.snapshot.cut);
}

/** The keys of the events voids name, over whole streams. */
function voidTargetsOf(...streams: (readonly EngagementEvent[])[]): string[] {
  const out = new Set<string>();
  for (const events of streams)
    for (const e of events)
      if (e.type === EVENT_VOIDED) {
        const { voidedSource, voidedId } = e.data as { voidedSource: string; voidedId: string };
        out.add(idempotencyKey({ source: voidedSource, id: voidedId }));
      }
  return [...out].sort();
}

/**
 * The head with `events` (of the stream, or the tenant's for a pair) merged into its tail, then the
 * oldest tail events folded into the snapshot until TAIL_MAX remain (never one dated after now).
 * Undefined when one of them lands at or before the cut: the caller refolds from the event documents.
 */
export function withEvents<D extends ProjectionDocument>(
  doc: D,
  events: readonly EngagementEvent[],
  now: Date,
): D | undefined {
  if (!events.every((e) => landsInTail(doc, e))) return undefined;
  const byKey = new Map<string, TimedEvent>();
  for (const e of doc.tail) byKey.set(tailKey(e), timed(e));
  for (const e of events) if (!byKey.has(tailKey(e))) byKey.set(tailKey(e), timed(e));
  return compacted(doc, [...byKey.values()].sort(byBusinessTime), now);
}

/**
 * Tail events as the fold takes them piecewise: voids left out, since the refold that put them there
 * resolved them over the whole streams and marked the events they void (a piece alone could misjudge a
 * void of a void); an event a stored void names never joins the tail without a refold.
 */
const resolved = (events: readonly TimedEvent[]) => events.filter((t) => !REACHES_BACK.has(t.event.type));

function compacted<D extends ProjectionDocument>(doc: D, tail: TimedEvent[], now: Date): D {
  if (doc.docType === "partner") return { ...doc, tail: tail.map((t) => t.event) };
  let k = Math.max(0, tail.length - TAIL_MAX);
  while (k > 0 && tail[k - 1]!.timeMs > foldableUntil(now)) k--;
  k = Math.max(k, tail.length - TAIL_HARD_MAX);
  if (k === 0) return { ...doc, tail: tail.map((t) => t.event) };
  const folded = tail.slice(0, k);
  // Only the stream's own events are keyed in it.
  const own = ownEvents(
    doc.docType,
    folded.map((t) => t.event),
  );
  const keys = foldedKeysWith(doc.snapshot, own);
  const snapshot: Snapshot = {
    cut: cutOf(folded.at(-1)!),
    fold: foldEvents(resolved(folded), doc.snapshot.fold),
    ...(keys === undefined ? {} : { foldedKeys: keys }),
  };
  const rest = tail.slice(k).map((t) => t.event);
  if (doc.docType === "tenant") return { ...doc, snapshot, tail: rest };
  const scoring = extendScoringFacts((doc as PairDocument).snapshot.scoring, own);
  return { ...doc, snapshot: { ...snapshot, scoring }, tail: rest };
}

/** A snapshot written before snapshots kept their folded keys: only a refold from the streams can tell. */
const foldsUnknown = (snapshot: Snapshot): boolean =>
  snapshot.cut !== null && snapshot.foldedKeys === undefined;
export const foldedKeysUnknown = (doc: ProjectionDocument): boolean => foldsUnknown(doc.snapshot);

/** The snapshot's folded keys with `own` added; unknown stays unknown until a refold from the streams. */
function foldedKeysWith(snapshot: Snapshot, own: readonly EngagementEvent[]): FoldedKeys | undefined {
  if (foldsUnknown(snapshot)) return undefined;
  return withFoldedKeys(snapshot.foldedKeys ?? NO_FOLDED_KEYS, own.map(idempotencyKey));
}

/**
 * Which idempotency keys of this stream the snapshot may have folded (a resend with another time lands
 * after the cut): the recorder settles a "maybe" against the stream itself. Only for known folds.
 */
export function mayHaveFoldedKey(doc: ProjectionDocument): (key: string) => boolean {
  const { cut, foldedKeys } = doc.snapshot;
  return cut === null || foldedKeys === undefined ? () => false : foldedKeysTest(foldedKeys);
}

/**
 * The head folded again from whole streams (the stream's events at `version`; for a pair also its
 * tenant's at `tenantVersion`): the refold after a late event, a void, or a migration.
 */
export function headFromStreams<D extends ProjectionDocument>(
  doc: D,
  stream: { events: readonly EngagementEvent[]; version: number },
  tenant: { events: readonly EngagementEvent[]; version: number },
  now: Date,
): D {
  const targets = voidTargetsOf(stream.events, tenant.events);
  const { voidTargets: _old, ...rest } = doc;
  const base = {
    ...rest,
    format: HEAD_FORMAT,
    version: stream.version,
    ...(targets.length > 0 ? { voidTargets: targets } : {}),
  } as D;
  if (base.docType === "partner")
    return {
      ...base,
      snapshot: EMPTY_SNAPSHOT,
      tail: pairTimeline(stream.events, [], "9999-12-31T23:59:59Z").map((t) => t.event),
    };
  // The domain's own timeline (distinct per stream, business order) is what the evaluator folds.
  const own = base.docType === "pair" ? stream.events : [];
  const tenantEvents = base.docType === "pair" ? tenant.events : stream.events;
  const timeline = pairTimeline(own, tenantEvents, "9999-12-31T23:59:59.999Z");
  const nowMs = foldableUntil(now);
  // A void is folded with everything before it, so the domain sees the event it voids in the same fold.
  const voids = timeline.some((t) => REACHES_BACK.has(t.event.type));
  let k = voids ? timeline.length : Math.max(0, timeline.length - TAIL_MAX);
  while (k > 0 && timeline[k - 1]!.timeMs > nowMs) k--;
  k = Math.max(k, timeline.length - TAIL_HARD_MAX);
  const folded = timeline.slice(0, k);
  const ownFolded = ownEvents(
    base.docType,
    folded.map((t) => t.event),
  );
  const snapshot: Snapshot = {
    cut: k > 0 ? cutOf(folded.at(-1)!) : null,
    fold: foldEvents(folded),
    ...(k > 0 ? { foldedKeys: withFoldedKeys(NO_FOLDED_KEYS, ownFolded.map(idempotencyKey)) } : {}),
  };
  const tail = timeline.slice(k).map((t) => t.event);
  if (base.docType === "tenant") return { ...base, snapshot, tail };
  const pair = base as PairDocument;
  return {
    ...pair,
    tenantVersion: tenant.version,
    scoringVersion: stream.version,
    snapshot: { ...snapshot, scoring: extendScoringFacts(NO_SCORING_FACTS, ownFolded) },
    tail,
  } as D;
}

/**
 * A head of an earlier format in the current one, in memory (no request): format 2 renamed field by
 * field, the first format refolded from the streams it carries.
 */
export function upgradeHead(
  doc: ProjectionDocument | Format2Head | LegacyHead,
  now: Date,
): ProjectionDocument {
  if (isCurrentHead(doc)) return doc as ProjectionDocument;
  if (doc.format === 2) return fromFormat2(doc as Format2Head);
  const { events, tenantEvents, ...rest } = doc as LegacyHead;
  const fresh = emptyHead(rest.streamId, now);
  const merged = {
    ...fresh,
    ...rest,
    format: HEAD_FORMAT,
    snapshot: fresh.snapshot,
    tail: [],
  } as ProjectionDocument;
  return headFromStreams(
    merged,
    { events: events ?? [], version: rest.version },
    { events: tenantEvents ?? [], version: (rest as LegacyHead).tenantVersion ?? 0 },
    now,
  );
}

/** The events a head has not folded into its snapshot (those dated after now among them). */
export function eventsAfterCut(
  doc: ProjectionDocument | Format2Head | LegacyHead,
): readonly EngagementEvent[] {
  if (doc.format === undefined) {
    const legacy = doc as LegacyHead;
    return [...legacy.events, ...(legacy.tenantEvents ?? [])];
  }
  return (doc as ProjectionDocument).tail;
}

/** Thrown when a state is asked for before the head's cut: only the event documents can answer. */
export class BeforeCut extends Error {
  override readonly name = "BeforeCut";
}

/** Whether the head alone can answer the state at `asOf` (at or after its cut). */
export function answersAt(doc: PairDocument, asOf: string): boolean {
  const cut = doc.snapshot.cut;
  return cut === null || Date.parse(asOf) >= cut.timeMs;
}

/** The pair's fold at `asOf` from its head: the snapshot plus the tail events up to `asOf`. */
export function foldAt(doc: PairDocument, asOf: string): FoldState {
  if (!answersAt(doc, asOf)) throw new BeforeCut(`${doc.id} has folded events after ${asOf}`);
  const asOfMs = Date.parse(asOf);
  const due: TimedEvent[] = [];
  for (const e of doc.tail) {
    const t = timed(e);
    if (t.timeMs <= asOfMs) due.push(t);
  }
  return foldEvents(resolved(due), doc.snapshot.fold);
}

/** The pair's state at an instant at or after its cut (lists, the timer); an earlier format is upgraded. */
export function pairStateAt(stored: PairDocument | Format2Head | LegacyHead, asOf: string): PairState {
  const doc = upgradeHead(stored as PairDocument, new Date(asOf)) as PairDocument;
  return verdictAt(foldAt(doc, asOf), pairKeyOf(doc.streamId), canonicalInstant(asOf));
}

/** Re-derives a pair document's state (and what depends on it) at `now`. */
export function reproject(doc: PairDocument, now: Date, schedule: AlertScheduling): PairDocument {
  // A clock behind the one that cut the head by more than FOLD_LAG_MS: derive at the cut, not fail.
  const cut = doc.snapshot.cut;
  const at = cut && now.getTime() < cut.timeMs ? new Date(cut.timeMs) : now;
  const asOf = canonicalInstant(at.toISOString());
  const fold = foldAt(doc, asOf);
  const state = verdictAt(fold, pairKeyOf(doc.streamId), asOf);
  return {
    ...doc,
    state,
    projectedAt: now.toISOString(),
    nextAlertOn: schedule.nextAlertOn(doc, state, dateOf(now.getTime()), now),
    ...searchFields(doc.tenantId, fold.facts.tenant?.customerName ?? null),
  };
}

/** The customer's name from the tenant profile in force, and the text a list search matches. */
export function searchFields(tenantId: string, customerName: string | null) {
  return { customerName, search: `${customerName ?? ""} ${tenantId}`.toLowerCase() };
}

/** How a pair's next alert date is computed (claim-window alerts); injected so projections stay small. */
export interface AlertScheduling {
  /** The first date on or after `from` the timer must look at this pair, judged at `now`. */
  nextAlertOn(doc: PairDocument, state: PairState, from: string, now: Date): string | null;
}

/** The summary a POST /api/events response gives per pair (contract/API.md). */
export function pairSummary(doc: PairDocument) {
  return { tenantId: doc.tenantId, workload: doc.workload, stage: doc.state.stage, claim: doc.state.claim };
}

/** A head folded from a stream's events held in memory (benchmarks and tests seed heads with it). */
export function headWithEvents(
  streamId: string,
  events: readonly EngagementEvent[],
  now: Date,
  tenantEvents: readonly EngagementEvent[] = [],
): ProjectionDocument {
  return headFromStreams(
    emptyHead(streamId, now),
    { events, version: events.length },
    { events: tenantEvents, version: tenantEvents.length },
    now,
  );
}
