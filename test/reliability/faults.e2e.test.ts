// Issue 10, faults: the service reaches the Cosmos DB emulator and Azurite through a fault-injecting
// proxy. Under each fault, every delivery is either stored (201/202) or answered with a retryable
// problem (503/429 with Retry-After), never a 500 or a hang. Once the fault clears, the unanswered
// ones are sent again, and then every stream holds each event once and every pair's projection
// equals the fold of its stream: nothing lost, nothing doubled.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EngagementEvent, validateEvent } from "../../domain/events.ts";
import { evaluatePairs } from "../../domain/fold.ts";
import type { LocalTracker } from "../../infra/devhost/local-tracker.ts";
import { type RunningAzurite, startAzurite } from "../../infra/emulators/azurite.ts";
import { type RunningCosmosEmulator, startCosmosEmulator } from "../../infra/emulators/cosmos.ts";
import { type Fault, type FaultProxy, startFaultProxy } from "./fault-proxy.ts";
import { API_KEY, deliver, guidance, percentile, raw, read, startTracker, storedEvents } from "./harness.ts";

const FULL = process.env.RELIABILITY_PROFILE === "full";
const PER_FAULT = Number(process.env.FAULT_EVENTS ?? (FULL ? 300 : 10));
const AS_OF = "2025-12-31T00:00:00Z";
const RETRYABLE = [429, 503];

let cosmos: RunningCosmosEmulator;
let azurite: RunningAzurite;
let cosmosProxy: FaultProxy;
let blobProxy: FaultProxy;
let tracker: LocalTracker;

beforeAll(async () => {
  cosmos = await startCosmosEmulator();
  azurite = await startAzurite();
  const root = dirname(createRequire(import.meta.url).resolve("@vercel/cosmosdb-server/package.json"));
  cosmosProxy = await startFaultProxy(cosmos.endpoint, {
    cert: readFileSync(join(root, "cert.pem")),
    key: readFileSync(join(root, "key.pem")),
  });
  const blobEndpoint = /BlobEndpoint=([^;]+)/.exec(azurite.connectionString)![1]!;
  blobProxy = await startFaultProxy(new URL(blobEndpoint).origin);
  tracker = await startTracker({
    COSMOS_ENDPOINT: cosmosProxy.url,
    COSMOS_KEY: cosmos.key,
    STORAGE_CONNECTION_STRING: azurite.connectionString.replace(new URL(blobEndpoint).origin, blobProxy.url),
  });
});
afterAll(async () => {
  await tracker?.stop();
  await cosmosProxy?.stop();
  await blobProxy?.stop();
  await azurite?.stop();
  await cosmos?.stop();
});

const FAULTS: { name: string; fault: Fault }[] = [
  { name: "latency 300 ms", fault: { kind: "latency", ms: 300 } },
  { name: "connection reset before the request", fault: { kind: "reset-before", rate: 0.3 } },
  { name: "connection reset after the work (answer lost)", fault: { kind: "reset-after", rate: 0.3 } },
  {
    name: "429 with x-ms-retry-after-ms",
    fault: { kind: "throttle", status: 429, rate: 0.5, retryAfterMs: 50 },
  },
  {
    name: "503 with x-ms-retry-after-ms",
    fault: { kind: "throttle", status: 503, rate: 0.3, retryAfterMs: 50 },
  },
  { name: "stalled socket, then cut", fault: { kind: "stall", rate: 0.2, ms: FULL ? 5_000 : 500 } },
];

const sent: Record<string, unknown>[] = [];
const results: string[] = [];

describe("faults between the service and its storage", () => {
  it.each(FAULTS)("$name: each delivery is stored once or answered retryably", async ({ name, fault }) => {
    const tenants = Array.from({ length: 4 }, () => randomUUID());
    const events = Array.from({ length: PER_FAULT }, (_, i) =>
      guidance(`fault-${randomUUID()}`, tenants[i % tenants.length]!, {
        time: `2025-04-${String(1 + (i % 28)).padStart(2, "0")}T10:00:00Z`,
      }),
    );
    // Some deliveries are redeliveries of earlier ones, some are batches.
    const deliveries: Record<string, unknown>[][] = [];
    for (let i = 0, k = 0; i < events.length; k++) {
      const size = k % 2 === 0 ? 1 : 3;
      deliveries.push(events.slice(i, i + size));
      i += size;
    }
    for (let i = 0; i < deliveries.length; i += 4) deliveries.push(deliveries[i]!);
    sent.push(...events);

    const statuses = new Map<number, number>();
    const unanswered: Record<string, unknown>[][] = [];
    const bad: string[] = [];
    const latencies: number[] = [];
    cosmosProxy.set(fault);
    const injectedBefore = cosmosProxy.stats.injected;
    try {
      await Promise.all(
        deliveries.map(async (batch) => {
          const body = JSON.stringify(batch.length === 1 ? batch[0] : batch);
          try {
            const answer = await deliver(tracker.url, body, {
              contentType:
                batch.length === 1 ? "application/cloudevents+json" : "application/cloudevents-batch+json",
              timeoutMs: 120_000,
            });
            latencies.push(answer.ms);
            statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
            if (RETRYABLE.includes(answer.status)) {
              if (!answer.headers["retry-after"]) bad.push(`${answer.status} without Retry-After`);
              if (answer.headers["content-type"] !== "application/problem+json")
                bad.push(`${answer.status} not a problem`);
              unanswered.push(batch);
            } else if (answer.status !== 201 && answer.status !== 202)
              bad.push(`${answer.status}: ${answer.text.slice(0, 200)}`);
          } catch (error) {
            bad.push(`no answer: ${(error as Error).message}`);
            unanswered.push(batch);
          }
        }),
      );
    } finally {
      cosmosProxy.set({ kind: "none" });
    }
    const injected = cosmosProxy.stats.injected - injectedBefore;

    // The fault has cleared: the client sends again what was not acknowledged (at-least-once).
    for (const batch of unanswered) {
      const answer = await deliver(tracker.url, JSON.stringify(batch.length === 1 ? batch[0] : batch), {
        contentType:
          batch.length === 1 ? "application/cloudevents+json" : "application/cloudevents-batch+json",
      });
      expect([201, 202], answer.text).toContain(answer.status);
    }
    latencies.sort((a, b) => a - b);
    results.push(
      `  ${name.padEnd(48)} ${deliveries.length} deliveries, ${injected} faults injected; answers ${[
        ...statuses,
      ]
        .sort(([a], [b]) => a - b)
        .map(([s, n]) => `${s}×${n}`)
        .join(" ")}; p99 ${percentile(latencies, 99).toFixed(0)} ms; resent ${unanswered.length}`,
    );
    expect(bad).toEqual([]);
  });

  it("uploads under Blob storage faults: stored once or answered retryably", async () => {
    const tenant = randomUUID();
    const seed = await deliver(
      tracker.url,
      JSON.stringify({ ...guidance(`up-${tenant}`, tenant), workload: "purview-dlp" }),
    );
    expect(seed.status).toBe(201);
    const outcomes: number[] = [];
    const pending: Buffer[] = [];
    for (const fault of FAULTS.slice(1)) {
      blobProxy.set(fault.fault);
      try {
        for (let i = 0; i < (FULL ? 20 : 1); i++) {
          const pdf = Buffer.concat([
            Buffer.from(`%PDF-1.7\n% ${randomUUID()}\n`),
            Buffer.alloc(300, 1),
            Buffer.from("\n%%EOF\n"),
          ]);
          const answer = await upload(tenant, pdf);
          outcomes.push(answer.status);
          if (RETRYABLE.includes(answer.status) || answer.status === 0) pending.push(pdf);
          else expect([200, 201], `${fault.name}: ${answer.text}`).toContain(answer.status);
        }
      } finally {
        blobProxy.set({ kind: "none" });
      }
    }
    for (const pdf of pending) expect([200, 201]).toContain((await upload(tenant, pdf)).status);
    const stream = (await storedEvents(tracker)).get(`${tracker.partnerId}|${tenant}|purview-dlp`) ?? [];
    const attached = stream.filter((e) => e.type === "poe.document.attached");
    expect(attached).toHaveLength(outcomes.length);
    expect(new Set(attached.map((e) => (e.data as { sha256: string }).sha256)).size).toBe(outcomes.length);
    results.push(
      `  uploads under blob faults: ${outcomes.length} uploads, answers ${outcomes.join(",")}; ${pending.length} resent`,
    );
  });

  it("after the faults: every stream holds each event once, every projection equals its stream's fold", async () => {
    await tracker.drainChangeFeed();
    const stored = await storedEvents(tracker);
    const seen = new Map<string, number>();
    for (const list of stored.values())
      for (const e of list)
        seen.set(JSON.stringify([e.source, e.id]), (seen.get(JSON.stringify([e.source, e.id])) ?? 0) + 1);
    const lost = sent.filter((e) => !seen.has(JSON.stringify([e.source, e.id]))).length;
    const doubled = [...seen.values()].filter((n) => n > 1).length;

    // Replay: the fold of what each stream holds, against what the service answers from its projection.
    const replayed = [...stored.values()]
      .flat()
      .map((e) => validateEvent(e))
      .filter((v) => v.ok)
      .map((v) => (v as { event: EngagementEvent }).event);
    const mismatches: string[] = [];
    for (const want of evaluatePairs(replayed, AS_OF)) {
      const got = await read(tracker.url, `/api/pairs/${want.tenantId}/${want.workload}?asOf=${AS_OF}`);
      const state = Object.fromEntries(Object.keys(want).map((k) => [k, got.body?.[k]]));
      if (
        got.status !== 200 ||
        JSON.stringify(state) !==
          JSON.stringify(
            Object.fromEntries(
              Object.keys(want).map((k) => [k, (want as unknown as Record<string, unknown>)[k]]),
            ),
          )
      )
        mismatches.push(`${want.tenantId}/${want.workload}`);
    }
    console.log(
      [
        `faults (${PER_FAULT} events per fault; cosmos proxy ${cosmosProxy.stats.requests} requests, ${cosmosProxy.stats.injected} faults; blob proxy ${blobProxy.stats.requests} requests, ${blobProxy.stats.injected} faults):`,
        ...results,
        `  after the faults: ${sent.length} events sent, lost ${lost}, doubled ${doubled}, projections differing from their stream's fold ${mismatches.length}`,
      ].join("\n"),
    );
    expect(lost).toBe(0);
    expect(doubled).toBe(0);
    expect(mismatches).toEqual([]);
  });
});

async function upload(tenant: string, pdf: Buffer) {
  const boundary = `----faults${randomUUID()}`;
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\ncontent-disposition: form-data; name="kind"\r\n\r\nsow\r\n` +
        `--${boundary}\r\ncontent-disposition: form-data; name="workloadsMentioned"\r\n\r\npurview-dlp\r\n` +
        `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="sow.pdf"\r\ncontent-type: application/pdf\r\n\r\n`,
    ),
    pdf,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  try {
    return await raw(tracker.url, {
      method: "POST",
      path: `/api/pairs/${tenant}/purview-dlp/documents`,
      headers: { "x-api-key": API_KEY, "content-type": `multipart/form-data; boundary=${boundary}` },
      body,
      timeoutMs: 120_000,
    });
  } catch (error) {
    return { status: 0, text: (error as Error).message, headers: {}, body: undefined, ms: 0 };
  }
}
