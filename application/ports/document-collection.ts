// The document collection port: etag-checked read-model documents (pairs, alerts, scores), each read
// and write naming its partition. infra/cosmos/documents.ts implements it over a Cosmos container.

/** A write lost a race: the id already exists (409 on create) or changed since it was read (412 on replace). */
export class DocumentConflict extends Error {
  override readonly name = "DocumentConflict";
  constructor(
    readonly id: string,
    readonly status: 409 | 412,
  ) {
    super(status === 409 ? `document ${id} already exists` : `document ${id} changed since it was read`);
  }
}

export interface Versioned<T> {
  doc: T;
  etag: string;
}

export interface Page<R> {
  items: R[];
  /** Pass back to get the next page; undefined on the last page. */
  continuationToken: string | undefined;
}

/** A read-model partition: the partner id for every collection the application keeps. */
export type PartitionValue = string;
/** A named query parameter (`@name`); queries are the store's SQL dialect (Cosmos SQL). */
export interface QueryParameter {
  name: string;
  value: string | number | boolean | null | readonly (string | number | boolean)[];
}

export interface PageRequest {
  maxItemCount?: number;
  continuationToken?: string;
}

/** What a query names: its partition (undefined: across partitions), its SQL, parameters and page. */
export type QueryArgs = [
  partitionKey: PartitionValue | undefined,
  sql: string,
  parameters?: QueryParameter[],
  page?: PageRequest,
];

/** A page of versioned documents as a page of documents: how `query` follows from `queryVersioned`. */
export const documentsOf = <R>({ items, continuationToken }: Page<Versioned<unknown>>): Page<R> => ({
  items: items.map((v) => v.doc as R),
  continuationToken,
});

export interface DocumentCollection<T extends { id: string }> {
  read(partitionKey: PartitionValue, id: string): Promise<Versioned<T> | undefined>;
  /** Throws DocumentConflict (409) when the id exists. */
  create(doc: T): Promise<Versioned<T>>;
  /** Replaces only if the stored document still has `etag`; else DocumentConflict (412). */
  replace(doc: T, etag: string): Promise<Versioned<T>>;
  /** Last writer wins: for documents with a single writer. */
  upsert(doc: T): Promise<Versioned<T>>;
  /** One page. `partitionKey` undefined means a cross-partition query. */
  query<R = T>(...args: QueryArgs): Promise<Page<R>>;
  /** Like `query`, keeping each document's etag so a caller can replace what it read without re-reading. */
  queryVersioned(...args: QueryArgs): Promise<Page<Versioned<T>>>;
  /** False when there was nothing to delete. */
  delete(partitionKey: PartitionValue, id: string): Promise<boolean>;
}
