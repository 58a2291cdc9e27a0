import type { EngagementEvent } from "../domain/events.ts";
import { ConcurrencyError } from "../infra/event-store.ts";
import type { PairDocument, ProjectionDocument } from "./projection.ts";
import type { Head, Projections } from "./projections.ts";

export interface Recorded {
  accepted: EngagementEvent[];
  duplicates: EngagementEvent[];
  head: ProjectionDocument;
  /** Pairs whose state this delivery changed (a tenant event changes all of the tenant's pairs). */
  pairs: PairDocument[];
}

interface Waiting {
  events: EngagementEvent[];
  resolve(result: Recorded): void;
  reject(error: unknown): void;
}

/** A stream stayed contended past the retry budget; the delivery can be retried safely (idempotent). */
export class StreamBusy extends Error {
  constructor(readonly streamId: string) {
    super(`stream ${streamId} is busy; retry the delivery`);
  }
}

const MAX_APPEND_ATTEMPTS = 10;
const deliveryKey = (e: { source: string; id: string }) => `${e.source}\u0000${e.id}`;

/**
 * Records delivered events in their streams, each exactly once by (source, id).
 * Within this instance, deliveries to the same stream queue behind each other and are appended
 * together as one document (group commit): no contention, fewer requests under load. Across
 * instances, the event store's expected-version check decides and the loser catches up by point
 * reads, which also reveals a redelivery of an event its head had not yet folded.
 */
export class EventRecorder {
  private readonly queues = new Map<string, Waiting[]>();

  constructor(
    private readonly projections: Projections,
    private readonly backoffMs: (attempt: number) => number = (a) =>
      Math.min(200, 5 * 2 ** a) * Math.random(),
  ) {}

  record(streamId: string, events: EngagementEvent[]): Promise<Recorded> {
    return new Promise<Recorded>((resolve, reject) => {
      const queue = this.queues.get(streamId);
      const waiting = { events, resolve, reject };
      if (queue) {
        queue.push(waiting);
        return;
      }
      this.queues.set(streamId, [waiting]);
      void this.drain(streamId);
    });
  }

  private async drain(streamId: string): Promise<void> {
    let head: Head | undefined;
    for (;;) {
      const batch = this.queues.get(streamId)!.splice(0);
      if (batch.length === 0) {
        this.queues.delete(streamId);
        return;
      }
      try {
        head = await this.commit(streamId, batch, head);
      } catch (error) {
        head = undefined;
        for (const w of batch) w.reject(error);
      }
    }
  }

  /** Appends a batch's new events as one document and writes the head; returns the head for the next batch. */
  private async commit(streamId: string, batch: Waiting[], known?: Head): Promise<Head> {
    let head = known ?? (await this.projections.readHead(streamId));
    let doc = head.doc;
    for (let attempt = 1; ; attempt++) {
      const seen = new Set(doc.events.map(deliveryKey));
      const fresh: EngagementEvent[] = [];
      const outcome = batch.map(() => ({
        accepted: [] as EngagementEvent[],
        duplicates: [] as EngagementEvent[],
      }));
      for (const [i, w] of batch.entries()) {
        for (const e of w.events) {
          const key = deliveryKey(e);
          if (seen.has(key)) outcome[i]!.duplicates.push(e);
          else {
            seen.add(key);
            fresh.push(e);
            outcome[i]!.accepted.push(e);
          }
        }
      }
      if (fresh.length === 0) {
        const pairs = doc.docType === "pair" ? [doc] : [];
        for (const [i, w] of batch.entries()) w.resolve({ ...outcome[i]!, head: doc, pairs });
        return { doc, etag: head.etag };
      }
      try {
        const { lastVersion } = await this.projections.store.append(streamId, fresh, doc.version);
        const next = this.projections.project({
          ...doc,
          version: lastVersion,
          events: [...doc.events, ...fresh],
        });
        const written = await this.projections.writeHead({ doc, etag: head.etag }, next);
        const pairs =
          written.doc.docType === "pair"
            ? [written.doc]
            : written.doc.docType === "tenant"
              ? await this.projections.propagateTenant(written.doc)
              : [];
        for (const [i, w] of batch.entries()) w.resolve({ ...outcome[i]!, head: written.doc, pairs });
        return written;
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
        if (attempt >= MAX_APPEND_ATTEMPTS) throw new StreamBusy(streamId);
        await sleep(this.backoffMs(attempt));
        head = await this.projections.readHead(streamId);
        doc = await this.projections.catchUp(head.doc);
      }
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
