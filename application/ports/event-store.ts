// The event store port: what application/ needs of a store of streams. infra/cosmos/event-store.ts and
// InMemoryEventStore (infra/event-store.ts) implement it; test/event-store/contract.ts holds both to it.
import type { StreamKind } from "../../domain/events.ts";

export type { StreamKind } from "../../domain/events.ts";

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
  /**
   * Whether the stream holds the event with this (source, id), at any version: one query within the
   * stream's partition. For the rare case a head cannot tell from its own keys (folded-keys.ts).
   */
  holds(streamId: string, key: { source: string; id: string }): Promise<boolean>;
  /** The whole stream (may query) — for rebuilds and tests. An absent stream reads as version 0. */
  readStream(streamId: string): Promise<{ events: RecordedEvent[]; version: number }>;
  /** Every stream id, once each, paged (may be a cross-partition query) — for rebuilds. */
  listStreams(): AsyncIterable<string>;
}

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
