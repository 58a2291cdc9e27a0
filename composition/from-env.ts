import { z } from "zod";
import { accessFromEnv } from "../application/access.ts";
import { clockFromEnv } from "../application/clock.ts";
import { WEBHOOK_FORMATS } from "../application/ports/alert-delivery.ts";
import { settingFromJson } from "../application/settings.ts";
import { PoeDocumentStore } from "../infra/blob/poe-documents.ts";
import { cosmosFromEnv, ensureContainers } from "../infra/cosmos/client.ts";
import { type AlertWebhook, buildServices, type Services } from "./build.ts";

/** Azure: Cosmos DB from COSMOS_ENDPOINT/COSMOS_KEY, Blob storage from STORAGE_CONNECTION_STRING (or identity). */
export async function servicesFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<Services> {
  const cosmos = cosmosFromEnv(env);
  // COSMOS_ENDPOINT alone: the managed identity (AZURE_CLIENT_ID); with COSMOS_KEY: an emulator.
  if (!cosmos) throw new Error("COSMOS_ENDPOINT must be set (and COSMOS_KEY only for an emulator)");
  const containers = await ensureContainers(cosmos.database);
  const hasStorage = env.STORAGE_CONNECTION_STRING || env.STORAGE_ACCOUNT_URL || env.STORAGE__blobServiceUri;
  const documents = hasStorage ? PoeDocumentStore.fromEnvironment(env) : undefined;
  await documents?.ensureContainer();
  return buildServices({
    cosmos,
    containers,
    access: accessFromEnv(env),
    ...(documents ? { documents } : {}),
    ...alertsFromEnv(env),
    clock: clockFromEnv(env),
    ...(env.TRACKER_PAGE_TOKEN_KEY ? { pageTokenKey: env.TRACKER_PAGE_TOKEN_KEY } : {}),
  });
}

/**
 * CLAIM_WINDOW_THRESHOLDS = "30,14,7,1"; TRACKER_ALERT_WEBHOOKS = [{"partnerId","url","secret","format"}]
 * with format "standard" (Standard Webhooks JSON) or "teams" (an Adaptive Card message).
 */
export function alertsFromEnv(env: NodeJS.ProcessEnv = process.env) {
  const thresholds = env.CLAIM_WINDOW_THRESHOLDS?.split(",").map((t) => Number(t.trim()));
  const webhooks = env.TRACKER_ALERT_WEBHOOKS ? alertWebhooksOf(env.TRACKER_ALERT_WEBHOOKS) : undefined;
  return {
    ...(thresholds ? { alertThresholds: thresholds } : {}),
    ...(webhooks ? { alertWebhooks: webhooks } : {}),
  };
}

const AlertWebhooks = z.array(
  z.object({
    partnerId: z.string().min(1),
    url: z.url(),
    secret: z.string().min(1),
    format: z.enum(WEBHOOK_FORMATS).default("standard"),
  }),
);

/** TRACKER_ALERT_WEBHOOKS, checked: a wrong setting stops the start with the field named, not a later send. */
const alertWebhooksOf = (text: string): AlertWebhook[] =>
  settingFromJson(AlertWebhooks, text, "TRACKER_ALERT_WEBHOOKS", []);
