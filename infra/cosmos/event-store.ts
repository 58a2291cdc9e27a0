import type { Container, ItemDefinition } from "@azure/cosmos";
import {
  type AppendResult,
  assertStartVersion,
  ConcurrencyError,
  documentId,
  type EventDocument,
  type EventStore,
  eventDocument,
  type RecordedEvent,
  recordedEvents,
  type StreamEvent,
} from "../event-store.ts";

const LIST_PAGE_SIZE = 1_000;

/**
 * Event store over the `events` container (partition key /streamId): one immutable document per append.
 * Writes are plain creates, so atomicity and optimistic concurrency both come from "409 if the id exists";
 * reads are point reads along the chain of document ids, 1 RU each, no query.
 */
export class CosmosEventStore implements EventStore {
  constructor(
    private readonly events: Container,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async append(streamId: string, events: StreamEvent[], expectedVersion: number): Promise<AppendResult> {
    const doc = eventDocument(streamId, events, expectedVersion, this.clock());
    try {
      await this.events.items.create(doc, { disableAutomaticIdGeneration: true });
    } catch (error) {
      if (statusOf(error) === 409) throw new ConcurrencyError(streamId, expectedVersion);
      throw error;
    }
    return { firstVersion: doc.firstVersion, lastVersion: doc.lastVersion };
  }

  async readForward(streamId: string, fromVersion: number) {
    assertStartVersion(fromVersion);
    const events: RecordedEvent[] = [];
    let version = fromVersion - 1;
    for (;;) {
      const { resource, statusCode } = await this.events
        .item(documentId(streamId, version + 1), streamId)
        .read<EventDocument & ItemDefinition>();
      if (statusCode === 404 || !resource) break;
      events.push(...recordedEvents(resource));
      version = resource.lastVersion;
    }
    return { events, version };
  }

  async holds(streamId: string, key: { source: string; id: string }) {
    // A partial match on the events array: the event, whatever else it carries.
    const { resources } = await this.events.items
      .query<string>(
        {
          query:
            "SELECT VALUE c.id FROM c WHERE c.streamId = @streamId AND ARRAY_CONTAINS(c.events, {source: @source, id: @id}, true)",
          parameters: [
            { name: "@streamId", value: streamId },
            { name: "@source", value: key.source },
            { name: "@id", value: key.id },
          ],
        },
        { partitionKey: streamId, maxItemCount: 1 },
      )
      .fetchNext();
    return resources.length > 0;
  }

  async readStream(streamId: string) {
    const { resources } = await this.events.items
      .query<EventDocument>(
        {
          query: "SELECT * FROM c WHERE c.streamId = @streamId ORDER BY c.firstVersion",
          parameters: [{ name: "@streamId", value: streamId }],
        },
        { partitionKey: streamId },
      )
      .fetchAll();
    return {
      events: resources.flatMap(recordedEvents),
      version: resources.at(-1)?.lastVersion ?? 0,
    };
  }

  async *listStreams(): AsyncIterable<string> {
    // Every stream has exactly one document starting at version 1: no DISTINCT, so paging stays simple.
    const pages = this.events.items
      .query<string>("SELECT VALUE c.streamId FROM c WHERE c.firstVersion = 1", {
        maxItemCount: LIST_PAGE_SIZE,
      })
      .getAsyncIterator();
    for await (const page of pages) yield* page.resources;
  }
}

export function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}
