import { createHash, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { settingFromJson } from "./settings.ts";
import { type SourceInput, signsStandardWebhooks, sourcesFromJson } from "./sources/config.ts";
import { verifyWebhook, type WebhookBody } from "./webhook-signature.ts";

/**
 * A CRM that posts events: its secrets (several during rotation), the one partner it writes for, and
 * optionally its format, authentication and mapping (CONNECTORS.md; validated by `parseSources`).
 */
export type CrmSource = SourceInput;

const ApiKeys = z.array(
  z.object({
    partnerId: z.string().min(1),
    key: z.string().min(1),
    /** Who holds the key (e.g. "ops-lead"): names the recorder of events entered on the board. */
    label: z.string().min(1).optional(),
  }),
);

/** A reader's key, scoped to one partner. */
export type ApiKey = z.output<typeof ApiKeys>[number];

export interface AccessConfig {
  sources: CrmSource[];
  apiKeys: ApiKey[];
}

export type SourceCheck =
  | { ok: true; source: CrmSource }
  | { ok: false; reason: "missing-headers" | "stale-timestamp" | "bad-signature" };

/** Who may call: signed CRM deliveries for writes, per-partner API keys for reads. */
export class Access {
  private readonly keys: { digest: Buffer; partnerId: string }[];

  constructor(private readonly config: AccessConfig) {
    this.keys = config.apiKeys.map((k) => ({ digest: digest(k.key), partnerId: k.partnerId }));
  }

  /** The partner and label of an API key; an unlabelled key is named by its digest's first 8 hex digits. */
  holderOfKey(key: string | null): { partnerId: string; label: string } | undefined {
    const partnerId = this.partnerOfKey(key);
    if (!partnerId || !key) return undefined;
    const configured = this.config.apiKeys.find((k) => k.key === key)?.label;
    return { partnerId, label: configured ?? `key-${digest(key).toString("hex").slice(0, 8)}` };
  }

  /**
   * Finds the source whose secret signed this delivery (Standard Webhooks, 5-minute tolerance).
   * `body` is the bytes received: decoding first would let a non-UTF-8 body verify as something else.
   */
  verifyDelivery(headers: Headers, body: WebhookBody, now: Date): SourceCheck {
    let reason: "missing-headers" | "stale-timestamp" | "bad-signature" = "bad-signature";
    // Only CloudEvents sources signing per Standard Webhooks post here; the others use /api/sources/{name}/deliveries.
    for (const source of this.config.sources.filter(signsStandardWebhooks)) {
      const result = verifyWebhook({ headers, body, secrets: source.secrets, now, toleranceSeconds: 300 });
      if (result.ok) return { ok: true, source };
      reason = result.reason;
      if (reason !== "bad-signature") break; // the same for every source
    }
    return { ok: false, reason };
  }

  /** The partner an API key reads for, compared in constant time. */
  partnerOfKey(key: string | null): string | undefined {
    if (!key) return undefined;
    const d = digest(key);
    let found: string | undefined;
    for (const k of this.keys) if (timingSafeEqual(k.digest, d)) found = k.partnerId;
    return found;
  }
}

const digest = (value: string) => createHash("sha256").update(value).digest();

/**
 * Reads the access configuration from the environment (app settings in Azure, ideally Key Vault
 * references): TRACKER_SOURCES = [{"name","partnerId","secrets":[...]}], TRACKER_API_KEYS = [{"partnerId","key","label"?}].
 */
export function accessFromEnv(env: NodeJS.ProcessEnv = process.env): AccessConfig {
  return {
    sources: sourcesFromJson(env.TRACKER_SOURCES, "TRACKER_SOURCES"),
    apiKeys: settingFromJson(ApiKeys, env.TRACKER_API_KEYS, "TRACKER_API_KEYS", []),
  };
}
