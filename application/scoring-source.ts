// A source of designation entries, as the read model keeps it: a tenant (its pairs' scoring facts, read
// from the pair heads) or the partner (its certification entries, from the partner head). The entries
// themselves come from the domain (scoringEntriesOf); this file only feeds it.
import {
  type LedgerEntry,
  type PackedEntry,
  type PairStream,
  packEntry,
  type RuleSetOn,
  scoringEntriesOf,
  unpackEntry,
} from "../domain/designation.ts";
import type { EngagementEvent } from "../domain/events.ts";
import { type TimedEvent, timed } from "../domain/facts.ts";
import { DocumentConflict } from "./ports/document-collection.ts";
import type { SourceContent, SourceDocument } from "./scoring-documents.ts";
import { extendScoringFacts, type ScoringFacts } from "./scoring-facts.ts";
import {
  eventsAfterCut,
  type Format2Head,
  isPairEvent,
  type LegacyHead,
  type PairDocument,
  type PartnerDocument,
  upgradeHead,
} from "./stream-head.ts";

export const PARTNER_SOURCE = "partner";

/** What a source's entries are computed from. */
export interface SourceState {
  /** A tenant source: each pair's scoring facts, by workload. */
  factsByWorkload?: Record<string, ScoringFacts>;
  /** The partner source: the partner head version read, and its certification entries. */
  partnerVersion?: number;
  certificationEntries?: PackedEntry[];
}

/** A head as a pair head document may be stored (earlier formats are upgraded on read). */
type StoredPairHead = PairDocument | Format2Head | LegacyHead;

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
  if (old?.partnerVersion !== undefined && old.partnerVersion >= head.version) return undefined;
  const certs = scoringEntriesOf({ kind: "partner", events: timedScoring(eventsAfterCut(head)) }, rules);
  return { partnerVersion: head.version, certificationEntries: certs.map(packEntry) };
}

/** A source's state for a claim; `changed`: it differs from what the source document was computed from. */
export interface Next {
  state: SourceState;
  /** Tenant sources: workload -> the pair head's document id, where known. */
  ids?: Record<string, string>;
  changed: boolean;
}

/** The partner source's state for a claim: newer certifications, or the stored ones unchanged. */
export function partnerNext(old: SourceDocument | undefined, head: PartnerDocument, rules: RuleSetOn): Next {
  const state = partnerState(old, head, rules);
  if (state) return { state, changed: true };
  const { partnerVersion, certificationEntries } = old ?? {};
  return { state: { partnerVersion, certificationEntries }, changed: false };
}

/** The entries of a source in a given state. */
export function entriesOf(source: string, s: SourceState, rules: RuleSetOn): LedgerEntry[] {
  if (source === PARTNER_SOURCE) return (s.certificationEntries ?? []).map((p) => unpackEntry(p, rules));
  const pairs: PairStream[] = Object.entries(s.factsByWorkload ?? {}).map(([workload, f]) => ({
    workload,
    events: eventsOfFacts(f),
  }));
  return scoringEntriesOf({ kind: "tenant", tenantId: source, pairs }, rules);
}

/**
 * A pair head's scoring facts: those of its snapshot (the events up to its cut) extended with its own
 * events in the tail. Bounded by the head, never a read of the stream.
 */
export function scoringFactsOfHead(stored: StoredPairHead): ScoringFacts {
  const head = upgradeHead(stored as PairDocument, new Date()) as PairDocument;
  const own = head.tail.filter(isPairEvent);
  // The version that last changed them, so an event that cannot change them writes nothing downstream.
  const version = head.scoringVersion ?? head.version;
  return { ...extendScoringFacts(head.snapshot.scoring, own), version };
}

/**
 * Events that fold (designation.ts) to the same entries as the pair's own: the claim events in their
 * business order (same instants, ids keeping ties in order), one completion per date, one usage report
 * per month with its last MAU.
 */
function eventsOfFacts(f: ScoringFacts): TimedEvent[] {
  const out: TimedEvent[] = [];
  const base = { specversion: "1.0", source: "scoring:facts", partnerid: "" };
  f.claims.forEach((c, k) => {
    const time = new Date(c.timeMs).toISOString();
    const id = `c${String(k).padStart(6, "0")}`;
    const event =
      "approvedOn" in c
        ? {
            ...base,
            id,
            time,
            type: "claim.approved",
            data: { claimId: c.claimId, approvedOn: c.approvedOn },
          }
        : { ...base, id, time, type: "claim.disassociated", data: { claimId: c.claimId, reason: "" } };
    out.push(timed(event as unknown as EngagementEvent));
  });
  f.deploymentsCompletedOn.forEach((completedOn, k) => {
    const event = {
      ...base,
      id: `d${k}`,
      time: `${completedOn}T00:00:00Z`,
      type: "deployment.completed",
      data: { completedOn },
    };
    out.push(timed(event as unknown as EngagementEvent));
  });
  for (const [month, mau] of Object.entries(f.mauByMonth)) {
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
 * A tenant source's state: the stored facts (inline in documents written before references, else read
 * back from the pair heads the document names, unless the batch brings facts at least as new) with the
 * batch's newer facts merged in (per pair, higher head version wins: order-free and idempotent).
 * `changed`: some pair's version differs from the stored one, so its entries must be recomputed.
 */
export async function tenantState(
  old: SourceDocument | undefined,
  batch: readonly HeadFacts[],
  readHead: (id: string) => Promise<StoredPairHead | undefined>,
): Promise<{ state: SourceState; ids: Record<string, string>; changed: boolean }> {
  const facts: Record<string, ScoringFacts> = { ...(old?.inlineFacts ?? {}) };
  const stored: Record<string, number> = {};
  const ids: Record<string, string> = {};
  for (const [w, f] of Object.entries(facts)) stored[w] = f.version;
  const fromBatch = new Map(batch.map((b) => [b[0], b]));
  await Promise.all(
    Object.entries(old?.pairHeads ?? {}).map(async ([w, { headId, scoringVersion }]) => {
      stored[w] = scoringVersion;
      ids[w] = headId;
      const b = fromBatch.get(w);
      if (b && b[1].version >= scoringVersion) return;
      const head = await readHead(headId);
      const f = head ? scoringFactsOfHead(head) : undefined;
      // Heads only move forward: an older one is a stale read (retried), never facts to go back to.
      if (!f || f.version < scoringVersion) throw new DocumentConflict(headId, 412);
      facts[w] = f;
    }),
  );
  for (const [w, f, id] of batch) {
    ids[w] = id;
    const seen = facts[w];
    if (!seen || seen.version < f.version) facts[w] = f;
  }
  // A pair still inline (written before references) whose head is now known moves to a reference: one write.
  const changed =
    Object.keys(facts).some((w) => facts[w]!.version !== stored[w]) ||
    Object.keys(old?.inlineFacts ?? {}).some((w) => ids[w] !== undefined);
  return { state: { factsByWorkload: facts }, ids, changed };
}

/** How a source document stores a state: tenant pairs by head reference where the head is known, else inline. */
export function sourceContent(state: SourceState, ids: Record<string, string> | undefined): SourceContent {
  const facts = Object.entries(state.factsByWorkload ?? {});
  const known = facts.filter(([w]) => ids?.[w] !== undefined);
  const inline = facts.filter(([w]) => ids?.[w] === undefined);
  return {
    pairHeads: Object.fromEntries(
      known.map(([w, f]) => [w, { headId: ids![w]!, scoringVersion: f.version }]),
    ),
    inlineFacts: Object.fromEntries(inline),
    partnerVersion: state.partnerVersion,
    certificationEntries: state.certificationEntries,
  };
}
