// How the designation read model talks to its document collection: pages gathered, etag-checked writes
// retried on a lost race, idempotent requests retried on a dropped connection, bounded parallelism.
import {
  type DocumentCollection,
  DocumentConflict,
  type Page,
  type Versioned,
} from "./ports/document-collection.ts";

const MAX_ATTEMPTS = 40;
/** Sources (and their documents) a projector batch or a rebuild touches concurrently. */
export const PARALLEL = 16;

/** Every item of a paged query: `page` asks for the page after `continuationToken`. */
export async function allPages<R>(
  page: (continuationToken: string | undefined) => Promise<Page<R>>,
): Promise<R[]> {
  const out: R[] = [];
  let continuationToken: string | undefined;
  do {
    const p = await page(continuationToken);
    continuationToken = p.continuationToken;
    out.push(...p.items);
  } while (continuationToken);
  return out;
}

/**
 * Runs a read-decide-write step until its etag-checked write wins: a DocumentConflict (another writer
 * came between the read and the write) backs off and runs the whole step again, from a fresh read.
 */
export async function untilWritten<R>(step: () => Promise<R>): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (!(error instanceof DocumentConflict) || attempt >= MAX_ATTEMPTS) throw error;
      await backoff(attempt);
    }
  }
}

/** Creates the document, or replaces the version read (etag-checked). */
export function writeOver<T extends { id: string }>(
  collection: DocumentCollection<T>,
  doc: T,
  read: Versioned<unknown> | undefined,
): Promise<Versioned<T>> {
  return read ? collection.replace(doc, read.etag) : collection.create(doc);
}

/** An idempotent request retried after a dropped connection (a rebuild runs long; one reset must not undo it). */
export async function transient<R>(request: () => Promise<R>): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (attempt >= 4 || (code !== "ECONNRESET" && code !== "EPIPE")) throw error;
      await backoff(attempt + 3);
    }
  }
}

const backoff = (attempt: number) =>
  new Promise((done) => setTimeout(done, Math.random() * Math.min(200, 5 * 2 ** Math.min(attempt, 6))));

/** `work` over the items, at most `width` at a time. */
export async function inParallel<T>(items: readonly T[], width: number, work: (item: T) => Promise<unknown>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}
