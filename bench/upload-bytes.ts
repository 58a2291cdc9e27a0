// The benchmark's upload bytes: a PDF-looking file streamed from a key, and the multipart body that
// carries it. Shared by the bench and its upload client (a child process).
import { createCipheriv, randomBytes } from "node:crypto";

const CHUNK = 256 * 1024;

/**
 * A PDF-looking file: `%PDF-1.7\n` then AES-CTR keystream (fast, native, incompressible), ending in
 * `%%EOF`. The same key gives the same bytes, so the direct and the endpoint upload of one round carry
 * identical content, while every round gets a new key (the same bytes on the same pair are one
 * document: a re-upload would be answered as a duplicate and its copy removed).
 */
export function* pdfBytes(key: Buffer, size: number): Generator<Buffer> {
  const header = Buffer.from("%PDF-1.7\n");
  const trailer = Buffer.from("\n%%EOF\n");
  const cipher = createCipheriv("aes-128-ctr", key, Buffer.alloc(16));
  const zeros = Buffer.alloc(CHUNK);
  yield header;
  let left = size - header.length - trailer.length;
  while (left > 0) {
    const n = Math.min(CHUNK, left);
    yield cipher.update(n === CHUNK ? zeros : zeros.subarray(0, n));
    left -= n;
  }
  yield trailer;
}

/** The multipart body as a web stream pulled chunk by chunk: fields, then the file, never buffered whole. */
export function multipartStream(
  key: Buffer,
  size: number,
  workload: string,
): { body: ReadableStream<Uint8Array>; contentType: string } {
  const boundary = `----bench${randomBytes(12).toString("hex")}`;
  function* parts(): Generator<Buffer> {
    const field = (name: string, value: string) =>
      Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
    yield field("kind", "sow");
    yield field("workloadsMentioned", workload);
    yield Buffer.from(
      `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="statement-of-work.pdf"\r\n` +
        "content-type: application/pdf\r\n\r\n",
    );
    yield* pdfBytes(key, size);
    yield Buffer.from(`\r\n--${boundary}--\r\n`);
  }
  const source = parts();
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = source.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
  });
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}
