import type { EngagementEvent } from "../domain/events.ts";
import { type DocumentCollection, DocumentConflict } from "../infra/cosmos/documents.ts";
import type { EventStore } from "../infra/event-store.ts";
import {
  type AlertScheduling,
  emptyHead,
  headOf,
  type PairDocument,
  type ProjectionDocument,
  reproject,
  type TenantDocument,
  tenantDocumentId,
} from "./projection.ts";

export interface Head {
  doc: ProjectionDocument;
  /** Absent for a stream with no head document yet. */
  etag?: string;
}

const MAX_WRITE_ATTEMPTS = 8;

/**
 * Keeps the projection documents (stream heads) current: reading heads, catching them up from the
 * events by point reads, writing them etag-checked, and carrying tenant events to the tenant's pairs.
 */
export class Projections {
  constructor(
    readonly store: EventStore,
    readonly docs: DocumentCollection<ProjectionDocument>,
    readonly alerts: AlertScheduling,
    readonly clock: () => Date,
  ) {}

  async readHead(streamId: string): Promise<Head> {
    const { partnerId, id } = headOf(streamId);
    const found = await this.docs.read(partnerId, id);
    if (found) return { doc: found.doc, etag: found.etag };
    return { doc: await this.withTenant(emptyHead(streamId, this.clock())) };
  }

  /** Folds events appended after the head's version (point reads, no query). */
  async catchUp(doc: ProjectionDocument): Promise<ProjectionDocument> {
    const { events, version } = await this.store.readForward(doc.streamId, doc.version + 1);
    if (events.length === 0) return doc;
    return { ...doc, version, events: [...doc.events, ...events.map((e) => e.event as EngagementEvent)] };
  }

  /** The document re-derived at now (pairs: state and next alert date). */
  project(doc: ProjectionDocument): ProjectionDocument {
    const now = this.clock();
    if (doc.docType === "pair") return reproject(doc, now, this.alerts);
    return { ...doc, projectedAt: now.toISOString() };
  }

  /**
   * Writes a head etag-checked. When another writer got there first, re-reads it and keeps whichever
   * has folded more of the stream, catching up and retrying: the head never goes backwards.
   */
  async writeHead(head: Head, next: ProjectionDocument): Promise<Head> {
    let candidate = next;
    let current = head;
    for (let attempt = 1; ; attempt++) {
      try {
        return current.etag
          ? await this.docs.replace(candidate, current.etag)
          : await this.docs.create(candidate);
      } catch (error) {
        if (!(error instanceof DocumentConflict) || attempt >= MAX_WRITE_ATTEMPTS) throw error;
        current = await this.readHead(candidate.streamId);
        const theirs = current.doc;
        if (theirs.version >= candidate.version && !newerTenant(candidate, theirs)) return current;
        // Keep their alert record and tenant copy; fold our stream position on top of theirs.
        const merged = theirs.version >= candidate.version ? theirs : await this.catchUp(theirs);
        candidate = this.project(mergeTenant(merged, candidate));
      }
    }
  }

  /** Brings a head up to at least `version` of its stream (the change feed's healing step). */
  async heal(streamId: string, version: number): Promise<ProjectionDocument> {
    const head = await this.readHead(streamId);
    let doc = head.doc;
    if (doc.version < version || !head.etag) {
      const caughtUp = await this.catchUp(doc);
      doc = (await this.writeHead(head, this.project(await this.withTenant(caughtUp)))).doc;
    } else if (doc.docType === "pair") {
      // A pair created while its tenant's profile was being recorded may have missed it.
      const withTenant = await this.withTenant(doc);
      if (withTenant !== doc) doc = (await this.writeHead(head, this.project(withTenant))).doc;
    }
    if (doc.docType === "tenant") await this.propagateTenant(doc);
    return doc;
  }

  /** Replaces a head with one folded from the whole stream (rebuilds: the snapshot is disposable). */
  async rebuildStream(streamId: string): Promise<void> {
    const { events, version } = await this.store.readStream(streamId);
    const head = await this.readHead(streamId);
    const fresh = await this.withTenant(emptyHead(streamId, this.clock()));
    const keep =
      head.doc.docType === "pair" && fresh.docType === "pair" ? { raisedAlerts: head.doc.raisedAlerts } : {};
    const rebuilt = this.project({
      ...fresh,
      ...keep,
      version,
      events: events.map((e) => e.event as EngagementEvent),
    });
    await this.writeHead(head, rebuilt);
  }

  /** Carries a tenant's events to every pair of the tenant that has folded an older version. */
  async propagateTenant(tenant: TenantDocument): Promise<PairDocument[]> {
    const updated: PairDocument[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.docs.query(
        tenant.partnerId,
        "SELECT * FROM c WHERE c.partnerId = @partnerId AND c.docType = 'pair' AND c.tenantId = @tenantId",
        [
          { name: "@partnerId", value: tenant.partnerId },
          { name: "@tenantId", value: tenant.tenantId },
        ],
        { maxItemCount: 100, continuationToken },
      );
      continuationToken = page.continuationToken;
      for (const pair of page.items as PairDocument[]) {
        if (pair.tenantVersion >= tenant.version) continue;
        const head = await this.docs.read(pair.partnerId, pair.id);
        if (!head) continue;
        const next = this.project({
          ...(head.doc as PairDocument),
          tenantVersion: tenant.version,
          tenantEvents: tenant.events,
        });
        updated.push((await this.writeHead({ doc: head.doc, etag: head.etag }, next)).doc as PairDocument);
      }
    } while (continuationToken);
    return updated;
  }

  /** A pair with its tenant's current events, when the tenant's head has folded more (one point read). */
  private async withTenant(doc: ProjectionDocument): Promise<ProjectionDocument> {
    if (doc.docType !== "pair") return doc;
    const tenant = await this.docs.read(doc.partnerId, tenantDocumentId(doc.tenantId));
    if (!tenant || tenant.doc.version <= doc.tenantVersion) return doc;
    return { ...doc, tenantVersion: tenant.doc.version, tenantEvents: tenant.doc.events };
  }
}

function newerTenant(ours: ProjectionDocument, theirs: ProjectionDocument): boolean {
  return ours.docType === "pair" && theirs.docType === "pair" && ours.tenantVersion > theirs.tenantVersion;
}

function mergeTenant(base: ProjectionDocument, other: ProjectionDocument): ProjectionDocument {
  if (base.docType !== "pair" || other.docType !== "pair" || other.tenantVersion <= base.tenantVersion)
    return base;
  return { ...base, tenantVersion: other.tenantVersion, tenantEvents: other.tenantEvents };
}
