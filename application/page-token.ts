// Continuation tokens handed to clients: opaque (AES-256-GCM encrypts the store's own continuation and
// our position, so nothing about storage or other pairs shows through) and tamper-evident (the GCM tag
// authenticates them, bound to the partner and the query they continue). A token that fails either test
// is refused as bad input, never passed on to the store.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

export class PageTokenInvalid extends Error {
  override readonly name = "PageTokenInvalid";
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

export class PageTokens {
  private readonly key: Buffer;

  /** `secret` from TRACKER_PAGE_TOKEN_KEY; without one, a random key per process (tokens die with it). */
  constructor(secret?: string) {
    this.key = createHash("sha256")
      .update(secret && secret.length > 0 ? secret : randomBytes(32))
      .digest();
  }

  /** Seals `position` for the query named by `scope` (e.g. partner id + filters). */
  seal(scope: string, position: unknown): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(scope));
    const body = Buffer.concat([cipher.update(JSON.stringify(position), "utf8"), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
  }

  /** The position sealed for this same scope; throws PageTokenInvalid for anything else. */
  open<T>(scope: string, token: string): T {
    const raw = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, "base64url") : Buffer.alloc(0);
    // Base64 decoders skip stray trailing characters; only the exact encoding we issued is ours.
    if (raw.length < IV_BYTES + TAG_BYTES + 1 || raw.toString("base64url") !== token)
      throw new PageTokenInvalid("malformed continuation token");
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(scope));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const text = Buffer.concat([
        decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString("utf8");
      return JSON.parse(text) as T;
    } catch {
      throw new PageTokenInvalid("continuation token was altered or belongs to another query");
    }
  }
}

/** The problem-document field error for a refused token. */
export const PAGE_TOKEN_ERROR = {
  path: "$.query.continuationToken",
  message: "not a continuation token this service issued for this query; start again without it",
};
