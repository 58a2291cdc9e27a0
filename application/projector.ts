import { STREAM_KINDS, streamKindOfId } from "../domain/streams.ts";
import type { HeadStore } from "./head-store.ts";
import type { EventDocument } from "./ports/event-store.ts";
import type { Scoring } from "./scoring.ts";
import { headOf, type ProjectionDocument } from "./stream-head.ts";

/**
 * Re-derives projections from the change feed of the events container, so a crash between an
 * append and its projection heals itself. Idempotent: a head already at the document's version is
 * left alone, and delivering a document twice changes nothing.
 */
export class Projector {
  constructor(
    private readonly projections: HeadStore,
    private readonly scoring?: Scoring,
  ) {}

  async handle(documents: readonly unknown[]): Promise<void> {
    // Only the newest version per stream matters; tenants first so their pairs fold the new profile.
    const latest = new Map<string, EventDocument>();
    for (const d of documents as EventDocument[]) {
      if (!d || typeof d.streamId !== "string" || typeof d.lastVersion !== "number") continue;
      const seen = latest.get(d.streamId);
      if (!seen || seen.lastVersion < d.lastVersion) latest.set(d.streamId, d);
    }
    const ordered = [...latest.values()].sort((a, b) => rank(a) - rank(b));
    const healed: ProjectionDocument[] = [];
    for (const d of ordered) healed.push(await this.projections.heal(d.streamId, d.lastVersion));
    // The designation read model follows the healed heads: each touched tenant (and partner) once.
    await this.scoring?.updateAfterHeal(healed);
  }

  /** `npm run rebuild`: every projection from the events, as if the pairs container were empty. */
  async rebuild(streams: AsyncIterable<string>, onStream?: (streamId: string) => void): Promise<number> {
    const ids: string[] = [];
    for await (const id of streams) ids.push(id);
    ids.sort((a, b) => depth(a) - depth(b)); // partners and tenants before pairs
    for (const id of ids) {
      await this.projections.rebuildStream(id);
      onStream?.(id);
    }
    // The designation read model, folded again from the rebuilt heads.
    const pairHeads = new Map<string, string[]>();
    for (const id of ids) {
      const head = headOf(id);
      const list = pairHeads.get(head.partnerId) ?? [];
      if (head.docType === "pair") list.push(head.id);
      pairHeads.set(head.partnerId, list);
    }
    for (const [partnerId, heads] of pairHeads) await this.scoring?.rebuildPartner(partnerId, heads);
    return ids.length;
  }
}

// Partners and tenants before pairs, in STREAM_KINDS' order: a pair folds its tenant's new profile.
const depth = (streamId: string) => STREAM_KINDS.indexOf(streamKindOfId(streamId));
const rank = (d: EventDocument) => STREAM_KINDS.indexOf(d.kind);
