import { Agent } from "node:https";
import {
  type Container,
  type ContainerRequest,
  CosmosClient,
  type CosmosClientOptions,
  type Database,
  type PluginConfig,
  PluginOn,
} from "@azure/cosmos";

export interface CosmosSettings {
  endpoint: string;
  key: string;
  databaseId: string;
}

export interface CosmosConnection {
  client: CosmosClient;
  database: Database;
  /** Every HTTP request this client sent to Cosmos, retries and metadata reads included. */
  requests: CosmosRequestCounter;
  close(): void;
}

export const DEFAULT_DATABASE_ID = "engagements";

/**
 * Real Cosmos when COSMOS_ENDPOINT and COSMOS_KEY are set (database COSMOS_DATABASE, default "engagements");
 * undefined otherwise, so the caller (dev host, scripts, tests) can start the emulator and use `connectCosmos`.
 * The emulator is not imported here: it is dev tooling and stays out of the deployed build.
 */
export function cosmosFromEnv(env: NodeJS.ProcessEnv = process.env): CosmosConnection | undefined {
  const { COSMOS_ENDPOINT: endpoint, COSMOS_KEY: key } = env;
  if (!endpoint || !key) return undefined;
  return connectCosmos({ endpoint, key, databaseId: env.COSMOS_DATABASE || DEFAULT_DATABASE_ID });
}

/** One code path for the emulator and real Cosmos; only certificate trust differs (see `isLoopback`). */
export function connectCosmos(settings: CosmosSettings): CosmosConnection {
  const requests = new CosmosRequestCounter();
  // `plugins` is marked @internal in the SDK's typings but is how the SDK itself instruments each request.
  const options: CosmosClientOptions & { plugins: PluginConfig[] } = {
    endpoint: settings.endpoint,
    key: settings.key,
    plugins: [requests.plugin],
  };
  if (isLoopback(settings.endpoint)) {
    // The emulator's certificate is self-signed: trust it for this loopback endpoint only, never for Azure.
    options.agent = new Agent({ rejectUnauthorized: false, keepAlive: true });
  }
  const client = new CosmosClient(options);
  return {
    client,
    database: client.database(settings.databaseId),
    requests,
    close: () => client.dispose(),
  };
}

function isLoopback(endpoint: string): boolean {
  const { hostname } = new URL(endpoint);
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** Counts requests as they leave the SDK, failures (404, 409, 412, 429) included: each one costs. */
export class CosmosRequestCounter {
  #total = 0;
  #byKind = new Map<string, number>();

  readonly plugin: PluginConfig = {
    on: PluginOn.request,
    plugin: (context, _diagnostics, next) => {
      this.#total += 1;
      // The SDK files query-plan fetches under "read"; they are worth telling apart in a benchmark.
      const operation = context.headers?.["x-ms-cosmos-is-query-plan-request"]
        ? "queryplan"
        : context.operationType;
      const kind = `${operation ?? "?"} ${context.resourceType || "account"}`;
      this.#byKind.set(kind, (this.#byKind.get(kind) ?? 0) + 1);
      return next(context);
    },
  };

  get total(): number {
    return this.#total;
  }

  /** e.g. { "create docs": 10, "read docs": 20, "queryplan docs": 1, "query docs": 1 } */
  byKind(): Record<string, number> {
    return Object.fromEntries(this.#byKind);
  }

  reset(): void {
    this.#total = 0;
    this.#byKind.clear();
  }
}

export interface CosmosContainers {
  events: Container;
  pairs: Container;
  alerts: Container;
  scores: Container;
  leases: Container;
}

export const EVENTS_CONTAINER: ContainerRequest = {
  id: "events",
  partitionKey: { paths: ["/streamId"] },
  indexingPolicy: {
    indexingMode: "consistent",
    automatic: true,
    // Event payloads are never filtered on by the store and are the bulk of each document: not indexed.
    includedPaths: [{ path: "/*" }],
    excludedPaths: [{ path: "/events/*" }, { path: '/"_etag"/?' }],
  },
};

/** Creates the database and the containers if they do not exist; returns references to them. */
export async function ensureContainers(database: Database): Promise<CosmosContainers> {
  await database.client.databases.createIfNotExists({ id: database.id });
  const create = async (request: ContainerRequest) =>
    (await database.containers.createIfNotExists(request)).container;
  const byPartner = (id: string): ContainerRequest => ({ id, partitionKey: { paths: ["/partnerId"] } });
  const [events, pairs, alerts, scores, leases] = await Promise.all([
    create(EVENTS_CONTAINER),
    create({
      ...byPartner("pairs"),
      // Heads carry their streams' events for folding; queries filter on state and dates only.
      indexingPolicy: {
        indexingMode: "consistent",
        automatic: true,
        includedPaths: [{ path: "/*" }],
        excludedPaths: [{ path: "/events/*" }, { path: "/tenantEvents/*" }, { path: '/"_etag"/?' }],
      },
    }),
    create(byPartner("alerts")),
    create(byPartner("scores")),
    create({ id: "leases", partitionKey: { paths: ["/id"] } }),
  ]);
  return { events, pairs, alerts, scores, leases };
}
