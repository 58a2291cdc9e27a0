// Local stand-in for the Azure Functions host: serves the registry's definitions over node:http, runs timers
// and hands change-feed batches to their handlers. azure-functions-core-tools cannot be installed, and the
// handlers are plain functions once @azure/functions is in test mode, so this is all the host we need.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type {
  HttpResponseInit,
  InvocationContext as InvocationContextType,
  LogLevel,
  Timer,
} from "@azure/functions";
import azureFunctions from "@azure/functions";
import { problemOf } from "../../application/problem.ts";
import type {
  ChangeFeedDefinition,
  FunctionDefinition,
  HttpDefinition,
  HttpMethod,
  TimerDefinition,
} from "../../functions/registry.ts";
import { toFunctionsRequest, writeResponse } from "./http-io.ts";
import { byRank, compileRoute, matchRoute } from "./routes.ts";
import { scheduleTimers } from "./timers.ts";

// Default import: Node's ESM loader cannot see the classes of this CJS bundle as named exports.
const { InvocationContext } = azureFunctions;

export type LogSink = (level: LogLevel, ...args: unknown[]) => void;

export interface ChangeFeedSubscription {
  stop(): Promise<void>;
}

/**
 * Feeds one change-feed definition. `deliver` runs the handler on a batch; it rejects when the handler throws,
 * so the poller decides whether to retry (Azure checkpoints past a failed batch unless a retry policy is set).
 */
export interface ChangeFeedSource {
  poll(
    deliver: (documents: unknown[]) => Promise<void>,
    definition: ChangeFeedDefinition,
  ): ChangeFeedSubscription;
}

export interface DevHostOptions {
  definitions: readonly FunctionDefinition[];
  /** 0 picks a free port. */
  port: number;
  host?: string;
  /** host.json `extensions.http.routePrefix`; "api" as in this project. */
  routePrefix?: string;
  changeFeed?: ChangeFeedSource;
  enableTimers?: boolean;
  clock?: () => Date;
  log?: LogSink;
  /** How long stop() lets requests under way finish before closing their connections; 10 s by default. */
  stopGraceMs?: number;
  /**
   * Keys Azure would accept on `authLevel: "function"` routes (`x-functions-key` header or `?code=`);
   * `masterKey` also opens "admin" ones. Without keys such routes answer 401, as Azure does.
   */
  functionKeys?: readonly string[];
  masterKey?: string;
}

export interface DevHost {
  /** Origin, e.g. `http://127.0.0.1:7071`; routes live under `${url}/api/`. */
  url: string;
  port: number;
  /** Stops accepting work, stops timers and change feeds, and waits for work under way. Idempotent. */
  stop(): Promise<void>;
}

const consoleSink: LogSink = (level, ...args) => {
  if (level === "error" || level === "critical") console.error(...args);
  else if (level === "warning") console.warn(...args);
  else if (level === "debug" || level === "trace") console.debug(...args);
  else if (level !== "none") console.log(...args);
};

// ---- host -----------------------------------------------------------------------------------------------

export async function startDevHost(options: DevHostOptions): Promise<DevHost> {
  const host = options.host ?? "127.0.0.1";
  const prefix = (options.routePrefix ?? "api").replace(/^\/+|\/+$/g, "");
  const log = options.log ?? consoleSink;
  const http = options.definitions.filter((d): d is HttpDefinition => d.kind === "http");
  const timers = options.definitions.filter((d): d is TimerDefinition => d.kind === "timer");
  const feeds = options.definitions.filter((d): d is ChangeFeedDefinition => d.kind === "cosmosChangeFeed");
  const routes = http.map(compileRoute).sort(byRank);

  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work);
    const forget = () => inFlight.delete(work);
    work.then(forget, forget);
    return work;
  };
  let stopping: Promise<void> | undefined;

  const keyAccepted = (level: string, headers: Headers, url: URL): boolean => {
    if (level === "anonymous") return true;
    const given = headers.get("x-functions-key") ?? url.searchParams.get("code");
    if (!given) return false;
    if (options.masterKey && given === options.masterKey) return true;
    return level === "function" && (options.functionKeys ?? []).includes(given);
  };

  const contextFor = (functionName: string, triggerType: string): InvocationContextType => {
    const invocationId = randomUUID();
    const tag = `[${functionName} ${invocationId.slice(0, 8)}]`;
    return new InvocationContext({
      invocationId,
      functionName,
      logHandler: (level, ...args) => log(level, tag, ...args),
      options: { trigger: { type: triggerType, name: triggerType } },
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? "GET").toUpperCase();
    if (stopping) {
      res.setHeader("connection", "close");
      await writeResponse(res, problemOf("unavailable", { detail: "The dev host is stopping." }), method);
      return;
    }
    let url: URL;
    let path: string[];
    try {
      url = new URL(req.url ?? "/", `http://${req.headers.host ?? `${host}:${port}`}`);
      // Split before decoding so an encoded slash stays inside its route parameter.
      path = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    } catch {
      await writeResponse(
        res,
        problemOf("invalid-request", { detail: "The request URL is malformed." }),
        method,
      );
      return;
    }

    // The partner board is the dev host's home page (its function serves /api/board/).
    if (path.length === 0 && (method === "GET" || method === "HEAD")) {
      await writeResponse(
        res,
        { status: 302, headers: { location: `/${prefix ? `${prefix}/` : ""}board/` } },
        method,
      );
      return;
    }
    const underPrefix = prefix === "" || path[0]?.toLowerCase() === prefix.toLowerCase();
    const routePath = prefix === "" ? path : path.slice(1);
    const matches = underPrefix
      ? routes.flatMap((route) => {
          const params = matchRoute(route, routePath);
          return params ? [{ route, params }] : [];
        })
      : [];
    if (matches.length === 0) {
      const detail = `No function serves ${url.pathname}.`;
      await writeResponse(res, problemOf("not-found", { detail }), method);
      return;
    }
    const hit = matches.find(({ route }) => route.definition.methods.includes(method as HttpMethod));
    if (!hit) {
      const allow = [...new Set(matches.flatMap(({ route }) => route.definition.methods))].join(", ");
      const detail = `${method} is not allowed on ${url.pathname}; use ${allow}.`;
      await writeResponse(res, problemOf("method-not-allowed", { detail }, { headers: { allow } }), method);
      return;
    }

    const { definition } = hit.route;
    const { headers, request } = toFunctionsRequest(req, url, method, hit.params);
    const context = contextFor(definition.name, "httpTrigger");

    if (!keyAccepted(definition.authLevel ?? "function", headers, url)) {
      // Azure's answer to a missing or wrong function key: 401 with an empty body.
      res.statusCode = 401;
      res.end();
      return;
    }

    let result: HttpResponseInit;
    try {
      result = (await definition.handler(request, context)) ?? {};
    } catch (error) {
      // In Azure with HTTP streaming a thrown error leaves the request without any response
      // (azure-functions-nodejs-library#324). Answer nothing here either, so a test fails as Azure would;
      // functions/registry.ts wraps every handler so this never happens to a registered one.
      log(
        "critical",
        `[devhost] UNHANDLED: ${definition.name} threw; Azure would never answer ${method} ${url.pathname}:`,
        error,
      );
      res.destroy();
      return;
    }
    if (stopping) res.setHeader("connection", "close");
    try {
      await writeResponse(res, result, method);
    } catch (error) {
      // Headers may be out already (a body stream failed mid-way): all that is left is to cut the connection.
      context.error(`${method} ${url.pathname}: writing the response failed:`, error);
      if (!res.headersSent) {
        for (const name of res.getHeaderNames()) res.removeHeader(name);
        await writeResponse(res, problemOf("internal", { invocationId: context.invocationId }), method).catch(
          () => res.destroy(),
        );
      } else res.destroy();
    }
  };

  const server = createServer((req, res) => {
    const started = performance.now();
    res.once("finish", () => {
      const ms = Math.round(performance.now() - started);
      // The path only: query strings carry API keys and continuation tokens, which never go to a log.
      const path = (req.url ?? "").split("?")[0];
      log("information", `[devhost] ${req.method} ${path} -> ${res.statusCode} (${ms} ms)`);
    });
    void track(
      handle(req, res).catch((error: unknown) => {
        log("error", "[devhost] request failed:", error);
        res.destroy();
      }),
    );
  });

  // Validate timer schedules before listening: a bad NCRONTAB should stop the host, not surface a day later.
  const timerRun = async (definition: TimerDefinition, timer: Timer): Promise<void> => {
    const context = contextFor(definition.name, "timerTrigger");
    await track(
      definition.handler(timer, context).catch((error: unknown) => {
        context.error("timer run failed:", error);
      }),
    );
  };
  const scheduled =
    options.enableTimers === false || timers.length === 0
      ? undefined
      : scheduleTimers({ definitions: timers, run: timerRun, clock: options.clock });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  }).catch(async (error: unknown) => {
    await scheduled?.stop();
    throw error;
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  const subscriptions: ChangeFeedSubscription[] = [];
  for (const definition of feeds) {
    if (!options.changeFeed) {
      log("warning", `[devhost] no change feed source: "${definition.name}" will not run`);
      continue;
    }
    const deliver = (documents: unknown[]): Promise<void> => {
      if (stopping) return Promise.reject(new Error("the dev host is stopping"));
      const context = contextFor(definition.name, "cosmosDBTrigger");
      return track(
        definition.handler(documents, context).catch((error: unknown) => {
          context.error(`change feed batch of ${documents.length} failed:`, error);
          throw error;
        }),
      );
    };
    subscriptions.push(options.changeFeed.poll(deliver, definition));
  }

  log(
    "information",
    `[devhost] ${url}/${prefix}: ${http.length} http, ${scheduled ? timers.length : 0} timer, ` +
      `${subscriptions.length} change feed function(s)`,
  );

  const stop = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // A client that never finishes its upload would hold stop() forever; after the grace period, cut it off.
    const grace = setTimeout(() => server.closeAllConnections(), options.stopGraceMs ?? 10_000);
    await Promise.all([scheduled?.stop(), ...subscriptions.map((s) => s.stop())]);
    // Work may start more work (a request awaiting a delivery); drain until nothing is left.
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    server.closeIdleConnections();
    await closed;
    clearTimeout(grace);
  };

  return {
    url,
    port,
    stop() {
      stopping ??= stop();
      return stopping;
    },
  };
}
