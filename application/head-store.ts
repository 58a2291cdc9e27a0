import type { EngagementEvent } from "../domain/events.ts";
import type { TimedEvent } from "../domain/facts.ts";
import { pairTimeline } from "../domain/fold.ts";
import { tenantStreamId } from "../domain/streams.ts";
import { type DocumentCollection, DocumentConflict } from "./ports/document-collection.ts";
import type { EventStore } from "./ports/event-store.ts";
import {
  type AlertScheduling,
  changesScoring,
  emptyHead,
  headFromStreams,
  headOf,
  type PairDocument,
  type ProjectionDocument,
  pairFromTenant,
  reproject,
  type TenantDocument,
  tenantDocumentId,
  upgradeHead,
  withEvents,
} from "./stream-head.ts";

export interface Head {
  doc: ProjectionDocument;
  /** Absent for a stream with no head document yet. */
  etag?: string;
}

interface Stream {
  events: EngagementEvent[];
  version: number;
}

const MAX_WRITE_ATTEMPTS = 8;
/**
 * Heads this instance keeps with their etags, least recently used out: an append to one of them is 2
 * requests, not 3. Heads are 5-40 KB, so at most ~80 MB and typically ~20 MB.
 */
const CACHED_HEADS = 2_000;

/**
 * Keeps the projection documents (stream heads) current: reading heads (from this instance's cache
 * when it has them), catching them up from the events by point reads, refolding them from the event
 * documents when an event lands before their cut, writing them etag-checked, and carrying tenant
 * events to the tenant's pairs.
 */
export class HeadStore {
  readonly #cache = new Map<string, Head>();

  constructor(
    readonly store: EventStore,
    readonly docs: DocumentCollection<ProjectionDocument>,
    readonly alerts: AlertScheduling,
    readonly clock: () => Date,
  ) {}

  /** The head this instance last read or wrote, with its etag (it may be stale: a 412/409 says so). */
  cached(streamId: string): Head | undefined {
    const head = this.#cache.get(streamId);
    if (head) this.remember(head); // most recently used
    return head;
  }

  remember(head: Head): Head {
    if (!head.etag) return head;
    this.#cache.delete(head.doc.streamId);
    this.#cache.set(head.doc.streamId, head);
    if (this.#cache.size > CACHED_HEADS) this.#cache.delete(this.#cache.keys().next().value!);
    return head;
  }

  forget(streamId: string): void {
    this.#cache.delete(streamId);
  }

  /** The stored head (a first-format one upgraded in memory); none yet: an empty one, a pair's from its tenant's. */
  async readHead(streamId: string): Promise<Head> {
    const { partnerId, id } = headOf(streamId);
    const found = await this.docs.read(partnerId, id);
    if (found) return this.remember({ doc: upgradeHead(found.doc, this.clock()), etag: found.etag });
    const empty = emptyHead(streamId, this.clock());
    if (empty.docType !== "pair") return { doc: empty };
    const tenant = await this.tenantHead(empty, true);
    return { doc: tenant ? pairFromTenant(empty, tenant) : empty };
  }

  /** The pair's tenant head: cached when `cachedOk` and known to this instance, else one point read. */
  private async tenantHead(pair: PairDocument, cachedOk = false): Promise<TenantDocument | undefined> {
    const tenantStream = tenantStreamId(pair.partnerId, pair.tenantId);
    const cached = cachedOk ? this.#cache.get(tenantStream) : undefined;
    if (cached?.doc.docType === "tenant") return cached.doc;
    const found = await this.docs.read(pair.partnerId, tenantDocumentId(pair.tenantId));
    if (found?.doc.docType !== "tenant") return undefined;
    return this.remember({ doc: upgradeHead(found.doc, this.clock()), etag: found.etag })
      .doc as TenantDocument;
  }

  /** The stream's own events appended after the head (point reads along the chain, no query). */
  async catchUpOwn(doc: ProjectionDocument): Promise<ProjectionDocument> {
    const { events, version } = await this.store.readForward(doc.streamId, doc.version + 1);
    if (events.length === 0) return doc;
    return this.merge(
      doc,
      events.map((e) => e.event as EngagementEvent),
      version,
    );
  }

  /** Own events and, for a pair, its tenant's events appended after the versions the head has folded. */
  async catchUp(doc: ProjectionDocument, ownKnownAt?: number): Promise<ProjectionDocument> {
    // A head already at the version the caller saw needs no probe of its own stream.
    let next = ownKnownAt !== undefined && doc.version >= ownKnownAt ? doc : await this.catchUpOwn(doc);
    if (next.docType !== "pair") return next;
    const tenant = await this.tenantHead(next);
    if (!tenant || tenant.version <= next.tenantVersion) return next;
    const { events, version } = await this.store.readForward(tenant.streamId, next.tenantVersion + 1);
    next = await this.mergeTenant(
      next,
      events.map((e) => e.event as EngagementEvent),
      version,
    );
    return next;
  }

  /** Stored events of the stream merged into the head: into its tail, or a refold when one lands before the cut. */
  async merge(
    doc: ProjectionDocument,
    events: EngagementEvent[],
    version: number,
  ): Promise<ProjectionDocument> {
    return this.mergeInTail(doc, events, version) ?? this.refold(doc);
  }

  /** `merge` without a refold: undefined when an event lands before the cut. */
  mergeInTail(doc: ProjectionDocument, events: EngagementEvent[], version: number) {
    const fast = withEvents(doc, events, this.clock());
    if (!fast) return undefined;
    if (fast.docType === "pair" && changesScoring(events))
      return { ...fast, version, scoringVersion: version };
    return { ...fast, version };
  }

  private async mergeTenant(doc: PairDocument, events: EngagementEvent[], version: number) {
    const fast = withEvents(doc, events, this.clock());
    if (fast) return { ...fast, tenantVersion: version };
    return this.refold(doc);
  }

  /** The head folded again from the whole streams in the event documents (one query per stream). */
  async refold<D extends ProjectionDocument>(doc: D): Promise<D> {
    const stream = await this.streamOf(doc.streamId);
    const tenant = doc.docType === "pair" ? await this.tenantStream(doc) : { events: [], version: 0 };
    return headFromStreams(doc, stream, tenant, this.clock());
  }

  async streamOf(streamId: string): Promise<Stream> {
    const { events, version } = await this.store.readStream(streamId);
    return { events: events.map((e) => e.event as EngagementEvent), version };
  }

  async tenantStream(pair: PairDocument): Promise<Stream> {
    const tenant = await this.tenantHead(pair);
    return tenant ? this.streamOf(tenant.streamId) : { events: [], version: 0 };
  }

  /** The full timeline of a pair at `asOf`, read from the event documents (GET of one pair, the POE summary). */
  async timelineAt(pair: PairDocument, asOf: string): Promise<TimedEvent[]> {
    const [own, tenant] = await Promise.all([this.streamOf(pair.streamId), this.tenantStream(pair)]);
    return pairTimeline(own.events, tenant.events, asOf);
  }

  /** The document re-derived at now (pairs: state and next alert date). */
  project(doc: ProjectionDocument): ProjectionDocument {
    const now = this.clock();
    if (doc.docType === "pair") return reproject(doc, now, this.alerts);
    return { ...doc, projectedAt: now.toISOString() };
  }

  /**
   * Writes a head etag-checked. When another writer got there first, re-reads it and keeps whichever
   * has folded more of the streams, catching up and retrying: the head never goes backwards.
   */
  async writeHead(
    head: Head,
    next: ProjectionDocument,
    /** Our change re-applied to their head, when that needs no read (e.g. only the timer wrote it). */
    rebase?: (theirs: ProjectionDocument) => ProjectionDocument | undefined,
  ): Promise<Head> {
    let candidate = next;
    let current = head;
    for (let attempt = 1; ; attempt++) {
      try {
        const written = current.etag
          ? await this.docs.replace(candidate, current.etag)
          : await this.docs.create(candidate);
        return this.remember(written);
      } catch (error) {
        this.forget(candidate.streamId);
        if (!(error instanceof DocumentConflict) || attempt >= MAX_WRITE_ATTEMPTS) throw error;
        current = await this.readHead(candidate.streamId);
        const theirs = current.doc;
        if (covers(theirs, candidate)) return current;
        // Keep their alert record; fold what the streams hold beyond their versions on top.
        candidate = this.project(rebase?.(theirs) ?? (await this.catchUp(theirs)));
      }
    }
  }

  /** Brings a head up to at least `version` of its stream, and a pair to its tenant's (the change feed's healing step). */
  async heal(streamId: string, version: number): Promise<ProjectionDocument> {
    const head = await this.readHead(streamId);
    let doc = head.doc;
    // Documents after `version` come through the change feed themselves.
    const caughtUp = await this.catchUp(doc, head.etag ? version : undefined);
    if (caughtUp !== doc || !head.etag || doc.version < version) {
      doc = (await this.writeHead(head, this.project(caughtUp))).doc;
    }
    if (doc.docType === "tenant") await this.propagateTenant(doc);
    return doc;
  }

  /** Replaces a head with one folded from the whole streams (rebuilds and migrations: the snapshot is disposable). */
  async rebuildStream(streamId: string): Promise<void> {
    const head = await this.readHead(streamId);
    const base = head.etag ? head.doc : emptyHead(streamId, this.clock());
    await this.writeHead(head, this.project(await this.refold(base)));
  }

  /** Carries a tenant's events to every pair of the tenant that has folded an older version of it. */
  async propagateTenant(tenant: TenantDocument): Promise<PairDocument[]> {
    const updated: PairDocument[] = [];
    let continuationToken: string | undefined;
    do {
      // Ids and versions only: the pairs' heads are read one by one, etag in hand.
      const page = await this.docs.query<{ id: string; tenantVersion?: number }>(
        tenant.partnerId,
        "SELECT c.id, c.tenantVersion FROM c WHERE c.partnerId = @partnerId AND c.docType = 'pair' AND c.tenantId = @tenantId",
        [
          { name: "@partnerId", value: tenant.partnerId },
          { name: "@tenantId", value: tenant.tenantId },
        ],
        { maxItemCount: 100, continuationToken },
      );
      continuationToken = page.continuationToken;
      for (const pair of page.items) {
        if ((pair.tenantVersion ?? 0) >= tenant.version) continue;
        const found = await this.docs.read(tenant.partnerId, pair.id);
        if (found?.doc.docType !== "pair") continue;
        const head = { doc: upgradeHead(found.doc, this.clock()) as PairDocument, etag: found.etag };
        if (head.doc.tenantVersion >= tenant.version) continue;
        const { events, version } = await this.store.readForward(tenant.streamId, head.doc.tenantVersion + 1);
        const next = await this.mergeTenant(
          head.doc,
          events.map((e) => e.event as EngagementEvent),
          version,
        );
        updated.push((await this.writeHead(head, this.project(next))).doc as PairDocument);
      }
    } while (continuationToken);
    return updated;
  }
}

/** Whether `theirs` has folded at least what `ours` has (same stream: a version names the same events). */
function covers(theirs: ProjectionDocument, ours: ProjectionDocument): boolean {
  if (theirs.version < ours.version) return false;
  return !(ours.docType === "pair" && theirs.docType === "pair" && theirs.tenantVersion < ours.tenantVersion);
}
