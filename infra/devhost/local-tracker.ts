// The whole tracker on this machine: emulators (or the real services named in the environment),
// the application services, and the dev host serving the same function definitions as Azure.
import { randomBytes } from "node:crypto";
import type { AccessConfig } from "../../application/access.ts";
import {
  buildServices,
  installServices,
  type ServiceOptions,
  type Services,
} from "../../application/services.ts";
import { alertsFromEnv } from "../../application/services-from-env.ts";
import { definitions } from "../../functions/index.ts";
import { PoeDocumentStore } from "../blob/poe-documents.ts";
import { pollChangeFeed } from "../cosmos/change-feed.ts";
import { connectCosmos, cosmosFromEnv, ensureContainers } from "../cosmos/client.ts";
import { startAzurite } from "../emulators/azurite.ts";
import { startCosmosEmulator } from "../emulators/cosmos.ts";
import { startDevHost } from "./server.ts";

export interface LocalTrackerOptions {
  port?: number;
  partnerId?: string;
  webhookSecret?: string;
  apiKey?: string;
  /** Extra partners/sources (tests use a second partner to prove isolation). */
  access?: Partial<AccessConfig>;
  clock?: () => Date;
  changeFeedIntervalMs?: number;
  enableTimers?: boolean;
  /** Run the Cosmos emulator in its own process (benchmarks tell its CPU from the host's). */
  cosmosInSeparateProcess?: boolean;
  env?: NodeJS.ProcessEnv;
  quiet?: boolean;
  alertWebhooks?: ServiceOptions["alertWebhooks"];
  alertDelivery?: ServiceOptions["alertDelivery"];
}

export interface LocalTracker {
  url: string;
  partnerId: string;
  webhookSecret: string;
  apiKey: string;
  services: Services;
  cosmosPid?: number;
  /** Blob storage's connection string (Azurite's when it was started here). */
  blobConnectionString: string;
  usingEmulators: { cosmos: boolean; blob: boolean };
  /** Resolves when the change-feed projector has caught up with everything appended so far. */
  drainChangeFeed(): Promise<void>;
  stop(): Promise<void>;
}

export async function startLocalTracker(options: LocalTrackerOptions = {}): Promise<LocalTracker> {
  const env = options.env ?? process.env;
  const stops: (() => Promise<void>)[] = [];
  const partnerId = options.partnerId ?? env.DEV_PARTNER_ID ?? "4811223";
  const webhookSecret =
    options.webhookSecret ?? env.DEV_WEBHOOK_SECRET ?? `whsec_${randomBytes(24).toString("base64")}`;
  const apiKey = options.apiKey ?? env.DEV_API_KEY ?? randomBytes(18).toString("base64url");
  try {
    let cosmos = cosmosFromEnv(env);
    let cosmosPid: number | undefined;
    if (!cosmos) {
      const emulator = await startCosmosEmulator({
        separateProcess: options.cosmosInSeparateProcess ?? false,
      });
      stops.push(() => emulator.stop());
      cosmosPid = emulator.pid;
      cosmos = connectCosmos({ endpoint: emulator.endpoint, key: emulator.key, databaseId: "engagements" });
    }
    const connection = cosmos;
    stops.push(async () => connection.close());
    const containers = await ensureContainers(connection.database);

    const blobFromEnv = Boolean(env.STORAGE_CONNECTION_STRING);
    let blobConnectionString = env.STORAGE_CONNECTION_STRING ?? "";
    if (!blobFromEnv) {
      const azurite = await startAzurite();
      stops.push(() => azurite.stop());
      blobConnectionString = azurite.connectionString;
    }
    const documents = PoeDocumentStore.fromConnectionString(blobConnectionString);
    await documents.ensureContainer();

    const access: AccessConfig = {
      sources: [{ name: "dev-crm", partnerId, secrets: [webhookSecret] }, ...(options.access?.sources ?? [])],
      apiKeys: [{ partnerId, key: apiKey }, ...(options.access?.apiKeys ?? [])],
    };
    const services = buildServices({
      cosmos: connection,
      containers,
      access,
      documents,
      ...alertsFromEnv(env),
      ...(options.alertWebhooks ? { alertWebhooks: options.alertWebhooks } : {}),
      ...(options.alertDelivery ? { alertDelivery: options.alertDelivery } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    });
    installServices(services);

    const pollers: ReturnType<typeof pollChangeFeed>[] = [];
    const host = await startDevHost({
      definitions: definitions(),
      port: options.port ?? 0,
      enableTimers: options.enableTimers ?? true,
      ...(options.clock ? { clock: options.clock } : {}),
      changeFeed: {
        poll: (deliver) => {
          const poller = pollChangeFeed(containers.events, (docs) => deliver(docs), {
            intervalMs: options.changeFeedIntervalMs ?? 500,
            leases: containers.leases,
            leaseId: "projector",
          });
          pollers.push(poller);
          return poller;
        },
      },
      ...(options.quiet ? { log: () => {} } : {}),
    });
    stops.push(() => host.stop());
    return {
      url: host.url,
      partnerId,
      webhookSecret,
      apiKey,
      services,
      ...(cosmosPid !== undefined ? { cosmosPid } : {}),
      blobConnectionString,
      usingEmulators: { cosmos: cosmosPid !== undefined, blob: !blobFromEnv },
      drainChangeFeed: async () => {
        await Promise.all(pollers.map((p) => p.drain()));
      },
      stop: () => stopAll(stops),
    };
  } catch (error) {
    await stopAll(stops);
    throw error;
  }
}

async function stopAll(stops: (() => Promise<void>)[]): Promise<void> {
  for (const stop of stops.reverse()) {
    try {
      await stop();
    } catch (error) {
      console.error("stopping:", error);
    }
  }
  stops.length = 0;
}
