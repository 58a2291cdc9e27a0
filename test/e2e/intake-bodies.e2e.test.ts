// Issue 10, regressions over real HTTP: a delivery is checked as the bytes received, refused whole
// with a problem naming the path when it cannot be kept exactly, and a refused one leaves no trace.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LIMITS } from "../../domain/event-limits.ts";
import type { LocalTracker } from "../../infra/devhost/local-tracker.ts";
import {
  API_KEY,
  countStored,
  deliver,
  guidance,
  raw,
  read,
  startTracker,
  storedEvents,
} from "../reliability/harness.ts";

let tracker: LocalTracker;
beforeAll(async () => {
  tracker = await startTracker();
});
afterAll(async () => {
  await tracker?.stop();
});

const tenant = () => randomUUID();
const text = (e: unknown) => JSON.stringify(e);
/** An event's JSON with `raw` spliced in as the value of data.extra. */
const withExtra = (rawJson: string, t = tenant()) =>
  text(guidance(`x-${randomUUID()}`, t)).replace(/}}$/, `,"extra":${rawJson}}}`);

async function refusedWithoutTrace(body: string | Uint8Array, status: number, path?: string) {
  const before = countStored(await storedEvents(tracker));
  const answer = await deliver(tracker.url, body);
  expect(answer.status, answer.text.slice(0, 300)).toBe(status);
  expect(answer.headers["content-type"]).toBe("application/problem+json");
  if (path) expect(answer.body.errors.map((e: { path: string }) => e.path)).toContain(path);
  expect(countStored(await storedEvents(tracker))).toBe(before);
  return answer;
}

describe("bytes and encodings", () => {
  it("a correctly signed body that is not UTF-8 is 400, not 401", async () => {
    const bytes = Buffer.concat([
      Buffer.from(withExtra('"x"').slice(0, -3)),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}}'),
    ]);
    const answer = await refusedWithoutTrace(bytes, 400, "$");
    expect(answer.body.detail).toMatch(/UTF-8/);
  });

  it("a body signed over other bytes is 401", async () => {
    const answer = await deliver(tracker.url, Buffer.from(text(guidance("sig", tenant()))), {
      secret: "whsec_b3RoZXItcGFydG5lci1zZWNyZXQ=",
    });
    expect(answer.status).toBe(401);
  });

  it("wrong content types are 415", async () => {
    for (const contentType of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data",
      "",
    ]) {
      const answer = await deliver(tracker.url, text(guidance("ct", tenant())), { contentType });
      expect(answer.status, contentType).toBe(415);
      expect(answer.body.type).toBe("/problems/unsupported-media-type");
    }
  });

  it("an oversized chunked body is answered 413 promptly, not reset", async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const answer = await raw(tracker.url, {
      method: "POST",
      path: "/api/events",
      headers: {
        "content-type": "application/json",
        "webhook-id": "m",
        "webhook-timestamp": "1",
        "webhook-signature": "v1,x",
      },
      body: Array.from({ length: 40 }, () => chunk),
      timeoutMs: 5_000,
    });
    expect(answer.status).toBe(413);
    expect(answer.body.type).toBe("/problems/payload-too-large");
    expect(answer.ms).toBeLessThan(5_000);
  });

  it("an oversized declared body is 413 before it is read", async () => {
    const answer = await deliver(tracker.url, " ".repeat(LIMITS.maxBodyBytes + 1));
    expect(answer.status).toBe(413);
  });

  // Every other route that takes a body refuses past its limit the same way: promptly, naming the
  // limit, closing the connection (the rest is never read), and storing nothing.
  it.each([
    { path: "/api/recorded-events", type: "application/json", mib: 1 },
    { path: "/api/imports", type: "application/x-ndjson", mib: 8 },
    { path: "/api/sources/any-crm/deliveries", type: "application/json", mib: 1 },
  ])("$path refuses a chunked body past $mib MiB with 413", async ({ path, type, mib }) => {
    const before = countStored(await storedEvents(tracker));
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    const answer = await raw(tracker.url, {
      method: "POST",
      path,
      headers: { "content-type": type, "x-api-key": API_KEY },
      body: Array.from({ length: mib * 4 + 8 }, () => chunk),
      timeoutMs: 10_000,
    });
    expect(answer.status).toBe(413);
    expect(answer.body.type).toBe("/problems/payload-too-large");
    expect(answer.body.detail).toContain(`${mib} MiB`);
    expect(answer.headers.connection).toBe("close");
    expect(countStored(await storedEvents(tracker))).toBe(before);
  });
});

describe("what JSON.parse would lose is refused, naming the path", () => {
  it.each([
    ["a duplicate key", '{"a":1,"a":2}', "$.data.extra.a"],
    ["__proto__", '{"__proto__":{"polluted":true}}', "$.data.extra.__proto__"],
    ["an integer beyond 2^53", "9007199254740993", "$.data.extra"],
    ["a number overflowing to infinity", "1e309", "$.data.extra"],
    ["an unpaired surrogate", '"\\udc00"', "$.data.extra"],
    [
      "nesting 10,000 deep",
      `${"[".repeat(10_000)}${"]".repeat(10_000)}`,
      `$.data.extra${"[0]".repeat(LIMITS.maxDepth - 2)}`,
    ],
    ["a 100,000-item array", `[${Array(100_000).fill(1)}]`, "$.data.extra"],
    ["a string past the limit", `"${"x".repeat(LIMITS.maxStringLength + 1)}"`, "$.data.extra"],
  ])("%s", async (_name, extra, path) => {
    await refusedWithoutTrace(withExtra(extra), 400, path);
  });

  it("an event past the size limit, and the batch that carries it", async () => {
    const big = `[${Array.from({ length: 8 }, () => `"${"y".repeat(9_000)}"`)}]`;
    await refusedWithoutTrace(withExtra(big), 400, "$");
    const good = text(guidance(`g-${randomUUID()}`, tenant()));
    await refusedWithoutTrace(`[${good},${withExtra(big)}]`, 400, "$[1]");
  });

  it("a time outside years 0001-9999 in UTC, and impossible dates", async () => {
    const t = tenant();
    await refusedWithoutTrace(
      text(guidance("y10k", t, { time: "9999-12-31T23:59:59-23:59" })),
      400,
      "$.time",
    );
    await refusedWithoutTrace(text(guidance("y0", t, { time: "0001-01-01T00:00:00+00:01" })), 400, "$.time");
    await refusedWithoutTrace(text(guidance("feb30", t, { time: "2025-02-30T00:00:00Z" })), 400, "$.time");
  });
});

describe("events recorded by hand on the board get the same raw-text checks", () => {
  it("refuses a duplicate key or an inexact number, naming the path, and stores nothing", async () => {
    const t = tenant();
    const body = (data: string) =>
      `{"id":"hand-${randomUUID()}","type":"deployment.completed","time":"2025-05-02T09:00:00Z","tenantid":"${t}","workload":"defender-endpoint","data":${data}}`;
    for (const [data, path] of [
      ['{"completedOn":"2025-05-02","completedOn":"2025-05-09"}', "$.data.completedOn"],
      ['{"completedOn":"2025-05-02","seats":12345678901234567890}', "$.data.seats"],
    ] as const) {
      const before = countStored(await storedEvents(tracker));
      const answer = await fetch(`${tracker.url}/api/recorded-events`, {
        method: "POST",
        headers: { "x-api-key": API_KEY, "content-type": "application/json" },
        body: body(data),
      });
      expect(answer.status).toBe(400);
      const problem = (await answer.json()) as { errors: { path: string }[] };
      expect(problem.errors.map((e) => e.path)).toContain(path);
      expect(countStored(await storedEvents(tracker))).toBe(before);
    }
  });
});

describe("what is accepted is stored exactly as sent", () => {
  it("edge values round-trip: constructor keys, 2^53-1, unicode, escapes, the extreme instants", async () => {
    const t = tenant();
    const events = [
      guidance("edge-1", t, { time: "0001-01-01T00:00:00Z" }),
      guidance("edge-2", t, { time: "9999-12-31T23:59:59Z" }),
    ];
    const body = `[${text(events[0]).replace(/}}$/, ',"extra":{"constructor":{"prototype":1},"n":9007199254740991,"m":-0.5,"s":"Müller-文件 😀 \\u0000"}}}')},${text(events[1])}]`;
    const answer = await deliver(tracker.url, body, { contentType: "application/cloudevents-batch+json" });
    expect(answer.status, answer.text).toBe(201);
    const stored = (await storedEvents(tracker)).get(`4811223|${t}|defender-endpoint`)!;
    expect(stored).toEqual(JSON.parse(body));
    const pair = await read(tracker.url, `/api/pairs/${t}/defender-endpoint?asOf=9999-12-31`);
    expect(pair.status).toBe(200);
    expect(pair.body.timeline).toHaveLength(2);
  });
});
