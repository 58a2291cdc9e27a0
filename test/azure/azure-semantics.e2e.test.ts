// Azure's semantics, made local: routes are anonymous and authenticate themselves, the dev host enforces
// function keys where a route would need one and answers nothing when a handler throws (Azure with HTTP
// streaming hangs), registered handlers never throw whatever port fails, the change feed and the timer
// hand failures back to their retry policy, and every log line is correlated and free of secrets.
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import azureFunctions, { type HttpRequest, type InvocationContext, type Timer } from "@azure/functions";

const TICK = {
  isPastDue: false,
  scheduleStatus: { last: "", next: "", lastUpdated: "" },
} as unknown as Timer;

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { counters } from "../../application/telemetry.ts";
import { signWebhook } from "../../application/webhook-signature.ts";
import { installServices, type Services } from "../../composition/services.ts";
import { definitions } from "../../functions/index.ts";
import { CHANGE_FEED_RETRY, type FunctionDefinition, type HttpDefinition } from "../../functions/registry.ts";
import { type LocalTracker, startLocalTracker } from "../../infra/devhost/local-tracker.ts";
import { type DevHost, startDevHost } from "../../infra/devhost/server.ts";
import { type LogLine, onLogLine } from "../../infra/telemetry/log.ts";

const { HttpRequest: Request, InvocationContext: Context } = azureFunctions;
const SCENARIOS = join(import.meta.dirname, "../../../shared/scenarios");
const TENANT = "6f1c0101-3c4b-4f1e-9a51-2b7c0d9e0101";

let now = new Date("2025-06-01T06:00:00Z");
let tracker: LocalTracker;
let base: Services;
const lines: LogLine[] = [];
let stopListening: () => void;

beforeAll(async () => {
  stopListening = onLogLine((line) => lines.push(line));
  tracker = await startLocalTracker({
    quiet: true,
    env: {},
    enableTimers: false,
    changeFeedIntervalMs: 100,
    clock: () => now,
    webhookSecret: `whsec_${Buffer.from(randomUUID()).toString("base64")}`,
    apiKey: `key-${randomUUID()}`,
  });
  base = tracker.services;
});

afterAll(async () => {
  stopListening?.();
  installServices(base);
  await tracker?.stop();
});

function context(definition: FunctionDefinition): InvocationContext {
  return new Context({ invocationId: randomUUID(), functionName: definition.name, logHandler: () => {} });
}

function sample(id = `evt-${randomUUID()}`) {
  return {
    specversion: "1.0",
    id,
    source: "crm://azure-semantics",
    type: "tenant.profiled",
    time: "2025-05-01T09:00:00Z",
    partnerid: tracker.partnerId,
    tenantid: TENANT,
    data: { customerName: "Contoso", segment: "commercial", publicSector: false, country: "US" },
  };
}

/** A request that passes every route's own checks as far as it can: key, signature, parameters. */
function requestFor(definition: HttpDefinition, method: string): HttpRequest {
  const params: Record<string, string> = {};
  for (const m of definition.route.matchAll(/\{\*?(\w+)[^}]*\}/g)) {
    const name = m[1]!;
    params[name] =
      name === "tenantId"
        ? TENANT
        : name === "workload"
          ? "defender-endpoint"
          : name === "documentId"
            ? "0123456789abcdef0123456789abcdef"
            : name === "source"
              ? "dev-crm"
              : "x";
  }
  const path = definition.route.replace(/\{\*?(\w+)[^}]*\}/g, (_: string, name: string) => params[name]!);
  const body = method === "GET" || method === "HEAD" ? undefined : JSON.stringify(sample());
  const headers: Record<string, string> = { "x-api-key": tracker.apiKey };
  if (body) {
    Object.assign(
      headers,
      signWebhook({ id: `msg_${randomUUID()}`, timestamp: new Date(), body, secret: tracker.webhookSecret }),
      { "content-type": "application/cloudevents+json" },
    );
  }
  return new Request({
    method,
    url: `http://127.0.0.1/api/${path}`,
    headers,
    params,
    ...(body ? { body: { string: body } } : {}),
  });
}

/** A port whose every member, at any depth, fails: synchronously ("throw") or as a rejection. */
function faultyPort(name: string, hits: Set<string>, mode: "throw" | "reject"): unknown {
  const fail = () => {
    hits.add(name);
    const error = new Error(`injected fault in ${name}`);
    if (mode === "throw") throw error;
    const rejected = Promise.reject(error);
    rejected.catch(() => {}); // a caller that never awaits it must not crash the test process
    return rejected;
  };
  return new Proxy(fail, {
    get: (_target, property) => (property === "then" ? undefined : faultyPort(name, hits, mode)),
    apply: () => fail(),
  });
}

const http = () => definitions().filter((d): d is HttpDefinition => d.kind === "http");

describe("function keys and thrown errors, as Azure has them", () => {
  it("registers every route anonymous: they authenticate themselves (API.md)", () => {
    expect(http().length).toBeGreaterThan(5);
    for (const d of http()) expect(d.authLevel, d.name).toBe("anonymous");
  });

  describe("the dev host", () => {
    let host: DevHost;
    const hostLines: string[] = [];
    const raw = (name: string, route: string, authLevel: HttpDefinition["authLevel"], fail = false) =>
      ({
        kind: "http",
        name,
        route,
        methods: ["GET"],
        authLevel,
        handler: async () => {
          if (fail) throw new Error("raw handler failure");
          return { jsonBody: { ok: true } };
        },
      }) satisfies HttpDefinition;
    beforeAll(async () => {
      host = await startDevHost({
        definitions: [
          raw("open", "open", "anonymous"),
          raw("keyed", "keyed", "function"),
          raw("admin", "admin", "admin"),
          raw("throwing", "throwing", "anonymous", true),
        ],
        port: 0,
        functionKeys: ["function-key-1"],
        masterKey: "master-key-1",
        log: (level, ...args) => hostLines.push(`${level} ${args.map(String).join(" ")}`),
      });
    });
    afterAll(() => host?.stop());

    it("demands a function key where authLevel says so, by header or ?code=", async () => {
      const status = async (path: string, headers: Record<string, string> = {}) =>
        (await fetch(`${host.url}/api/${path}`, { headers })).status;
      expect(await status("open")).toBe(200);
      expect(await status("keyed")).toBe(401);
      expect(await status("keyed", { "x-functions-key": "wrong" })).toBe(401);
      expect(await status("keyed", { "x-functions-key": "function-key-1" })).toBe(200);
      expect(await status("keyed?code=function-key-1")).toBe(200);
      expect(await status("admin?code=function-key-1")).toBe(401);
      expect(await status("admin", { "x-functions-key": "master-key-1" })).toBe(200);
    });

    it("answers nothing when a handler throws, as Azure with HTTP streaming does, and says so loudly", async () => {
      await expect(fetch(`${host.url}/api/throwing`)).rejects.toThrow();
      expect(hostLines.some((l) => l.startsWith("critical") && l.includes("UNHANDLED: throwing threw"))).toBe(
        true,
      );
      expect((await fetch(`${host.url}/api/open`)).status).toBe(200); // and keeps serving
    });
  });
});

describe("no registered handler throws to the host, whatever port fails", () => {
  it("answers a logged problem document for every route, every port, thrown or rejected", async () => {
    const hits = new Set<string>();
    const ports = Object.keys(base) as (keyof Services)[];
    let calls = 0;
    try {
      for (const port of ports) {
        for (const mode of ["throw", "reject"] as const) {
          installServices({ ...base, [port]: faultyPort(port, hits, mode) } as Services);
          for (const d of http()) {
            for (const method of d.methods) {
              const before = lines.length;
              const ctx = context(d);
              const response = await d.handler(requestFor(d, method), ctx); // rejects = test fails
              calls++;
              const status = response.status ?? 200;
              expect(typeof status).toBe("number");
              if (status >= 500) {
                const body = response.jsonBody as { type?: string } | undefined;
                expect(
                  String(body?.type),
                  `${d.name} ${status} with ${port} failing: ${JSON.stringify(response.jsonBody)}`,
                ).toMatch(/^\/problems\//);
                if (status === 500) {
                  const logged = lines.slice(before).find((l) => l.level === "error");
                  expect(logged?.invocationId, `${d.name}: the 500 is logged`).toBe(ctx.invocationId);
                }
              }
            }
          }
        }
      }
    } finally {
      installServices(base);
    }
    expect(calls).toBeGreaterThan(ports.length * 2 * 5);
    // The faults reached the ports the routes use.
    for (const port of ["access", "ingestion", "pairs", "scoring", "alerts", "clock"])
      expect([...hits], port).toContain(port);
  });

  it("through the dev host a failing port is a 500 problem with the invocation id, never a hang", async () => {
    installServices({ ...base, pairs: faultyPort("pairs", new Set(), "reject") } as Services);
    try {
      const response = await fetch(`${tracker.url}/api/pairs`, { headers: { "x-api-key": tracker.apiKey } });
      expect(response.status).toBe(500);
      const problem = (await response.json()) as { type: string; invocationId: string };
      expect(problem.type).toBe("/problems/internal");
      expect(lines.some((l) => l.level === "error" && l.invocationId === problem.invocationId)).toBe(true);
    } finally {
      installServices(base);
    }
  });

  it("hands a failed change-feed batch or timer run back to its retry policy, logged", async () => {
    const feed = definitions().find((d) => d.kind === "cosmosChangeFeed")!;
    const timer = definitions().find((d) => d.kind === "timer")!;
    expect(feed.kind === "cosmosChangeFeed" && feed.retry).toEqual(CHANGE_FEED_RETRY);
    expect(CHANGE_FEED_RETRY.maxRetryCount).toBe(-1); // a finite count would checkpoint the batch and lose it
    expect(timer.kind === "timer" && timer.retry?.maxRetryCount).toBeGreaterThan(0); // retried the same day
    const document = {
      id: "x:1",
      streamId: `${tracker.partnerId}|${TENANT}`,
      lastVersion: 1,
      events: [{ id: "e-1" }],
    };
    installServices({ ...base, projector: faultyPort("projector", new Set(), "reject") } as Services);
    try {
      const ctx = context(feed);
      await expect(feed.kind === "cosmosChangeFeed" && feed.handler([document], ctx)).rejects.toThrow(
        "injected fault in projector",
      );
      const logged = lines.find((l) => l.level === "error" && l.invocationId === ctx.invocationId);
      expect(logged).toMatchObject({ eventId: "e-1", pair: document.streamId, functionName: feed.name });
      installServices({ ...base, claimWindows: faultyPort("claimWindows", new Set(), "throw") } as Services);
      const timerCtx = context(timer);
      await expect(timer.kind === "timer" && timer.handler(TICK, timerCtx)).rejects.toThrow(
        "injected fault in claimWindows",
      );
      expect(lines.some((l) => l.level === "error" && l.invocationId === timerCtx.invocationId)).toBe(true);
    } finally {
      installServices(base);
    }
  });
});

describe("log lines: correlated on ingest, change feed and timer, and never a secret", () => {
  it("carries invocation id, event id and pair on every line of each", async () => {
    const start = lines.length;
    const events = readdirSync(SCENARIOS)
      .filter((f) => f.endsWith(".ndjson"))
      .flatMap((f) => readFileSync(join(SCENARIOS, f), "utf8").split("\n").filter(Boolean))
      .map((l) => JSON.parse(l) as { time: string; partnerid: string })
      .filter((e) => e.partnerid === tracker.partnerId && Date.parse(e.time) <= now.getTime());
    const total = (name: "events.accepted" | "events.duplicates") =>
      counters.total(name, { partnerId: tracker.partnerId });
    const before = { accepted: total("events.accepted"), duplicates: total("events.duplicates") };
    const post = async (body: unknown) => {
      const text = JSON.stringify(body);
      const headers = signWebhook({
        id: `msg_${randomUUID()}`,
        timestamp: new Date(),
        body: text,
        secret: tracker.webhookSecret,
      });
      return fetch(`${tracker.url}/api/events`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/cloudevents-batch+json" },
        body: text,
      });
    };
    const first = (await (await post(events)).json()) as { accepted: number; duplicates: number };
    expect((await post(events.slice(0, 3))).status).toBe(202); // all duplicates
    await tracker.drainChangeFeed();
    const timer = definitions().find((d) => d.kind === "timer" && d.name === "claimWindows")!;
    // Run the timer on the first day a pair asks for it, so alerts are raised.
    const { resources: due } = await base.containers.pairs.items
      .query<string>(
        "SELECT VALUE c.nextAlertOn FROM c WHERE c.docType = 'pair' AND IS_STRING(c.nextAlertOn)",
      )
      .fetchAll();
    expect(due.length, "pairs with an alert ahead").toBeGreaterThan(0);
    now = new Date(`${due.sort()[0]}T06:00:00Z`);
    if (timer.kind === "timer") await timer.handler(TICK, context(timer));

    const mine = lines.slice(start);
    const of = (name: string) => mine.filter((l) => l.functionName === name);
    const ingest = of("events");
    expect(ingest.length).toBeGreaterThan(0);
    for (const line of ingest) {
      expect(line.invocationId).toMatch(/^[0-9a-f-]{36}$/);
      expect(line.eventId).toBeDefined();
      expect(line.pair).toBeDefined();
    }
    const feed = of("projector");
    expect(feed.length).toBeGreaterThan(0);
    for (const line of feed)
      expect(line).toMatchObject({
        invocationId: expect.any(String),
        eventId: expect.anything(),
        pair: expect.anything(),
      });
    const timerLines = of("claimWindows");
    const raised = timerLines.filter((l) => l.msg.startsWith("alert raised"));
    expect(raised.length, "alerts raised on the first due day").toBeGreaterThan(0);
    for (const line of raised)
      expect(line).toMatchObject({
        invocationId: expect.any(String),
        pair: expect.any(String),
        alertId: expect.any(String),
      });
    expect(timerLines.every((l) => typeof l.invocationId === "string")).toBe(true);

    // The counters saw the same: accepted, duplicates, raised alerts.
    expect(first.accepted).toBeGreaterThan(0);
    expect(total("events.accepted") - before.accepted).toBe(first.accepted);
    expect(total("events.duplicates") - before.duplicates).toBe(first.duplicates + 3);
    expect(counters.total("alerts.raised", { partnerId: tracker.partnerId })).toBe(raised.length);
  });

  it("redelivers a change-feed batch without changing anything (at least once, idempotent)", async () => {
    await tracker.drainChangeFeed();
    const feed = definitions().find((d) => d.kind === "cosmosChangeFeed")!;
    const { resources: documents } = await base.containers.events.items
      .query({
        query: "SELECT * FROM c WHERE STARTSWITH(c.streamId, @p)",
        parameters: [{ name: "@p", value: tracker.partnerId }],
      })
      .fetchAll();
    expect(documents.length).toBeGreaterThan(0);
    const heads = async () =>
      (await base.containers.pairs.items.query("SELECT c.id, c._etag FROM c").fetchAll()).resources;
    const before = await heads();
    if (feed.kind === "cosmosChangeFeed") {
      await feed.handler(documents, context(feed)); // the same batch, delivered again
      await feed.handler([...documents].reverse(), context(feed)); // and out of order
    }
    expect(await heads()).toEqual(before); // no head was rewritten
  });

  it("never writes a configured secret, a signature or an API key", async () => {
    // A failure whose message carries the secrets, as a careless error might.
    const leaky = {
      ...base,
      pairs: {
        list: () => Promise.reject(new Error(`bad key ${tracker.apiKey} for ${tracker.webhookSecret}`)),
      },
    };
    installServices(leaky as unknown as Services);
    try {
      await fetch(`${tracker.url}/api/pairs?code=abc123secretcode`, {
        headers: { "x-api-key": tracker.apiKey },
      });
    } finally {
      installServices(base);
    }
    const text = lines.map((l) => JSON.stringify(l)).join("\n");
    expect(lines.length).toBeGreaterThan(20);
    expect(text).toContain("[redacted]");
    for (const secret of [
      tracker.apiKey,
      tracker.webhookSecret,
      tracker.webhookSecret.slice(6),
      "abc123secretcode",
    ])
      expect(text).not.toContain(secret);
    expect(text).not.toMatch(/v1,[A-Za-z0-9+/=]{20,}/); // no webhook signature
  });
});
