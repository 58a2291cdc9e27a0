// The dev host over real loopback HTTP, with toy functions (not the product's) defined through the registry.
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { LogLevel, Timer } from "@azure/functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { fieldErrors, problemOf } from "../../application/problem.ts";
import {
  type ChangeFeedDefinition,
  defineCosmosChangeFeed,
  defineHttp,
  defineTimer,
  definitions,
} from "../../functions/registry.ts";
import type { ChangeFeedSource, DevHost } from "../../infra/devhost/server.ts";
import { startDevHost } from "../../infra/devhost/server.ts";

const MiB = 1024 * 1024;

// What the toy functions saw, for assertions on the handler side of the wire.
const seen = {
  timerRuns: [] as { timer: Timer; functionName: string }[],
  batches: [] as unknown[][],
  upload: { clientPulled: 0, maxLead: 0, peakRssGrowth: 0, baselineRss: 0 },
};
const logs: { level: LogLevel; text: string }[] = [];

// A real GC between samples keeps RSS about live memory rather than garbage the collector has not reached yet.
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

const documentSchema = z.object({ title: z.string(), pages: z.number().int().positive() });

const echo = defineHttp({
  name: "toyEcho",
  route: "pairs/{tenantId}/{workload}/documents/{documentId}",
  methods: ["GET", "POST"],
  handler: async (request, context) => ({
    jsonBody: {
      method: request.method,
      params: request.params,
      asOf: request.query.get("asOf"),
      tags: request.query.getAll("tag"),
      header: request.headers.get("x-toy"),
      functionName: context.functionName,
      invocationId: context.invocationId,
      body: request.method === "POST" ? await request.json() : null,
    },
  }),
});

defineHttp({
  name: "toySpecial",
  route: "pairs/special/{workload}/documents/{documentId}",
  methods: ["GET"],
  handler: async () => ({ body: "special route wins over parameters" }),
});

defineHttp({
  name: "toyValidate",
  route: "documents",
  methods: ["POST"],
  handler: async (request) => {
    const parsed = z.array(documentSchema).safeParse(await request.json());
    if (!parsed.success) return problemOf("invalid-request", { errors: fieldErrors(parsed.error) });
    return { status: 201, jsonBody: { accepted: parsed.data.length } };
  },
});

defineHttp({
  name: "toyUpload",
  route: "uploads/{name}",
  methods: ["POST"],
  handler: async (request) => {
    const hash = createHash("sha256");
    let bytes = 0;
    let chunks = 0;
    // The documented way to read a streamed body as a Node stream.
    for await (const chunk of Readable.fromWeb(request.body!)) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
      chunks++;
      // How far the sender is ahead of the handler: bounded only if the host does not buffer the body.
      seen.upload.maxLead = Math.max(seen.upload.maxLead, seen.upload.clientPulled - bytes);
      if (chunks % 64 === 0) {
        collectGarbage();
        const growth = process.memoryUsage().rss - seen.upload.baselineRss;
        seen.upload.peakRssGrowth = Math.max(seen.upload.peakRssGrowth, growth);
      }
    }
    return { jsonBody: { name: request.params.name, bytes, chunks, sha256: hash.digest("hex") } };
  },
});

// Deterministic bytes, produced 64 KiB at a time, so both ends can hash the same content without holding it.
function* pattern(size: number): Generator<Buffer> {
  for (let i = 0; i < size; i += 64 * 1024)
    yield Buffer.alloc(Math.min(64 * 1024, size - i), (i >> 16) % 251);
}

defineHttp({
  name: "toyDownload",
  route: "downloads/{kind}/{size:int}",
  methods: ["GET"],
  handler: async (request) => {
    const size = Number(request.params.size);
    const octets = { "content-type": "application/octet-stream" };
    switch (request.params.kind) {
      case "node":
        return { headers: octets, body: Readable.from(pattern(size)) };
      case "web": {
        const blocks = pattern(size);
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            const next = blocks.next();
            if (next.done) controller.close();
            else controller.enqueue(next.value);
          },
        });
        return { headers: octets, body };
      }
      case "buffer":
        return { status: 203, body: Buffer.alloc(size, 7) };
      default:
        return { body: "x".repeat(size), cookies: [{ name: "toy", value: "1", httpOnly: true }] };
    }
  },
});

defineHttp({
  name: "toyFailing",
  route: "failing",
  methods: ["GET"],
  handler: async () => {
    throw new Error("toy failure with a secret stack");
  },
});

function signal() {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
const slowStarted = signal();
const slowRelease = signal();
defineHttp({
  name: "toySlow",
  route: "slow",
  methods: ["GET"],
  handler: async () => {
    slowStarted.resolve();
    await slowRelease.promise;
    return { jsonBody: { finished: true } };
  },
});

const tick = defineTimer({
  name: "toyTick",
  schedule: "*/1 * * * * *",
  handler: async (timer, context) => {
    seen.timerRuns.push({ timer, functionName: context.functionName });
  },
});

const feed = defineCosmosChangeFeed({
  name: "toyFeed",
  databaseName: "toy",
  containerName: "events",
  connection: "COSMOS_CONNECTION",
  leaseContainerName: "leases",
  handler: async (documents) => {
    if (documents.some((d) => (d as { poison?: boolean }).poison)) throw new Error("poison document");
    seen.batches.push(documents);
  },
});

// An in-memory change feed: the test pushes batches through the host's `deliver` as a poller would.
const feedState = { deliver: undefined as ((docs: unknown[]) => Promise<void>) | undefined, stopped: false };
const memoryFeed: ChangeFeedSource = {
  poll(deliver, definition: ChangeFeedDefinition) {
    expect(definition.containerName).toBe("events");
    feedState.deliver = deliver;
    return {
      async stop() {
        feedState.stopped = true;
      },
    };
  },
};

let host: DevHost;
let api: string;

beforeAll(async () => {
  host = await startDevHost({
    definitions: definitions(),
    port: 0,
    changeFeed: memoryFeed,
    log: (level, ...args) => logs.push({ level, text: args.map(String).join(" ") }),
  });
  api = `${host.url}/api`;
});

afterAll(async () => {
  await host.stop();
});

interface ProblemBody {
  type: string;
  status: number;
  title: string;
  detail?: string;
  errors?: { path: string; message: string }[];
  invocationId?: string;
}

async function problemOfResponse(response: Response): Promise<ProblemBody> {
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  return (await response.json()) as ProblemBody;
}

describe("registry", () => {
  it("records each definition once, in order, with its kind", () => {
    expect(definitions().map((d) => `${d.kind}:${d.name}`)).toEqual([
      "http:toyEcho",
      "http:toySpecial",
      "http:toyValidate",
      "http:toyUpload",
      "http:toyDownload",
      "http:toyFailing",
      "http:toySlow",
      "timer:toyTick",
      "cosmosChangeFeed:toyFeed",
    ]);
    expect(tick.runOnStartup).toBe(false);
    expect(feed.leaseContainerName).toBe("leases");
  });

  it("refuses a second function with the same name, as Azure would at startup", () => {
    expect(() => defineHttp({ ...echo, route: "elsewhere" })).toThrow(/toyEcho.*defined twice/);
  });
});

describe("dev host HTTP", () => {
  it("routes under /api with route params, query and headers reaching the handler", async () => {
    const response = await fetch(
      `${api}/pairs/t%2F1/Security/documents/doc-9?asOf=2025-05-22T00:00:00Z&tag=a&tag=b`,
      { headers: { "x-toy": "hello" } },
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      method: "GET",
      // An encoded slash stays inside its parameter.
      params: { tenantId: "t/1", workload: "Security", documentId: "doc-9" },
      asOf: "2025-05-22T00:00:00Z",
      tags: ["a", "b"],
      header: "hello",
      functionName: "toyEcho",
    });
    expect(body.invocationId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("prefers a literal segment over a parameter, whatever the definition order", async () => {
    const response = await fetch(`${api}/pairs/special/x/documents/y`);
    expect(await response.text()).toBe("special route wins over parameters");
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
  });

  it("round-trips a JSON body", async () => {
    const sent = { events: [{ id: "e1", data: { startDate: "2025-05-01" } }], n: 1.5, ok: true };
    const response = await fetch(`${api}/pairs/t1/w/documents/d`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(sent),
    });
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(((await response.json()) as { body: unknown }).body).toEqual(sent);
  });

  it("answers a zod failure as a problem document with JSON paths", async () => {
    const response = await fetch(`${api}/documents`, {
      method: "POST",
      body: JSON.stringify([
        { title: "ok", pages: 1 },
        { title: 5, pages: 0 },
      ]),
    });
    expect(response.status).toBe(400);
    const problem = await problemOfResponse(response);
    expect(problem.type).toBe("/problems/invalid-request");
    expect(problem.errors?.map((e) => e.path)).toEqual(["$[1].title", "$[1].pages"]);
  });

  it("answers an unknown route with a 404 problem, inside and outside /api", async () => {
    for (const path of ["/api/nothing/here", "/pairs/t/w/documents/d", "/api/downloads/node/not-a-number"]) {
      const response = await fetch(`${host.url}${path}`);
      expect(response.status).toBe(404);
      const problem = await problemOfResponse(response);
      expect(problem).toMatchObject({ type: "/problems/not-found", status: 404 });
    }
  });

  it("answers a known route with the wrong method with a 405 problem and Allow", async () => {
    const response = await fetch(`${api}/pairs/t/w/documents/d`, { method: "DELETE" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, POST");
    expect((await problemOfResponse(response)).type).toBe("/problems/method-not-allowed");
  });

  it("turns a throwing handler into a logged 500 problem, without leaking the error, and keeps serving", async () => {
    const response = await fetch(`${api}/failing`);
    expect(response.status).toBe(500);
    const problem = await problemOfResponse(response);
    expect(problem.type).toBe("/problems/internal");
    expect(JSON.stringify(problem)).not.toContain("secret stack");
    const logged = logs.find(
      (l) => l.level === "error" && l.text.includes("toy failure with a secret stack"),
    );
    expect(logged?.text).toContain(`[toyFailing ${problem.invocationId?.slice(0, 8)}]`);

    expect((await fetch(`${api}/pairs/t/w/documents/d`)).status).toBe(200);
  });

  it("streams a 30 MiB upload to the handler without buffering it", async () => {
    const size = 30 * MiB;
    const chunk = new Uint8Array(64 * 1024).fill(42);
    const expected = createHash("sha256");
    collectGarbage();
    seen.upload.baselineRss = process.memoryUsage().rss;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (seen.upload.clientPulled >= size) return controller.close();
        expected.update(chunk);
        controller.enqueue(chunk);
        seen.upload.clientPulled += chunk.length;
      },
    });
    const response = await fetch(`${api}/uploads/big.pdf`, {
      method: "POST",
      headers: { "content-type": "application/pdf" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(200);
    const result = (await response.json()) as { name: string; bytes: number; chunks: number; sha256: string };
    expect(result).toMatchObject({ name: "big.pdf", bytes: size, sha256: expected.digest("hex") });
    // Many chunks, the sender never far ahead of the reader, and memory well short of the body: a stream.
    expect(result.chunks).toBeGreaterThan(100);
    expect(seen.upload.maxLead).toBeLessThan(16 * MiB);
    expect(seen.upload.peakRssGrowth).toBeLessThan(24 * MiB);
  });

  it("survives a client that aborts an upload half-way, and keeps serving", async () => {
    const aborter = new AbortController();
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 2 * MiB) return aborter.abort();
        controller.enqueue(new Uint8Array(64 * 1024));
        sent += 64 * 1024;
      },
    });
    const upload = fetch(`${api}/uploads/cut.pdf`, {
      method: "POST",
      body,
      duplex: "half",
      signal: aborter.signal,
    } as RequestInit);
    await expect(upload).rejects.toThrow();
    const deadline = Date.now() + 5000;
    // Every request now logs a line when it ends: wait for the failure's own line.
    while (!logs.some((l) => l.level === "error" && l.text.includes("[toyUpload")) && Date.now() < deadline)
      await sleep(20);
    expect(logs.some((l) => l.level === "error" && l.text.includes("[toyUpload"))).toBe(true);
    expect((await fetch(`${api}/pairs/t/w/documents/d`)).status).toBe(200);
  });

  it.each([
    ["node", 5 * MiB + 123],
    ["web", 3 * MiB + 7],
  ])("streams a %s-stream response body", async (kind, size) => {
    const response = await fetch(`${api}/downloads/${kind}/${size}`);
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
    const received = createHash("sha256");
    let bytes = 0;
    let chunks = 0;
    for await (const piece of response.body as unknown as AsyncIterable<Uint8Array>) {
      received.update(piece);
      bytes += piece.length;
      chunks++;
    }
    const expected = createHash("sha256");
    for (const block of pattern(size)) expected.update(block);
    expect(bytes).toBe(size);
    expect(chunks).toBeGreaterThan(1);
    expect(received.digest("hex")).toBe(expected.digest("hex"));
  });

  it("writes Buffer and string bodies with status, default content types and cookies", async () => {
    const buffer = await fetch(`${api}/downloads/buffer/10`);
    expect(buffer.status).toBe(203);
    expect(Buffer.from(await buffer.arrayBuffer())).toEqual(Buffer.alloc(10, 7));

    const text = await fetch(`${api}/downloads/text/5`);
    expect(text.headers.get("content-type")).toBe("text/plain;charset=UTF-8");
    expect(text.headers.getSetCookie()).toEqual(["toy=1; HttpOnly"]);
    expect(await text.text()).toBe("xxxxx");
  });
});

describe("dev host timers and change feed", () => {
  it("fires a */1 timer with a Timer object and an InvocationContext", async () => {
    const deadline = Date.now() + 5000;
    while (seen.timerRuns.length < 2 && Date.now() < deadline) await sleep(50);
    expect(seen.timerRuns.length).toBeGreaterThanOrEqual(2);
    const [first, second] = seen.timerRuns;
    expect(first?.functionName).toBe("toyTick");
    expect(first?.timer).toMatchObject({ isPastDue: expect.any(Boolean), schedule: { adjustForDST: false } });
    const { last, next, lastUpdated } = second!.timer.scheduleStatus;
    // Whole seconds, one apart: the schedule, not the moment the callback happened to run.
    expect(Date.parse(next) - Date.parse(last)).toBe(2000);
    expect(Date.parse(last) % 1000).toBe(0);
    expect(Number.isNaN(Date.parse(lastUpdated))).toBe(false);
  });

  it("hands change-feed batches to the handler and reports a failing batch to the poller", async () => {
    await feedState.deliver!([{ id: "1" }, { id: "2" }]);
    expect(seen.batches).toEqual([[{ id: "1" }, { id: "2" }]]);
    await expect(feedState.deliver!([{ id: "3", poison: true }])).rejects.toThrow("poison document");
    expect(logs.some((l) => l.level === "error" && l.text.includes("[toyFeed"))).toBe(true);
  });
});

describe("dev host stop", () => {
  it("waits for requests under way, then stops timers, change feeds and the listener", async () => {
    const inFlight = fetch(`${api}/slow`);
    await slowStarted.promise;
    const stopped = host.stop();
    let stopDone = false;
    void stopped.then(() => {
      stopDone = true;
    });
    await sleep(100);
    expect(stopDone).toBe(false);

    slowRelease.resolve();
    const response = await inFlight;
    expect(await response.json()).toEqual({ finished: true });
    await stopped;
    expect(feedState.stopped).toBe(true);

    const runs = seen.timerRuns.length;
    await sleep(1200);
    expect(seen.timerRuns.length).toBe(runs);
    await expect(fetch(`${api}/pairs/t/w/documents/d`)).rejects.toThrow();
    await expect(host.stop()).resolves.toBeUndefined();
  });
});
