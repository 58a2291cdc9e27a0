// The whole tracker on this machine: emulators (or the real services named in the environment),
// the application services, and the dev host serving the same function definitions as Azure.
import { type AccessConfig, accessFromEnv } from "../../application/access.ts";
import { clockFromEnv } from "../../application/clock.ts";
import { alertsFromEnv } from "../../composition/from-env.ts";
import {
  buildServices,
  installServices,
  type ServiceOptions,
  type Services,
} from "../../composition/services.ts";
import { definitions } from "../../functions/index.ts";
import { PoeDocumentStore } from "../blob/poe-documents.ts";
import { pollChangeFeed } from "../cosmos/change-feed.ts";
import { connectCosmos, cosmosFromEnv, ensureContainers } from "../cosmos/client.ts";
import { type RunningAzurite, startAzurite } from "../emulators/azurite.ts";
import { type RunningCosmosEmulator, startCosmosEmulator } from "../emulators/cosmos.ts";
import { blobFolder, clearData, loadIdentity, lockDataFolder, publishHost } from "./data-folder.ts";
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
  /**
   * Keep documents, blobs and the dev identity in this folder (see data-folder.ts), so what was
   * acknowledged survives a restart, even after kill -9. Default: everything in memory.
   */
  dataDir?: string;
  /** With dataDir: delete the stored documents and blobs first (the identity stays). */
  fresh?: boolean;
  /** Emulators the caller already started (npm start starts them while the application loads). */
  emulators?: { cosmos?: Promise<RunningCosmosEmulator>; azurite?: Promise<RunningAzurite> };
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
  /** The emulator's endpoint and key (or the real account's endpoint), for scripts run beside the host. */
  cosmos: { endpoint: string; key: string; databaseId: string };
  dataDir?: string;
  /** Documents the Cosmos emulator loaded from the data folder at start. */
  loadedDocuments: number;
  /** Every partner that can post (the dev partner first), as configured. */
  partners: string[];
  /** Resolves when the change-feed projector has caught up with everything appended so far. */
  drainChangeFeed(): Promise<void>;
  stop(): Promise<void>;
}

export async function startLocalTracker(options: LocalTrackerOptions = {}): Promise<LocalTracker> {
  const env = options.env ?? process.env;
  const stops: (() => Promise<void>)[] = [];
  const { dataDir } = options;
  if (dataDir) {
    const unlock = lockDataFolder(dataDir);
    stops.push(async () => unlock());
    if (options.fresh) clearData(dataDir);
  }
  const identity = loadIdentity(dataDir, env);
  const partnerId = options.partnerId ?? identity.partnerId;
  const webhookSecret = options.webhookSecret ?? identity.webhookSecret;
  const apiKey = options.apiKey ?? identity.apiKey;
  // TRACKER_NOW moves the business clock (e.g. to the 2025 the shared scenarios were written for).
  const clock = options.clock ?? clockFromEnv(env);
  const blobFromEnv = Boolean(env.STORAGE_CONNECTION_STRING);
  // Azurite takes seconds to load its modules: it starts while the Cosmos emulator replays its journal.
  const azuriteStarting = blobFromEnv
    ? undefined
    : (options.emulators?.azurite ?? startAzurite(dataDir ? { location: blobFolder(dataDir) } : {}));
  azuriteStarting?.catch(() => {});
  try {
    let cosmos = cosmosFromEnv(env);
    let cosmosPid: number | undefined;
    let loadedDocuments = 0;
    let cosmosSettings = {
      endpoint: env.COSMOS_ENDPOINT ?? "",
      key: env.COSMOS_KEY ?? "",
      databaseId: env.COSMOS_DATABASE || "engagements",
    };
    if (!cosmos) {
      const emulator = await (options.emulators?.cosmos ??
        startCosmosEmulator({
          separateProcess: options.cosmosInSeparateProcess ?? false,
          ...(dataDir ? { dataDir } : {}),
        }));
      stops.push(() => emulator.stop());
      cosmosPid = emulator.pid;
      loadedDocuments = emulator.loaded;
      cosmosSettings = { endpoint: emulator.endpoint, key: emulator.key, databaseId: "engagements" };
      cosmos = connectCosmos(cosmosSettings);
    }
    const connection = cosmos;
    stops.push(async () => connection.close());
    const containers = await ensureContainers(connection.database);

    let blobConnectionString = env.STORAGE_CONNECTION_STRING ?? "";
    if (azuriteStarting) {
      const azurite = await azuriteStarting;
      stops.push(() => azurite.stop());
      blobConnectionString = azurite.connectionString;
    }
    const documents = PoeDocumentStore.fromConnectionString(blobConnectionString);
    await documents.ensureContainer();

    // TRACKER_SOURCES / TRACKER_API_KEYS as in Azure, beside the dev partner.
    const configured = accessFromEnv(env);
    const access: AccessConfig = {
      sources: [
        { name: "dev-crm", partnerId, secrets: [webhookSecret] },
        ...configured.sources,
        ...(options.access?.sources ?? []),
      ],
      apiKeys: [{ partnerId, key: apiKey }, ...configured.apiKeys, ...(options.access?.apiKeys ?? [])],
    };
    const services = buildServices({
      cosmos: connection,
      containers,
      access,
      documents,
      ...alertsFromEnv(env),
      ...(options.alertWebhooks ? { alertWebhooks: options.alertWebhooks } : {}),
      ...(options.alertDelivery ? { alertDelivery: options.alertDelivery } : {}),
      clock,
      ...(env.TRACKER_PAGE_TOKEN_KEY ? { pageTokenKey: env.TRACKER_PAGE_TOKEN_KEY } : {}),
    });
    installServices(services);

    const pollers: ReturnType<typeof pollChangeFeed>[] = [];
    const host = await startDevHost({
      definitions: definitions(),
      port: options.port ?? 0,
      enableTimers: options.enableTimers ?? true,
      clock,
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
    if (dataDir) {
      const unpublish = publishHost(dataDir, {
        pid: process.pid,
        url: host.url,
        identity: { partnerId, webhookSecret, apiKey },
        cosmos: cosmosSettings,
        blobConnectionString,
      });
      stops.push(async () => unpublish());
    }
    return {
      url: host.url,
      partnerId,
      webhookSecret,
      apiKey,
      services,
      ...(cosmosPid !== undefined ? { cosmosPid } : {}),
      blobConnectionString,
      usingEmulators: { cosmos: cosmosPid !== undefined, blob: !blobFromEnv },
      cosmos: cosmosSettings,
      ...(dataDir ? { dataDir } : {}),
      loadedDocuments,
      partners: [...new Set(access.sources.map((s) => s.partnerId))],
      drainChangeFeed: async () => {
        await Promise.all(pollers.map((p) => p.drain()));
      },
      stop: () => stopAll(stops),
    };
  } catch (error) {
    await azuriteStarting?.then((azurite) => azurite.stop()).catch(() => {});
    await options.emulators?.cosmos?.then((emulator) => emulator.stop()).catch(() => {});
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
