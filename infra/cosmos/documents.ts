import type { Container, ItemDefinition, PartitionKey } from "@azure/cosmos";
import {
  type DocumentCollection as DocumentCollectionPort,
  DocumentConflict,
  documentsOf,
  type Page,
  type QueryArgs,
  type Versioned,
} from "../../application/ports/document-collection.ts";
import { statusOf } from "./event-store.ts";

// The port (and its conflict error) is application/'s; re-exported so existing imports keep working.
export { DocumentConflict, type Page, type Versioned } from "../../application/ports/document-collection.ts";

// Cosmos adds these to every stored document; callers get their own shape back, not the storage's.
const SYSTEM_FIELDS = ["_rid", "_self", "_etag", "_attachments", "_ts", "_lsn"] as const;

/** The partition key of the projection containers (pairs, alerts, scores). */
export const byPartner = (doc: { partnerId: string }): PartitionKey => doc.partnerId;

/**
 * A thin, etag-checked collection for projection documents (pairs, alerts, scores). Every read and write names
 * its partition, so each is one request: the SDK never has to look up the container's partition key path.
 */
export class DocumentCollection<T extends { id: string }> implements DocumentCollectionPort<T> {
  constructor(
    readonly container: Container,
    private readonly partitionKeyOf: (doc: T) => PartitionKey,
  ) {}

  async read(partitionKey: PartitionKey, id: string): Promise<Versioned<T> | undefined> {
    const { resource, etag, statusCode } = await this.container
      .item(id, partitionKey)
      .read<T & ItemDefinition>();
    if (statusCode === 404 || !resource) return undefined;
    return { doc: withoutSystemFields(resource), etag };
  }

  async create(doc: T): Promise<Versioned<T>> {
    try {
      const { resource, etag } = await this.container.items.create<T>(doc, {
        disableAutomaticIdGeneration: true,
      });
      return { doc: withoutSystemFields(resource ?? doc), etag };
    } catch (error) {
      throw conflictOr(error, doc.id);
    }
  }

  /** Replaces only if the stored document still has `etag`. */
  async replace(doc: T, etag: string): Promise<Versioned<T>> {
    try {
      const response = await this.container
        .item(doc.id, this.partitionKeyOf(doc))
        .replace<T>(doc, { accessCondition: { type: "IfMatch", condition: etag } });
      return { doc: withoutSystemFields(response.resource ?? doc), etag: response.etag };
    } catch (error) {
      throw conflictOr(error, doc.id);
    }
  }

  /** Last writer wins: for documents with a single writer. */
  async upsert(doc: T): Promise<Versioned<T>> {
    const { resource, etag } = await this.container.items.upsert<T>(doc, {
      disableAutomaticIdGeneration: true,
    });
    return { doc: withoutSystemFields(resource ?? doc), etag };
  }

  /** One page. `partitionKey` undefined means a cross-partition query. */
  async query<R = T>(...args: QueryArgs): Promise<Page<R>> {
    return documentsOf<R>(await this.queryVersioned(...args));
  }

  /** Like `query`, keeping each document's etag so a caller can replace what it read without re-reading. */
  async queryVersioned(
    ...[partitionKey, sql, parameters = [], page = {}]: QueryArgs
  ): Promise<Page<Versioned<T>>> {
    const raw = await this.container.items
      .query<T & { _etag: string }>(
        { query: sql, parameters },
        {
          ...(partitionKey === undefined ? {} : { partitionKey }),
          ...(page.maxItemCount === undefined ? {} : { maxItemCount: page.maxItemCount }),
          ...(page.continuationToken === undefined ? {} : { continuationToken: page.continuationToken }),
        },
      )
      .fetchNext();
    return {
      items: raw.resources.map((r) => ({ doc: withoutSystemFields(r) as T, etag: r._etag })),
      continuationToken: raw.hasMoreResults ? raw.continuationToken : undefined,
    };
  }

  /** False when there was nothing to delete. */
  async delete(partitionKey: PartitionKey, id: string): Promise<boolean> {
    try {
      await this.container.item(id, partitionKey).delete();
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw error;
    }
  }
}

function conflictOr(error: unknown, id: string): unknown {
  const status = statusOf(error);
  return status === 409 || status === 412 ? new DocumentConflict(id, status) : error;
}

function withoutSystemFields<R>(item: R): R {
  if (item === null || typeof item !== "object" || Array.isArray(item)) return item;
  const copy = { ...item } as Record<string, unknown>;
  for (const field of SYSTEM_FIELDS) delete copy[field];
  return copy as R;
}
