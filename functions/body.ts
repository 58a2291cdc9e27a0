// Request bodies as the bytes received: signatures are checked over them, and only then are they
// decoded (strictly: JSON is UTF-8, and a replacement character would change what was signed).
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import { problemOf } from "../application/problem.ts";
import { parseExactJson } from "../domain/event-limits.ts";

export class BodyTooLarge extends Error {}

/**
 * Reads a body up to `maxBytes`, refusing it as soon as it passes (declared or chunked). The rest is
 * left unread rather than cancelled: cancelling destroys the socket before the 413 can be written.
 */
export async function readBytes(request: HttpRequest, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw new BodyTooLarge();
  if (!request.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      reader.releaseLock();
      throw new BodyTooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/**
 * The body's bytes, or the 413 answer naming the limit. The rest of a refused body is never read, so
 * the connection closes once the answer is out.
 */
export async function boundedBody(
  request: HttpRequest,
  maxBytes: number,
): Promise<{ bytes: Uint8Array } | { response: HttpResponseInit }> {
  try {
    return { bytes: await readBytes(request, maxBytes) };
  } catch (error) {
    if (!(error instanceof BodyTooLarge)) throw error;
    const limit = `${maxBytes / (1024 * 1024)} MiB`;
    return {
      response: problemOf(
        "payload-too-large",
        { detail: `A body is at most ${limit}.` },
        { headers: { connection: "close" } },
      ),
    };
  }
}

/** The media type of a request, lower case and without its parameters. */
export const mediaTypeOf = (request: HttpRequest) =>
  (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The body as text, or undefined when it is not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * A body of events read as JSON exactly: UTF-8 (RFC 8259), JSON, and nothing JSON.parse would lose (a
 * duplicate key, an inexact number, `__proto__`) or past the event limits; else the 400 answer naming
 * the path.
 */
export function eventsJson(bytes: Uint8Array): { parsed: unknown } | { response: HttpResponseInit } {
  const text = decodeUtf8(bytes);
  if (text === undefined)
    return {
      response: problemOf("invalid-request", {
        detail: "The body is not valid UTF-8; JSON is exchanged as UTF-8 (RFC 8259).",
        errors: [{ path: "$", message: "not valid UTF-8" }],
      }),
    };
  const read = parseExactJson(text);
  if (read.kind === "not-json")
    return {
      response: problemOf("invalid-request", {
        detail: "The body is not JSON.",
        errors: [{ path: "$", message: read.message }],
      }),
    };
  if (read.kind === "inexact") return { response: problemOf("invalid-event", { errors: read.errors }) };
  return { parsed: read.value };
}
