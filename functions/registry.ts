// Each function is defined once here: the definition registers with the Azure Functions host (app.*) and is
// recorded so the local dev host (infra/devhost) can serve the very same handlers without func-core-tools.
import type { HttpRequest, HttpResponseInit, InvocationContext, Timer } from "@azure/functions";
// Default import: the package is a webpack CJS bundle whose classes Node's ESM loader cannot see as named exports.
import azureFunctions from "@azure/functions";

const { app } = azureFunctions;

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS";

export type HttpFunction = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;
export type TimerFunction = (timer: Timer, context: InvocationContext) => Promise<void>;
export type ChangeFeedFunction = (documents: unknown[], context: InvocationContext) => Promise<void>;

export interface HttpDefinition {
  kind: "http";
  name: string;
  /** Azure route template without the `api/` prefix, e.g. `pairs/{tenantId}/{workload}/documents/{documentId}`. */
  route: string;
  methods: readonly HttpMethod[];
  handler: HttpFunction;
}

export interface TimerDefinition {
  kind: "timer";
  name: string;
  /** NCRONTAB, six fields: `{second} {minute} {hour} {day} {month} {day-of-week}`, UTC. */
  schedule: string;
  runOnStartup: boolean;
  handler: TimerFunction;
}

export interface ChangeFeedDefinition {
  kind: "cosmosChangeFeed";
  name: string;
  databaseName: string;
  containerName: string;
  /** Name of the app setting holding the Cosmos DB connection, not the connection itself. */
  connection: string;
  leaseContainerName: string;
  handler: ChangeFeedFunction;
}

export type FunctionDefinition = HttpDefinition | TimerDefinition | ChangeFeedDefinition;

const registered: FunctionDefinition[] = [];

// Uploads of POE documents reach 25 MiB; without streaming the Azure host buffers whole bodies in the worker.
// Must run before the host finishes app startup, i.e. at module load, before any registration.
app.setup({ enableHttpStream: true });

function record<T extends FunctionDefinition>(definition: T): T {
  // Azure rejects duplicate function names at startup; fail at definition time instead, locally too.
  if (registered.some((existing) => existing.name === definition.name)) {
    throw new Error(`function "${definition.name}" is defined twice`);
  }
  registered.push(definition);
  return definition;
}

/** Every function defined so far in this process, in definition order. */
export function definitions(): readonly FunctionDefinition[] {
  return [...registered];
}

export function defineHttp(input: Omit<HttpDefinition, "kind">): HttpDefinition {
  const definition = record({ kind: "http" as const, ...input, methods: [...input.methods] });
  app.http(definition.name, {
    route: definition.route,
    methods: [...definition.methods],
    authLevel: "function",
    handler: definition.handler,
  });
  return definition;
}

export function defineTimer(
  input: Omit<TimerDefinition, "kind" | "runOnStartup"> & { runOnStartup?: boolean },
): TimerDefinition {
  const definition = record({ kind: "timer" as const, ...input, runOnStartup: input.runOnStartup ?? false });
  app.timer(definition.name, {
    schedule: definition.schedule,
    runOnStartup: definition.runOnStartup,
    handler: definition.handler,
  });
  return definition;
}

export function defineCosmosChangeFeed(input: Omit<ChangeFeedDefinition, "kind">): ChangeFeedDefinition {
  const definition = record({ kind: "cosmosChangeFeed" as const, ...input });
  app.cosmosDB(definition.name, {
    connection: definition.connection,
    databaseName: definition.databaseName,
    containerName: definition.containerName,
    leaseContainerName: definition.leaseContainerName,
    createLeaseContainerIfNotExists: true,
    handler: definition.handler,
  });
  return definition;
}
