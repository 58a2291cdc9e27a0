/** A validated CloudEvent; the store only relies on it being a JSON object. */
export type StreamEvent = { source: string; id: string; [k: string]: unknown };

export interface RecordedEvent<E extends StreamEvent = StreamEvent> {
  streamId: string;
  version: number;
  event: E;
}

export interface AppendResult {
  firstVersion: number;
  lastVersion: number;
}

/** Someone else appended to the stream since the caller read it: re-read, re-decide, retry. */
export class ConcurrencyError extends Error {
  override readonly name = "ConcurrencyError";
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
  ) {
    super(`stream ${streamId} is no longer at version ${expectedVersion}`);
  }
}

export interface EventStore {
  /**
   * Appends all events as ONE immutable document, id `${streamId}:${expectedVersion + 1}`, holding
   * firstVersion/lastVersion and the events. The create lands whole or not at all, so no transactional batch
   * is needed. Throws ConcurrencyError when that document already exists.
   */
  append(streamId: string, events: StreamEvent[], expectedVersion: number): Promise<AppendResult>;
  /**
   * Point reads `${streamId}:${fromVersion}`, then the document after its lastVersion, ... until one is
   * missing. fromVersion must start a document (1, or lastVersion + 1 of one already read); `version` is the
   * last version read, or fromVersion - 1 when there was nothing.
   */
  readForward(streamId: string, fromVersion: number): Promise<{ events: RecordedEvent[]; version: number }>;
  /** The whole stream (may query) — for rebuilds and tests. An absent stream reads as version 0. */
  readStream(streamId: string): Promise<{ events: RecordedEvent[]; version: number }>;
  /** Every stream id, once each, paged (may be a cross-partition query) — for rebuilds. */
  listStreams(): AsyncIterable<string>;
}

export type StreamKind = "pair" | "tenant" | "partner";

/** What a stream id says about its stream: `partner|tenant|workload`, `partner|tenant` or `partner`. */
export interface StreamAddress {
  partnerId: string;
  kind: StreamKind;
  tenantId?: string;
  workload?: string;
}

/** The stored unit: one append. Immutable once written. */
export interface EventDocument<E extends StreamEvent = StreamEvent> extends StreamAddress {
  id: string;
  streamId: string;
  firstVersion: number;
  lastVersion: number;
  /** Wall clock of the store when the append landed (infra bookkeeping, not a domain time). */
  recordedAt: string;
  events: E[];
}

const KINDS: readonly StreamKind[] = ["partner", "tenant", "pair"];
// Cosmos rejects these in ids, and the stream id is part of every document id.
const FORBIDDEN_IN_IDS = /[/\\?#]/;

export function streamAddress(streamId: string): StreamAddress {
  const parts = streamId.split("|");
  const kind = KINDS[parts.length - 1];
  if (!kind || parts.some((p) => p.length === 0) || FORBIDDEN_IN_IDS.test(streamId)) {
    throw new RangeError(`not a stream id: ${JSON.stringify(streamId)}`);
  }
  const [partnerId, tenantId, workload] = parts as [string, string?, string?];
  return {
    partnerId,
    kind,
    ...(tenantId === undefined ? {} : { tenantId }),
    ...(workload === undefined ? {} : { workload }),
  };
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

  async *listStreams(): AsyncIterable<string> {
    yield* [...this.#streams.keys()];
  }
}
