import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import type { ContainerClient } from "@azure/storage-blob";

export const MiB = 1024 * 1024;

export interface GeneratedFile {
  stream: Readable;
  /** SHA-256 of everything the stream yielded; settles when the stream has been read to the end. */
  sha256: Promise<string>;
}

/**
 * `size` bytes starting with `magic`, produced lazily in 64 KiB chunks and hashed on the way out, so a
 * test can stream tens of MiB without holding them. Same seed, same bytes.
 */
export function generatedFile(size: number, magic = "%PDF-1.7\n", seed = 1): GeneratedFile {
  const { chunks, sha256 } = generate(size, magic, seed, false);
  return { stream: Readable.from(chunks, { objectMode: false }), sha256 };
}

/**
 * The same bytes as a bare async iterable that refills ONE buffer for every chunk: the producer itself
 * allocates nothing per chunk, so memory measured around a consumer is the consumer's own. Only valid
 * for consumers that are done with a chunk before asking for the next (as PoeDocumentStore is).
 */
export function generatedChunksInOneBuffer(size: number, magic = "%PDF-1.7\n", seed = 1) {
  return generate(size, magic, seed, true);
}

function generate(size: number, magic: string, seed: number, reuse: boolean) {
  const hash = createHash("sha256");
  let resolveHash!: (hex: string) => void;
  const sha256 = new Promise<string>((resolve) => {
    resolveHash = resolve;
  });
  let state = seed >>> 0 || 1;
  const shared = new Uint32Array(16 * 1024);
  async function* chunks() {
    let sent = 0;
    while (sent < size) {
      const words = reuse ? shared : new Uint32Array(16 * 1024);
      for (let i = 0; i < words.length; i++) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        words[i] = state >>> 0;
      }
      const chunk = Buffer.from(words.buffer).subarray(0, Math.min(64 * 1024, size - sent));
      if (sent === 0) chunk.write(magic.slice(0, chunk.length), "latin1");
      hash.update(chunk);
      sent += chunk.length;
      yield chunk;
    }
    resolveHash(hash.digest("hex"));
  }
  return { chunks: chunks(), sha256 };
}

export async function sha256Of(stream: NodeJS.ReadableStream): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    hash.update(bytes);
    size += bytes.length;
  }
  return { sha256: hash.digest("hex"), size };
}

/** Every blob in the container, committed or not: a refused upload must leave none of either. */
export async function allBlobs(container: ContainerClient): Promise<string[]> {
  const names: string[] = [];
  for await (const blob of container.listBlobsFlat({ includeUncommitedBlobs: true })) names.push(blob.name);
  return names.sort();
}
