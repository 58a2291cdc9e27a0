// The port (EventStore, ConcurrencyError, the document shape) is application/'s; what follows is
// shared by the stores that implement it. Re-exported so existing imports keep working.
import {
  type AppendResult,
  ConcurrencyError,
  type EventDocument,
  type EventStore,
  type RecordedEvent,
  type StreamAddress,
  type StreamEvent,
} from "../application/ports/event-store.ts";
import { streamAddressOf } from "../domain/events.ts";

export * from "../application/ports/event-store.ts";

// Cosmos rejects these in ids, and the stream id is part of every document id.
const FORBIDDEN_IN_IDS = /[/\\?#]/;

/** The stream id's parts (domain/streams.ts reads the format), refused when Cosmos could not store it. */
export function streamAddress(streamId: string): StreamAddress {
  if (FORBIDDEN_IN_IDS.test(streamId)) throw new RangeError(`not a stream id: ${JSON.stringify(streamId)}`);
  return streamAddressOf(streamId);
}

export const documentId = (streamId: string, firstVersion: number) => `${streamId}:${firstVersion}`;

/** Builds the document one append stores; shared by every store so they cannot drift apart. */
export function eventDocument(
  streamId: string,
  events: StreamEvent[],
  expectedVersion: number,
  recordedAt: Date,
): EventDocument {
  if (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0) {
    throw new RangeError(`expectedVersion must be a non-negative integer, got ${expectedVersion}`);
  }
  // An empty document would have lastVersion < firstVersion and break the chain of ids readForward follows.
  if (events.length === 0) throw new RangeError(`nothing to append to ${streamId}`);
  const firstVersion = expectedVersion + 1;
  return {
    id: documentId(streamId, firstVersion),
    streamId,
    ...streamAddress(streamId),
    firstVersion,
    lastVersion: expectedVersion + events.length,
    recordedAt: recordedAt.toISOString(),
    events,
  };
}

export function recordedEvents(doc: EventDocument): RecordedEvent[] {
  return doc.events.map((event, i) => ({ streamId: doc.streamId, version: doc.firstVersion + i, event }));
}

export function assertStartVersion(fromVersion: number): void {
  if (!Number.isSafeInteger(fromVersion) || fromVersion < 1) {
    throw new RangeError(`fromVersion must be a positive integer, got ${fromVersion}`);
  }
}

/** For unit tests and the in-memory dev mode. Copies on the way in and out, like a real store would. */
export class InMemoryEventStore implements EventStore {
  readonly #streams = new Map<string, Map<number, EventDocument>>();

  constructor(private readonly clock: () => Date = () => new Date()) {}

  async append(streamId: string, events: StreamEvent[], expectedVersion: number): Promise<AppendResult> {
    const doc = structuredClone(eventDocument(streamId, events, expectedVersion, this.clock()));
    // Check and insert with no await in between: the same all-or-nothing create-if-absent as Cosmos.
    const stream = this.#streams.get(streamId) ?? new Map<number, EventDocument>();
    if (stream.has(doc.firstVersion)) throw new ConcurrencyError(streamId, expectedVersion);
    stream.set(doc.firstVersion, doc);
    this.#streams.set(streamId, stream);
    return { firstVersion: doc.firstVersion, lastVersion: doc.lastVersion };
  }

  async readForward(streamId: string, fromVersion: number) {
    assertStartVersion(fromVersion);
    const stream = this.#streams.get(streamId);
    const events: RecordedEvent[] = [];
    let version = fromVersion - 1;
    // Same walk as the Cosmos store: only document starts are addressable.
    for (let doc = stream?.get(fromVersion); doc; doc = stream?.get(doc.lastVersion + 1)) {
      events.push(...recordedEvents(structuredClone(doc)));
      version = doc.lastVersion;
    }
    return { events, version };
  }

  async readStream(streamId: string) {
    return this.readForward(streamId, 1);
  }

  async holds(streamId: string, key: { source: string; id: string }) {
    const docs = this.#streams.get(streamId)?.values() ?? [];
    for (const doc of docs)
      if (doc.events.some((e) => e.source === key.source && e.id === key.id)) return true;
    return false;
  }

  async *listStreams(): AsyncIterable<string> {
    yield* [...this.#streams.keys()];
  }
}
