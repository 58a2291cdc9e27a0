// How each source proves a delivery is its own. Every comparison is constant-time over equal-length
// digests, and every configured secret is tried (several during rotation) without stopping early.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { verifyWebhook } from "../webhook-signature.ts";
import type { SourceConfig } from "./config.ts";

export interface DeliveryRequest {
  method: string;
  /** The URL as this app received it (HubSpot signs it). */
  url: string;
  headers: { get(name: string): string | null };
  /** The body's own bytes: signatures are over these, never over a re-encoding. */
  body: Uint8Array;
}

export type AuthResult = { ok: true } | { ok: false; reason: string; detail: string };

export const HUBSPOT_TOLERANCE_MS = 5 * 60 * 1000;

export function authenticate(source: SourceConfig, request: DeliveryRequest, now: Date): AuthResult {
  const auth = source.auth;
  switch (auth.mode) {
    case "standard-webhooks": {
      const result = verifyWebhook({
        headers: request.headers,
        body: request.body,
        secrets: source.secrets,
        now,
      });
      if (result.ok) return { ok: true };
      return {
        ok: false,
        reason: result.reason,
        detail: {
          "missing-headers":
            "Sign the delivery: webhook-id, webhook-timestamp and webhook-signature are required.",
          "stale-timestamp": "webhook-timestamp is more than 5 minutes from now.",
          "bad-signature": "No secret of this source matches webhook-signature.",
        }[result.reason],
      };
    }
    case "http-header": {
      const offered = request.headers.get(auth.header);
      if (offered === null)
        return { ok: false, reason: "missing-secret", detail: `Send the secret in ${auth.header}.` };
      return matchesSecret(offered, source.secrets)
        ? { ok: true }
        : { ok: false, reason: "bad-secret", detail: `${auth.header} matches no secret of this source.` };
    }
    case "query-code":
    case "salesforce-org":
      return checkCode(request, source);
    case "hubspot-v3":
      return checkHubSpot(request, source, auth.publicUrl, now);
  }
}

/** Salesforce: the organization in the envelope must be the source's (after the `?code=` secret passed). */
export function checkOrganization(source: SourceConfig, organizationId: string | undefined): AuthResult {
  if (source.auth.mode !== "salesforce-org") return { ok: true };
  const expected = source.auth.organizationId;
  // 15-character ids are the case-sensitive form of the same 18-character id.
  const same =
    organizationId !== undefined && digest(organizationId.slice(0, 15)).equals(digest(expected.slice(0, 15)));
  if (same) return { ok: true };
  return {
    ok: false,
    reason: "wrong-organization",
    detail: "The message's OrganizationId is not this source's organization.",
  };
}

function checkCode(request: DeliveryRequest, source: SourceConfig): AuthResult {
  const code = new URL(request.url).searchParams.get("code");
  if (code === null)
    return { ok: false, reason: "missing-secret", detail: "Add ?code=<secret> to the endpoint URL." };
  return matchesSecret(code, source.secrets)
    ? { ok: true }
    : { ok: false, reason: "bad-secret", detail: "?code= matches no secret of this source." };
}

function checkHubSpot(
  request: DeliveryRequest,
  source: SourceConfig,
  publicUrl: string | undefined,
  now: Date,
): AuthResult {
  const signature = request.headers.get("x-hubspot-signature-v3");
  const timestamp = request.headers.get("x-hubspot-request-timestamp");
  if (!signature || !timestamp) {
    return {
      ok: false,
      reason: "missing-headers",
      detail: "X-HubSpot-Signature-v3 and X-HubSpot-Request-Timestamp are required.",
    };
  }
  if (!/^\d{1,15}$/.test(timestamp) || Math.abs(now.getTime() - Number(timestamp)) > HUBSPOT_TOLERANCE_MS) {
    return {
      ok: false,
      reason: "stale-timestamp",
      detail: "X-HubSpot-Request-Timestamp is more than 5 minutes from now.",
    };
  }
  const offered = Buffer.from(signature, "base64");
  let found = false;
  for (const secret of source.secrets) {
    const expected = hubSpotSignature(
      secret,
      request.method,
      publicUrl ?? request.url,
      request.body,
      timestamp,
    );
    if (offered.length === expected.length && timingSafeEqual(offered, expected)) found = true;
  }
  return found
    ? { ok: true }
    : {
        ok: false,
        reason: "bad-signature",
        detail: "No secret of this source matches X-HubSpot-Signature-v3.",
      };
}

/** HMAC-SHA256 (app secret) of method + URI + body + timestamp; HubSpot decodes these escapes in the URI first. */
export function hubSpotSignature(
  secret: string,
  method: string,
  url: string,
  body: Uint8Array,
  timestamp: string,
): Buffer {
  return createHmac("sha256", secret)
    .update(method.toUpperCase() + decodeHubSpotUri(url))
    .update(body)
    .update(timestamp)
    .digest();
}

const HUBSPOT_ESCAPES: Record<string, string> = {
  "%3A": ":",
  "%2F": "/",
  "%3F": "?",
  "%40": "@",
  "%21": "!",
  "%24": "$",
  "%27": "'",
  "%28": "(",
  "%29": ")",
  "%2A": "*",
  "%2C": ",",
  "%3B": ";",
};

function decodeHubSpotUri(url: string): string {
  return url.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => HUBSPOT_ESCAPES[m.toUpperCase()]!);
}

function matchesSecret(offered: string, secrets: readonly string[]): boolean {
  const d = digest(offered);
  let found = false;
  for (const secret of secrets) if (timingSafeEqual(d, digest(secret))) found = true;
  return found;
}

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();
