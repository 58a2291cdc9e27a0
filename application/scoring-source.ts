// A source of designation entries, as the read model keeps it: a tenant (its pairs' scoring facts, read
// from the pair heads) or the partner (its certification entries, from the partner head). The entries
// themselves come from the domain (scoringEntriesOf); this file only feeds it.
import {
  type LedgerEntry,
  type PairStream,
  packEntry,
  type RuleSetOn,
  scoringEntriesOf,
  unpackEntry,
} from "../domain/designation.ts";
import type { EngagementEvent } from "../domain/events.ts";
import { type TimedEvent, timed } from "../domain/facts.ts";
import { DocumentConflict } from "./ports/document-collection.ts";
import type { SourceDocument } from "./scoring-documents.ts";
import { extendScoringFacts, type ScoringFacts } from "./scoring-facts.ts";
import {
  eventsAfterCut,
  type LegacyHead,
  type PairDocument,
  type PartnerDocument,
  upgradeHead,
} from "./stream-head.ts";

export const PARTNER_SOURCE = "partner";

export type SourceState = Pick<SourceDocument, "pairs" | "v" | "certs">;

/** Event types the ledger reads (designation.ts): everything else is dropped before folding. */
const SCORING_TYPES = new Set(["deployment.completed", "usage.reported", "skilling.certification.recorded"]);
const scoring = (e: EngagementEvent) => e.type.startsWith("claim.") || SCORING_TYPES.has(e.type);

function timedScoring(events: readonly EngagementEvent[]): TimedEvent[] {
  const out: TimedEvent[] = [];
  for (const e of events) if (scoring(e)) out.push(timed(e));
  return out;
}

/** The partner source's state from its head; undefined when `old` was computed from that head or a newer one. */
export function partnerState(
  old: SourceDocument | undefined,
  head: PartnerDocument,
  rules: RuleSetOn,
): SourceState | undefined {
  if (old?.v !== undefined && old.v >= head.version) return undefined;
  const certs = scoringEntriesOf({ kind: "partner", events: timedScoring(eventsAfterCut(head)) }, rules);
  return { v: head.version, certs: certs.map(packEntry) };
}

/** A source's state for a claim; `changed`: it differs from what the source document was computed from. */
export interface Next {
  state: SourceState;
  ids?: Record<string, string>;
  changed: boolean;
}

/** The partner source's state for a claim: newer certifications, or the stored ones unchanged. */
export function partnerNext(old: SourceDocument | undefined, head: PartnerDocument, rules: RuleSetOn): Next {
  const state = partnerState(old, head, rules);
  return state ? { state, changed: true } : { state: { v: old?.v, certs: old?.certs }, changed: false };
}

/** The entries of a source in a given state. */
export function entriesOf(source: string, s: SourceState, rules: RuleSetOn): LedgerEntry[] {
  if (source === PARTNER_SOURCE) return (s.certs ?? []).map((p) => unpackEntry(p, rules));
  const pairs: PairStream[] = Object.entries(s.pairs ?? {}).map(([workload, f]) => ({
    workload,
    events: eventsOfFacts(f),
  }));
  return scoringEntriesOf({ kind: "tenant", tenantId: source, pairs }, rules);
}

/**
 * A pair head's scoring facts: those of its snapshot (the events up to its cut) extended with its own
 * events in the tail. Bounded by the head, never a read of the stream.
 */
export function scoringFactsOfHead(stored: PairDocument | LegacyHead): ScoringFacts {
  const head = upgradeHead(stored as PairDocument, new Date()) as PairDocument;
  const own = head.tail.filter((e) => "workload" in e && e.workload);
  // v: the version that last changed them, so an event that cannot change them writes nothing downstream.
  return { ...extendScoringFacts(head.snapshot.scoring, own), v: head.scoringVersion ?? head.version };
}

/**
 * Events that fold (designation.ts) to the same entries as the pair's own: the claim events in their
 * business order (same instants, ids keeping ties in order), one completion per date, one usage report
 * per month with its last MAU.
 */
function eventsOfFacts(f: ScoringFacts): TimedEvent[] {
  const out: TimedEvent[] = [];
  const base = { specversion: "1.0", source: "scoring:facts", partnerid: "" };
  f.c.forEach((c, k) => {
    const time = new Date(c[1]).toISOString();
    const id = `c${String(k).padStart(6, "0")}`;
    const event =
      c[0] === 0
        ? { ...base, id, time, type: "claim.approved", data: { claimId: c[2], approvedOn: c[3] } }
        : { ...base, id, time, type: "claim.disassociated", data: { claimId: c[2], reason: "" } };
    out.push(timed(event as unknown as EngagementEvent));
  });
  f.d.forEach((completedOn, k) => {
    const event = {
      ...base,
      id: `d${k}`,
      time: `${completedOn}T00:00:00Z`,
      type: "deployment.completed",
      data: { completedOn },
    };
    out.push(timed(event as unknown as EngagementEvent));
  });
  for (const [month, mau] of Object.entries(f.u)) {
    const event = {
      ...base,
      id: `u${month}`,
      time: `${month}-01T00:00:00Z`,
      type: "usage.reported",
      data: { month, mau, pau: mau },
    };
    out.push(timed(event as unknown as EngagementEvent));
  }
  return out;
}

/** A pair's facts as a healed head gives them, with the head's document id. */
export type HeadFacts = readonly [workload: string, facts: ScoringFacts, headId: string];

/**
 * A tenant source's state: the stored facts (inline in documents of the previous version, else read
 * back from the pair heads the document names, unless the batch brings facts at least as new) with the
 * batch's newer facts merged in (per pair, higher head version wins: order-free and idempotent).
 * `changed`: some pair's version differs from the stored one, so its entries must be recomputed.
 */
export async function tenantState(
  old: SourceDocument | undefined,
  batch: readonly HeadFacts[],
  readHead: (id: string) => Promise<PairDocument | LegacyHead | undefined>,
): Promise<{ state: SourceState; ids: Record<string, string>; changed: boolean }> {
  const pairs: Record<string, ScoringFacts> = { ...(old?.pairs ?? {}) };
  const stored: Record<string, number> = {};
  const ids: Record<string, string> = {};
  for (const [w, f] of Object.entries(pairs)) stored[w] = f.v;
  const fromBatch = new Map(batch.map((b) => [b[0], b]));
  await Promise.all(
    Object.entries(old?.heads ?? {}).map(async ([w, [id, v]]) => {
      stored[w] = v;
      ids[w] = id;
      const b = fromBatch.get(w);
      if (b && b[1].v >= v) return;
      const head = await readHead(id);
      const f = head ? scoringFactsOfHead(head) : undefined;
      // Heads only move forward: an older one is a stale read (retried), never facts to go back to.
      if (!f || f.v < v) throw new DocumentConflict(id, 412);
      pairs[w] = f;
    }),
  );
  for (const [w, f, id] of batch) {
    ids[w] = id;
    const seen = pairs[w];
    if (!seen || seen.v < f.v) pairs[w] = f;
  }
  // A pair still inline (previous version) whose head is now known moves to a reference: one write.
  const changed =
    Object.keys(pairs).some((w) => pairs[w]!.v !== stored[w]) ||
    Object.keys(old?.pairs ?? {}).some((w) => ids[w] !== undefined);
  return { state: { pairs }, ids, changed };
}
