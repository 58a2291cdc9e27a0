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
import type { TokenCredential } from "@azure/identity";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { azureCredential } from "../identity.ts";
import { exportingTracer } from "../telemetry/tracer.ts";

/**
 * Where Cosmos DB is and how to prove who we are: the emulator's well-known key locally, a token
 * credential (the managed identity) in Azure. Exactly one of `key` and `credential`.
 */
export type CosmosSettings = { endpoint: string; databaseId: string } & (
  | { key: string; credential?: undefined }
  | { credential: TokenCredential; key?: undefined }
);

export interface CosmosConnection {
  client: CosmosClient;
  database: Database;
  /** How the client authenticates: "key" (emulator) or "identity" (Entra ID, data-plane RBAC). */
  auth: "key" | "identity";
  /** Every HTTP request this client sent to Cosmos, retries and metadata reads included. */
  requests: CosmosRequestCounter;
  close(): void;
}

export const DEFAULT_DATABASE_ID = "engagements";

/**
 * Cosmos DB as the environment names it: COSMOS_ENDPOINT with COSMOS_KEY (the emulators) or
 * COSMOS_ENDPOINT alone (Azure: DefaultAzureCredential, the managed identity AZURE_CLIENT_ID names);
 * database COSMOS_DATABASE, default "engagements". Undefined without an endpoint, so the caller (dev
 * host, scripts, tests) can start the emulator and use `connectCosmos`. The emulator is not imported
 * here: it is dev tooling and stays out of the deployed build.
 */
export function cosmosFromEnv(env: NodeJS.ProcessEnv = process.env): CosmosConnection | undefined {
  const { COSMOS_ENDPOINT: endpoint, COSMOS_KEY: key } = env;
  if (!endpoint) return undefined;
  const databaseId = env.COSMOS_DATABASE || DEFAULT_DATABASE_ID;
  return key
    ? connectCosmos({ endpoint, key, databaseId })
    : connectCosmos({ endpoint, credential: azureCredential(env), databaseId });
}

/**
 * One code path for the emulator and real Cosmos beyond this constructor: only how requests are signed
 * (key or Entra token) and certificate trust (see `isLoopback`) differ.
 */
export function connectCosmos(settings: CosmosSettings): CosmosConnection {
  const requests = new CosmosRequestCounter();
  // `plugins` is marked @internal in the SDK's typings but is how the SDK itself instruments each request.
  const options: CosmosClientOptions & { plugins: PluginConfig[] } = {
    endpoint: settings.endpoint,
    ...(settings.key !== undefined ? { key: settings.key } : { aadCredentials: settings.credential }),
    plugins: [requests.plugin, dependencySpans],
  };
  if (isLoopback(settings.endpoint)) {
    // The emulator's certificate is self-signed: trust it for this loopback endpoint only, never for Azure.
    options.agent = new Agent({ rejectUnauthorized: false, keepAlive: true });
  }
  const client = new CosmosClient(options);
  if (settings.key === undefined) identityClients.add(client);
  return {
    client,
    database: client.database(settings.databaseId),
    auth: settings.key !== undefined ? "key" : "identity",
    requests,
    close: () => client.dispose(),
  };
}

/** Clients signing with Entra tokens: they may not create databases or containers. */
const identityClients = new WeakSet<CosmosClient>();

/** A dependency span per Cosmos request when telemetry export is on; off, the request goes straight on. */
const dependencySpans: PluginConfig = {
  on: PluginOn.request,
  plugin: (context, _diagnostics, next) => {
    const tracer = exportingTracer();
    if (!tracer) return next(context);
    const operation = `${context.operationType ?? "?"} ${context.resourceType || "account"}`;
    return tracer.startActiveSpan(
      `cosmos ${operation}`,
      { kind: SpanKind.CLIENT, attributes: { "db.system": "cosmosdb", "db.operation.name": operation } },
      async (span) => {
        try {
          const response = await next(context);
          if (response.code !== undefined) span.setAttribute("db.response.status_code", response.code);
          // What the request cost: the figure to watch on a serverless bill.
          const charge = Number(response.headers?.["x-ms-request-charge"]);
          if (Number.isFinite(charge)) span.setAttribute("db.cosmosdb.request_charge", charge);
          return response;
        } catch (error) {
          const code = (error as { code?: unknown }).code;
          if (typeof code === "number") span.setAttribute("db.response.status_code", code);
          // 404, 409 and 412 are answers the store expects (absent, raced, stale etag), not failures.
          if (code !== 404 && code !== 409 && code !== 412) span.setStatus({ code: SpanStatusCode.ERROR });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  },
};

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
  /** CRM records a source's mapping refused (application/sources), written only when one is refused. */
  refusals: Container;
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

const byPartner = (id: string): ContainerRequest => ({ id, partitionKey: { paths: ["/partnerId"] } });

/**
 * Every container the tracker opens, with its partition key and indexing policy. The deployment
 * template declares the same list (infra/deploy/cosmos-containers.json; test/azure checks they agree).
 */
export const CONTAINERS = {
  events: EVENTS_CONTAINER,
  pairs: {
    ...byPartner("pairs"),
    // Heads carry a fold snapshot and a tail of events (first-format heads: whole streams in events and
    // tenantEvents); queries filter on state and dates only, so none of those is indexed.
    indexingPolicy: {
      indexingMode: "consistent",
      automatic: true,
      includedPaths: [{ path: "/*" }],
      excludedPaths: [
        { path: "/events/*" },
        { path: "/tenantEvents/*" },
        { path: "/snapshot/*" },
        { path: "/tail/*" },
        { path: '/"_etag"/?' },
      ],
    },
  },
  alerts: byPartner("alerts"),
  scores: byPartner("scores"),
  leases: { id: "leases", partitionKey: { paths: ["/id"] } },
  refusals: byPartner("refusals"),
} as const satisfies Record<keyof CosmosContainers, ContainerRequest>;

/**
 * Returns references to the containers. With a key (the emulator) it first creates the database and
 * the containers if they do not exist; with an identity it cannot (data-plane RBAC has no control-plane
 * rights): the deployment created them, and a missing one fails on first use.
 */
export async function ensureContainers(database: Database): Promise<CosmosContainers> {
  const entries = Object.entries(CONTAINERS) as [keyof CosmosContainers, ContainerRequest][];
  if (identityClients.has(database.client)) {
    return Object.fromEntries(
      entries.map(([name, r]) => [name, database.container(r.id!)]),
    ) as unknown as CosmosContainers;
  }
  await database.client.databases.createIfNotExists({ id: database.id });
  const created = await Promise.all(
    entries.map(
      async ([name, r]) => [name, (await database.containers.createIfNotExists(r)).container] as const,
    ),
  );
  return Object.fromEntries(created) as unknown as CosmosContainers;
}
