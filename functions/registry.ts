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
import { annotate, type Correlation, changeFeedCorrelation } from "../application/telemetry.ts";
import { correlationOf, registerSecretsFromEnv, structuredContext } from "../infra/telemetry/log.ts";
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

/** The invocation's correlation (what its log lines carry), for a handler to annotate; see application/telemetry.ts. */
export { correlationOf };

/** The handler as registered: structured logs, a span, and any throw turned into a logged 500 problem. */
export function guardHttp(name: string, handler: HttpFunction): HttpFunction {
  return (request, hostContext) => {
    const context = structuredContext(hostContext, {
      invocationId: hostContext.invocationId,
      functionName: name,
    });
    const path = pathOf(request);
    return inInvocationSpan(
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
    );
  };
}

/**
 * A timer or change-feed handler as registered: structured logs and a span; a failure is logged with
 * what happens next, then rethrown so the trigger's retry policy runs.
 */
function guardRetried<A extends unknown[]>(
  name: string,
  trigger: "timer" | "cosmosChangeFeed",
  handler: (...args: [...A, InvocationContext]) => Promise<void>,
  describe: (
    correlation: Correlation,
    ...args: A
  ) => { attributes: Record<string, number>; onFailure: string },
) {
  return (...args: [...A, InvocationContext]) => {
    const hostContext = args.at(-1) as InvocationContext;
    const input = args.slice(0, -1) as A;
    const correlation: Correlation = { invocationId: hostContext.invocationId, functionName: name };
    const context = structuredContext(hostContext, correlation);
    // What describe annotates (a batch's event and pair) reaches every line of the invocation.
    const { attributes, onFailure } = describe(correlation, ...input);
    return inInvocationSpan(name, trigger, attributes, async () => {
      try {
        await handler(...input, context);
      } catch (error) {
        context.error(onFailure, error);
        throw error;
      }
    });
  };
}

const guardTimer = (name: string, handler: TimerFunction): TimerFunction =>
  guardRetried<[Timer]>(name, "timer", handler, () => ({
    attributes: {},
    onFailure: `${name} run failed (retried per its policy, else at the next schedule):`,
  }));

const guardChangeFeed = (name: string, handler: ChangeFeedFunction): ChangeFeedFunction =>
  guardRetried<[unknown[]]>(name, "cosmosChangeFeed", handler, (correlation, documents) => {
    annotate(correlation, changeFeedCorrelation(documents));
    return {
      attributes: { "messaging.batch.message_count": documents.length },
      onFailure: `batch of ${documents.length} document(s) failed; it will be delivered again:`,
    };
  });

/** Records a definition (names are unique, as Azure requires), its handler guarded, and registers it with the host. */
function define<D extends FunctionDefinition>(
  kind: D["kind"],
  input: Omit<D, "kind">,
  guard: (name: string, handler: D["handler"]) => D["handler"],
  register: (d: D) => void,
): D {
  const definition = record({ ...input, kind, handler: guard(input.name, input.handler) } as D);
  register(definition);
  return definition;
}

export const defineHttp = (input: Omit<HttpDefinition, "kind" | "authLevel"> & { authLevel?: AuthLevel }) =>
  define<HttpDefinition>(
    "http",
    { authLevel: "anonymous", ...input, methods: [...input.methods] },
    guardHttp,
    ({ name, route, methods, authLevel, handler }) =>
      app.http(name, { route, methods: [...methods], authLevel, handler }),
  );

export const defineTimer = (
  input: Omit<TimerDefinition, "kind" | "runOnStartup"> & { runOnStartup?: boolean },
) =>
  define<TimerDefinition>("timer", { runOnStartup: false, ...input }, guardTimer, (timer) =>
    app.timer(timer.name, {
      schedule: timer.schedule,
      runOnStartup: timer.runOnStartup,
      ...(timer.retry ? { retry: timer.retry } : {}),
      handler: timer.handler,
    }),
  );

/** A change feed is retried forever unless said otherwise (CHANGE_FEED_RETRY). */
export const defineCosmosChangeFeed = (
  input: Omit<ChangeFeedDefinition, "kind" | "retry"> & { retry?: RetryOptions },
) =>
  define<ChangeFeedDefinition>(
    "cosmosChangeFeed",
    { retry: CHANGE_FEED_RETRY, ...input },
    guardChangeFeed,
    ({ kind: _, name, ...feed }) =>
      app.cosmosDB(name, {
        ...feed,
        // The deployment declares the leases container; creating it needs control-plane rights we do not hold.
        createLeaseContainerIfNotExists: false,
      }),
  );
