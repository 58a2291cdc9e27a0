import type { EngagementEvent } from "../domain/events.ts";
import type { TimedEvent } from "../domain/facts.ts";
import type { Head, HeadStore } from "./head-store.ts";
import { idempotencyKey } from "./idempotency.ts";
import { ConcurrencyError } from "./ports/event-store.ts";
import {
  foldedKeysUnknown,
  headFromStreams,
  inTail,
  landsInTail,
  mayHaveFoldedKey,
  type PairDocument,
  type ProjectionDocument,
} from "./stream-head.ts";

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

/** The store refused the append itself (not a race): nothing of the group was written. */
class AppendRefused extends Error {
  constructor(override readonly cause: unknown) {
    super("the event store refused the append", { cause });
  }
}

const MAX_APPEND_ATTEMPTS = 10;

/**
 * Records delivered events in their streams, each exactly once by (source, id).
 * Within this instance, deliveries to the same stream queue behind each other and are appended
 * together as one document (group commit): no contention, fewer requests under load. A group the
 * store refuses is retried delivery by delivery, so one bad event fails alone. Across instances,
 * the event store's expected-version check decides and the loser catches up by point reads.
 *
 * Duplicates are found exactly with a bounded head: an event after the head's cut is a duplicate
 * iff its key is in the tail (the tail holds every event after the cut); an event at or before the
 * cut (a redelivery long after, a late event) is checked against the whole stream, read from the
 * event documents, and the head is refolded.
 */
export class EventRecorder {
  private readonly queues = new Map<string, Waiting[]>();

  constructor(
    private readonly projections: HeadStore,
    private readonly backoffMs: (attempt: number) => number = (a) =>
      Math.min(200, 5 * 2 ** a) * Math.random(),
  ) {}

  record(streamId: string, events: EngagementEvent[]): Promise<Recorded> {
    return new Promise<Recorded>((resolve, reject) => {
      // An event that cannot be serialised is refused before it can share a group with others.
      try {
        JSON.stringify(events);
      } catch (error) {
        reject(error);
        return;
      }
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

  /** The pair's full timeline at `asOf`, from the event documents. */
  timelineAt(doc: PairDocument, asOf: string): Promise<TimedEvent[]> {
    return this.projections.timelineAt(doc, asOf);
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
        this.projections.forget(streamId);
        if (error instanceof AppendRefused && batch.length > 1) {
          // Nothing of the group was stored: each delivery alone, so only the refused one fails.
          for (const w of batch) {
            try {
              head = await this.commit(streamId, [w], head);
            } catch (single) {
              head = undefined;
              this.projections.forget(streamId);
              w.reject(single instanceof AppendRefused ? single.cause : single);
            }
          }
        } else {
          const cause = error instanceof AppendRefused ? error.cause : error;
          for (const w of batch) w.reject(cause);
        }
      }
    }
  }

  /** Appends a batch's new events as one document and writes the head; returns the head for the next batch. */
  private async commit(streamId: string, batch: Waiting[], known?: Head): Promise<Head> {
    let head = known ?? this.projections.cached(streamId) ?? (await this.projections.readHead(streamId));
    let doc = head.doc;
    // Keys the stream was found to hold (a resend under another time): true on every retry too.
    const held = new Set<string>();
    for (let attempt = 1; ; attempt++) {
      // A head that cannot tell what it folded takes the refold path once, which records it.
      const unknown = foldedKeysUnknown(doc);
      const mayHaveFolded = mayHaveFoldedKey(doc);
      const seen = new Set<string>();
      const fresh: EngagementEvent[] = [];
      let beforeCut = false;
      const outcome = batch.map(() => ({
        accepted: [] as EngagementEvent[],
        duplicates: [] as EngagementEvent[],
      }));
      for (const [i, w] of batch.entries()) {
        for (const e of w.events) {
          const key = idempotencyKey(e);
          const lands = landsInTail(doc, e);
          if (seen.has(key) || held.has(key) || inTail(doc, e)) outcome[i]!.duplicates.push(e);
          // Maybe folded before under another time: one query in the stream's partition settles it.
          else if (lands && mayHaveFolded(key) && (await this.projections.store.holds(streamId, e))) {
            held.add(key);
            outcome[i]!.duplicates.push(e);
          } else {
            seen.add(key);
            fresh.push(e);
            outcome[i]!.accepted.push(e);
            if (unknown || !lands) beforeCut = true;
          }
        }
      }
      const respond = (written: ProjectionDocument, pairs: PairDocument[]) => {
        for (const [i, w] of batch.entries()) w.resolve({ ...outcome[i]!, head: written, pairs });
      };
      if (fresh.length === 0) {
        respond(doc, doc.docType === "pair" ? [doc] : []);
        return head;
      }
      try {
        const written = beforeCut
          ? await this.appendBeforeCut(head, fresh, outcome)
          : await this.appendToTail(head, fresh);
        const pairs =
          written.doc.docType === "pair"
            ? [written.doc]
            : written.doc.docType === "tenant"
              ? await this.projections.propagateTenant(written.doc)
              : [];
        respond(written.doc, pairs);
        return written;
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
        this.projections.forget(streamId);
        if (attempt >= MAX_APPEND_ATTEMPTS) throw new StreamBusy(streamId);
        await sleep(this.backoffMs(attempt));
        head = await this.projections.readHead(streamId);
        doc = await this.projections.catchUpOwn(head.doc);
        head = { ...head, doc };
      }
    }
  }

  /** The common case: 1 create, 1 etag-checked replace (plus 1 read when the head was not cached). */
  private async appendToTail(head: Head, fresh: EngagementEvent[]): Promise<Head> {
    const { lastVersion } = await this.append(head.doc.streamId, fresh, head.doc.version);
    const next = await this.projections.merge(head.doc, fresh, lastVersion);
    // A 412 from a head nobody appended to since (the timer, a tenant's propagation): re-apply ours to theirs.
    const rebase = (theirs: ProjectionDocument) =>
      theirs.version === head.doc.version
        ? this.projections.mergeInTail(theirs, fresh, lastVersion)
        : undefined;
    return this.projections.writeHead(head, this.projections.project(next), rebase);
  }

  /**
   * An event at or before the cut: only the whole stream can say whether it is new. Reads it from the
   * event documents, keeps the genuinely new events, appends them and refolds the head from the streams.
   */
  private async appendBeforeCut(
    head: Head,
    fresh: EngagementEvent[],
    outcome: { accepted: EngagementEvent[]; duplicates: EngagementEvent[] }[],
  ): Promise<Head> {
    const stream = await this.projections.streamOf(head.doc.streamId);
    const stored = new Set(stream.events.map(idempotencyKey));
    for (const o of outcome) {
      const accepted = o.accepted.filter((e) => !stored.has(idempotencyKey(e)));
      o.duplicates.push(...o.accepted.filter((e) => stored.has(idempotencyKey(e))));
      o.accepted = accepted;
    }
    const add = fresh.filter((e) => !stored.has(idempotencyKey(e)));
    let version = stream.version;
    if (add.length > 0) version = (await this.append(head.doc.streamId, add, stream.version)).lastVersion;
    const doc = head.doc;
    const tenant =
      doc.docType === "pair" ? await this.projections.tenantStream(doc) : { events: [], version: 0 };
    const next = headFromStreams(
      doc,
      { events: [...stream.events, ...add], version },
      tenant,
      this.projections.clock(),
    );
    return this.projections.writeHead(head, this.projections.project(next));
  }

  private async append(streamId: string, events: EngagementEvent[], expectedVersion: number) {
    try {
      return await this.projections.store.append(streamId, events, expectedVersion);
    } catch (error) {
      if (error instanceof ConcurrencyError) throw error;
      throw new AppendRefused(error);
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
