// Standard Webhooks (https://www.standardwebhooks.com) symmetric signatures: how CRM sources prove deliveries.
import { createHmac, timingSafeEqual } from "node:crypto";

export const WEBHOOK_ID = "webhook-id";
export const WEBHOOK_TIMESTAMP = "webhook-timestamp";
export const WEBHOOK_SIGNATURE = "webhook-signature";

// A type alias, not an interface, so it is assignable to header records (interfaces lack index signatures).
export type WebhookHeaders = {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
};

export type WebhookBody = string | Uint8Array;

/** Fetch-style `Headers` (as on `HttpRequest.headers`) or a plain record such as Node's `IncomingHttpHeaders`. */
export type HeaderSource =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

export type WebhookVerification =
  | { ok: true; webhookId: string }
  | { ok: false; reason: "missing-headers" | "stale-timestamp" | "bad-signature" };

const SECRET_PREFIX = "whsec_";
const HMAC_BYTES = 32;

/**
 * The HMAC key for a secret.
 * - `whsec_<base64>`: the spec's form; the key is the base64-decoded part.
 * - anything else: a raw secret; the key is the string's UTF-8 bytes, used as-is. (The reference JS library
 *   would base64-decode an unprefixed secret instead; sources here must send `whsec_` to get that.)
 */
export function webhookKey(secret: string): Buffer {
  if (secret.startsWith(SECRET_PREFIX)) {
    const encoded = secret.slice(SECRET_PREFIX.length);
    // Buffer.from(.., "base64") silently skips junk, which would turn a typo into a different key.
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 === 1) {
      throw new Error("webhook secret: the part after whsec_ is not valid base64");
    }
    return Buffer.from(encoded, "base64");
  }
  if (secret.length === 0) throw new Error("webhook secret is empty");
  return Buffer.from(secret, "utf8");
}

function signatureBytes(key: Buffer, id: string, timestamp: string, body: WebhookBody): Buffer {
  // Hash the body's own bytes: decoding and re-encoding a non-UTF-8 body would change what is signed.
  return createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest();
}

function unixSeconds(timestamp: Date | number): number {
  return typeof timestamp === "number" ? Math.floor(timestamp) : Math.floor(timestamp.getTime() / 1000);
}

/** Headers for one delivery. `timestamp` is a Date or unix seconds. */
export function signWebhook(input: {
  id: string;
  timestamp: Date | number;
  body: WebhookBody;
  secret: string;
}): WebhookHeaders {
  const timestamp = String(unixSeconds(input.timestamp));
  const signature = signatureBytes(webhookKey(input.secret), input.id, timestamp, input.body);
  return {
    [WEBHOOK_ID]: input.id,
    [WEBHOOK_TIMESTAMP]: timestamp,
    [WEBHOOK_SIGNATURE]: `v1,${signature.toString("base64")}`,
  };
}

function header(headers: HeaderSource, name: string): string | undefined {
  if (typeof headers.get === "function")
    return (headers as { get(n: string): string | null }).get(name) ?? undefined;
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  const found = Object.keys(record).find((key) => key.toLowerCase() === name);
  const value = found === undefined ? undefined : record[found];
  return Array.isArray(value) ? value.join(" ") : (value as string | undefined);
}

/**
 * Verifies a delivery against any of `secrets` (several during key rotation).
 * A timestamp that is not unix seconds counts as stale: it cannot be shown to be within tolerance.
 */
export function verifyWebhook(input: {
  headers: HeaderSource;
  body: WebhookBody;
  secrets: readonly string[];
  now: Date;
  toleranceSeconds?: number;
}): WebhookVerification {
  const id = header(input.headers, WEBHOOK_ID)?.trim();
  const timestamp = header(input.headers, WEBHOOK_TIMESTAMP)?.trim();
  const signatures = header(input.headers, WEBHOOK_SIGNATURE)?.trim();
  if (!id || !timestamp || !signatures) return { ok: false, reason: "missing-headers" };

  const tolerance = input.toleranceSeconds ?? 300;
  if (!/^\d{1,15}$/.test(timestamp)) return { ok: false, reason: "stale-timestamp" };
  if (Math.abs(unixSeconds(input.now) - Number(timestamp)) > tolerance) {
    return { ok: false, reason: "stale-timestamp" };
  }

  const offered: Buffer[] = [];
  for (const entry of signatures.split(" ")) {
    const comma = entry.indexOf(",");
    // Other versions (e.g. v1a, asymmetric) are not ours to check; skip rather than fail.
    if (comma < 0 || entry.slice(0, comma) !== "v1") continue;
    const bytes = Buffer.from(entry.slice(comma + 1), "base64");
    if (bytes.length === HMAC_BYTES) offered.push(bytes);
  }
  if (offered.length === 0) return { ok: false, reason: "bad-signature" };

  for (const secret of input.secrets) {
    const expected = signatureBytes(webhookKey(secret), id, timestamp, input.body);
    // timingSafeEqual: comparison time must not reveal how many leading bytes of a forgery were right.
    if (offered.some((candidate) => timingSafeEqual(candidate, expected))) return { ok: true, webhookId: id };
  }
  return { ok: false, reason: "bad-signature" };
}
