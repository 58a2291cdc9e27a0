import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import type { BlockBlobClient } from "@azure/storage-blob";
import type { FileAcceptance } from "../../application/ports/poe-documents.ts";
import { DocumentStorageFailed } from "./document-names.ts";

export interface StageOptions {
  /** Size of each staged block; memory in flight is about blockBytes × (concurrency + 1). */
  blockBytes: number;
  concurrency: number;
  maxBytes: number;
  text: ReturnType<FileAcceptance["textCheck"]> | undefined;
  checkSize: (bytes: number) => void;
}

/**
 * Stages the bytes as uncommitted blocks of `blockBytes` on the document's own blob, at most
 * `concurrency` requests in flight, hashing, counting and (for text) validating as they pass; memory
 * stays bounded whatever the file size. Returns the block ids for the caller to commit, once every
 * byte has been accepted and the metadata is known.
 */
export async function stageBlocks(
  blob: BlockBlobClient,
  head: Buffer,
  rest: AsyncIterator<unknown> | undefined,
  options: StageOptions,
): Promise<{ sha256: string; size: number; blockIds: string[] }> {
  const hash = createHash("sha256");
  const text = options.text;
  const blockIds: string[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: DocumentStorageFailed | undefined;
  // A fixed pool of block buffers, reused once their request is done: a long upload allocates
  // concurrency + 1 blocks in total instead of one per block, which keeps RSS flat.
  const spare: Buffer[] = [];
  let block: Buffer = Buffer.allocUnsafe(options.blockBytes);
  let filled = 0;
  let size = 0;

  const sendBlock = async () => {
    // Fixed-width ids: Azure requires every block id of a blob to have the same length.
    const id = Buffer.from(`block-${String(blockIds.length).padStart(8, "0")}`).toString("base64");
    blockIds.push(id);
    const buffer = block;
    const request: Promise<void> = blob
      .stageBlock(id, buffer.subarray(0, filled), filled)
      .then(
        () => undefined,
        (error: unknown) => {
          failure ??= new DocumentStorageFailed("staging a block", error);
        },
      )
      .finally(() => {
        inFlight.delete(request);
        spare.push(buffer);
      });
    inFlight.add(request);
    while (inFlight.size >= options.concurrency) await Promise.race(inFlight);
    if (failure) throw failure;
    block = spare.pop() ?? Buffer.allocUnsafe(options.blockBytes);
    filled = 0;
  };

  const take = async (chunk: Buffer) => {
    size += chunk.length;
    if (size > options.maxBytes) options.checkSize(size);
    hash.update(chunk);
    text?.push(chunk);
    for (let offset = 0; offset < chunk.length; ) {
      const copied = chunk.copy(block, filled, offset);
      filled += copied;
      offset += copied;
      if (filled === options.blockBytes) await sendBlock();
    }
  };

  try {
    await take(head);
    while (rest) {
      const next = await rest.next();
      if (next.done) break;
      await take(asBuffer(next.value));
    }
    if (filled > 0) await sendBlock();
    await Promise.all(inFlight);
    if (failure) throw failure;
  } finally {
    // Cleanup must not race a block still being written, or that block would outlive the discard.
    await Promise.allSettled([...inFlight]);
  }
  text?.finish();
  return { sha256: hash.digest("hex"), size, blockIds };
}

/**
 * Discards an upload's blob including uncommitted blocks: committing an empty list drops them at once
 * (a blob with only uncommitted blocks cannot be deleted, it does not exist yet), then the now empty
 * blob is deleted. Also removes a blob whose commit went through although its answer was lost. Safe
 * because the name is this upload's own random id.
 */
export async function discard(blob: BlockBlobClient): Promise<void> {
  try {
    await blob.commitBlockList([]);
    await blob.deleteIfExists();
  } catch {
    // Best effort: storage may be the thing that failed. Blocks never committed are dropped by the
    // service itself after a week; an empty blob left by a failed delete has no event and is never served.
  }
}

export async function readHead(
  source: AsyncIterator<unknown>,
  bytes: number,
): Promise<{ head: Buffer; ended: boolean }> {
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < bytes) {
    const next = await source.next();
    if (next.done) return { head: Buffer.concat(chunks, length), ended: true };
    // Copied: a producer may reuse its buffer once we ask for the next chunk.
    const chunk = Buffer.from(asBuffer(next.value));
    chunks.push(chunk);
    length += chunk.length;
  }
  return { head: Buffer.concat(chunks, length), ended: false };
}

export function iterate(content: Readable | AsyncIterable<Uint8Array>): AsyncIterator<unknown> {
  return (content as AsyncIterable<unknown>)[Symbol.asyncIterator]();
}

function asBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === "string") return Buffer.from(chunk, "utf8");
  throw new TypeError("The document stream must yield bytes.");
}
