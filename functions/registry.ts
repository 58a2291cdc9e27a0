// Each function is defined once here: the definition registers with the Azure Functions host (app.*) and is
// recorded so the local dev host (infra/devhost) can serve the very same handlers without func-core-tools.
//
// Every handler is wrapped here, the same in Azure and locally:
// - HTTP handlers never throw to the host. With HTTP streaming on, a thrown error leaves the request hanging
//   in Azure (azure-functions-nodejs-library#324); the wrapper answers a 500 problem document and logs it.
// - Timer and change-feed handlers log a failure and rethrow it: that is what makes their retry policy run
//   again (the change feed's never gives up), and nothing waits on them.
// - Every log line is one JSON object with the invocation's correlation (infra/telemetry/log.ts), and each
//   invocation is a span when telemetry export is on (infra/telemetry/otel.ts).
import type { HttpRequest, HttpResponseInit, InvocationContext, RetryOptions, Timer } from "@azure/functions";
// Default import: the package is a webpack CJS bundle whose classes Node's ESM loader cannot see as named exports.
import azureFunctions from "@azure/functions";
import { problemOf } from "../application/problem.ts";
import { annotate, changeFeedCorrelation, withCorrelation } from "../application/telemetry.ts";
import { registerSecretsFromEnv, structuredContext } from "../infra/telemetry/log.ts";
import { inInvocationSpan, startTelemetry } from "../infra/telemetry/otel.ts";

const { app } = azureFunctions;

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS";
/** Azure's function-key levels. The tracker's routes are all anonymous and authenticate themselves (API.md). */
export type AuthLevel = "anonymous" | "function" | "admin";

export type HttpFunction = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;
export type TimerFunction = (timer: Timer, context: InvocationContext) => Promise<void>;
export type ChangeFeedFunction = (documents: unknown[], context: InvocationContext) => Promise<void>;

export interface HttpDefinition {
  kind: "http";
  name: string;
  /** Azure route template without the `api/` prefix, e.g. `pairs/{tenantId}/{workload}/documents/{documentId}`. */
  route: string;
  methods: readonly HttpMethod[];
  /** "anonymous" unless said otherwise; the dev host enforces function keys as Azure does. */
  authLevel: AuthLevel;
  /** The wrapped handler: it never throws. */
  handler: HttpFunction;
}

export interface TimerDefinition {
  kind: "timer";
  name: string;
  /** NCRONTAB, six fields: `{second} {minute} {hour} {day} {month} {day-of-week}`, UTC. */
  schedule: string;
  runOnStartup: boolean;
  retry?: RetryOptions;
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
  /** Without a policy Azure checkpoints past a failed batch and it is lost; with a finite count, too. */
  retry: RetryOptions;
  handler: ChangeFeedFunction;
}

export type FunctionDefinition = HttpDefinition | TimerDefinition | ChangeFeedDefinition;

/** A failed change-feed batch is retried forever, backing off from 5 s to 5 min (the lease stays put). */
export const CHANGE_FEED_RETRY: RetryOptions = {
  strategy: "exponentialBackoff",
  maxRetryCount: -1,
  minimumInterval: { seconds: 5 },
  maximumInterval: { minutes: 5 },
};

const registered: FunctionDefinition[] = [];

// Uploads of POE documents reach 25 MiB; without streaming the Azure host buffers whole bodies in the worker.
// Must run before the host finishes app startup, i.e. at module load, before any registration.
app.setup({ enableHttpStream: true });
// Telemetry export (only with APPLICATIONINSIGHTS_CONNECTION_STRING) and the secrets no line may carry.
registerSecretsFromEnv();
startTelemetry();

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

function pathOf(request: HttpRequest): string {
  try {
    return new URL(request.url).pathname;
  } catch {
    return request.url;
  }
}

/** The handler as registered: structured logs, a span, and any throw turned into a logged 500 problem. */
export function guardHttp(name: string, handler: HttpFunction): HttpFunction {
  return (request, hostContext) => {
    const context = structuredContext(hostContext);
    const path = pathOf(request);
    return withCorrelation({ invocationId: hostContext.invocationId, functionName: name }, () =>
      inInvocationSpan(
        `${request.method} ${name}`,
        "http",
        { "http.request.method": request.method, "url.path": path },
        async () => {
          const started = performance.now();
          let response: HttpResponseInit;
          try {
            response = (await handler(request, context)) ?? {};
          } catch (error) {
            context.error(`${request.method} ${path} failed:`, error);
            response = problemOf("internal", {
              detail: "The function failed; the log has the details under this invocationId.",
              invocationId: hostContext.invocationId,
            });
          }
          // One line per request, carrying what the handler learnt (event ids, pairs) on the way.
          const status = response.status ?? 200;
          context.log(`${request.method} ${path} -> ${status}`, {
            status,
            ms: Math.round(performance.now() - started),
          });
          return response;
        },
        (response) => (response as { status?: number }).status ?? 200,
      ),
    );
  };
}

export function guardTimer(name: string, handler: TimerFunction): TimerFunction {
  return (timer, hostContext) => {
    const context = structuredContext(hostContext);
    return withCorrelation({ invocationId: hostContext.invocationId, functionName: name }, () =>
      inInvocationSpan(name, "timer", {}, async () => {
        try {
          await handler(timer, context);
        } catch (error) {
          context.error(`${name} run failed (retried per its policy, else at the next schedule):`, error);
          throw error;
        }
      }),
    );
  };
}

export function guardChangeFeed(name: string, handler: ChangeFeedFunction): ChangeFeedFunction {
  return (documents, hostContext) => {
    const context = structuredContext(hostContext);
    return withCorrelation({ invocationId: hostContext.invocationId, functionName: name }, () => {
      annotate(changeFeedCorrelation(documents));
      return inInvocationSpan(
        name,
        "cosmosChangeFeed",
        { "messaging.batch.message_count": documents.length },
        async () => {
          try {
            await handler(documents, context);
          } catch (error) {
            context.error(
              `batch of ${documents.length} document(s) failed; it will be delivered again:`,
              error,
            );
            throw error;
          }
        },
      );
    });
  };
}

export function defineHttp(
  input: Omit<HttpDefinition, "kind" | "authLevel"> & { authLevel?: AuthLevel },
): HttpDefinition {
  const definition = record({
    kind: "http" as const,
    ...input,
    methods: [...input.methods],
    authLevel: input.authLevel ?? "anonymous",
    handler: guardHttp(input.name, input.handler),
  });
  app.http(definition.name, {
    route: definition.route,
    methods: [...definition.methods],
    authLevel: definition.authLevel,
    handler: definition.handler,
  });
  return definition;
}

export function defineTimer(
  input: Omit<TimerDefinition, "kind" | "runOnStartup"> & { runOnStartup?: boolean },
): TimerDefinition {
  const definition = record({
    kind: "timer" as const,
    ...input,
    runOnStartup: input.runOnStartup ?? false,
    handler: guardTimer(input.name, input.handler),
  });
  app.timer(definition.name, {
    schedule: definition.schedule,
    runOnStartup: definition.runOnStartup,
    ...(definition.retry ? { retry: definition.retry } : {}),
    handler: definition.handler,
  });
  return definition;
}

export function defineCosmosChangeFeed(
  input: Omit<ChangeFeedDefinition, "kind" | "retry"> & { retry?: RetryOptions },
): ChangeFeedDefinition {
  const definition = record({
    kind: "cosmosChangeFeed" as const,
    ...input,
    retry: input.retry ?? CHANGE_FEED_RETRY,
    handler: guardChangeFeed(input.name, input.handler),
  });
  app.cosmosDB(definition.name, {
    connection: definition.connection,
    databaseName: definition.databaseName,
    containerName: definition.containerName,
    leaseContainerName: definition.leaseContainerName,
    // The deployment declares the leases container; creating it needs control-plane rights we do not hold.
    createLeaseContainerIfNotExists: false,
    retry: definition.retry,
    handler: definition.handler,
  });
  return definition;
}
