// What the reliability and intake tests share: a tracker on real emulators, raw signed deliveries
// (any bytes, any content type) and a read of every event the store holds.
import { randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
import { signWebhook } from "../../application/webhook-signature.ts";
import { type LocalTracker, startLocalTracker } from "../../infra/devhost/local-tracker.ts";

export const PARTNER = "4811223";
export const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
export const API_KEY = "reliability-key";

export function startTracker(env?: NodeJS.ProcessEnv): Promise<LocalTracker> {
  return startLocalTracker({
    partnerId: PARTNER,
    webhookSecret: SECRET,
    apiKey: API_KEY,
    enableTimers: false,
    changeFeedIntervalMs: 100,
    quiet: true,
    // Only the variables that choose services: the emulators otherwise.
    env: env ?? {},
  });
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: JSON from the wire, asserted on by the tests
  body: any;
  ms: number;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** Sent as given; an array is sent as chunks (chunked transfer encoding). */
  body?: Uint8Array | string | (Uint8Array | string)[];
  timeoutMs?: number;
}

/** One HTTP exchange over node:http, so bodies, chunking and headers are exactly what the test says. */
export function raw(url: string, req: RawRequest): Promise<RawAnswer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const target = new URL(req.path, url);
    const chunked = Array.isArray(req.body);
    const headers: Record<string, string> = { ...req.headers };
    if (req.body !== undefined && !chunked && headers["content-length"] === undefined)
      headers["content-length"] = String(Buffer.byteLength(req.body as string | Uint8Array));
    const r = httpRequest(target, { method: req.method ?? "GET", headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text,
          body,
          ms: performance.now() - started,
        });
      });
    });
    r.setTimeout(req.timeoutMs ?? 30_000, () =>
      r.destroy(new Error(`no answer within ${req.timeoutMs ?? 30_000} ms`)),
    );
    r.on("error", reject);
    if (chunked) {
      const parts = req.body as (Uint8Array | string)[];
      let i = 0;
      const next = () => {
        while (i < parts.length) {
          if (r.destroyed) return;
          if (!r.write(parts[i++]!)) {
            r.once("drain", next);
            return;
          }
        }
        r.end();
      };
      r.on("error", () => {});
      next();
    } else r.end(req.body);
  });
}

/** A signed delivery of exactly these bytes. */
export function deliver(
  url: string,
  body: Uint8Array | string,
  opts: { contentType?: string; secret?: string; timeoutMs?: number } = {},
): Promise<RawAnswer> {
  const signature = signWebhook({
    id: `msg_${randomUUID()}`,
    timestamp: new Date(),
    body,
    secret: opts.secret ?? SECRET,
  });
  return raw(url, {
    method: "POST",
    path: "/api/events",
    headers: { ...signature, "content-type": opts.contentType ?? "application/cloudevents+json" },
    body,
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
  });
}

export const read = (url: string, path: string, apiKey = API_KEY) =>
  raw(url, { path, headers: { "x-api-key": apiKey } });

/** Every event in the store, by stream, as stored (read from Cosmos, not through the service). */
export async function storedEvents(tracker: LocalTracker): Promise<Map<string, Record<string, unknown>[]>> {
  const { resources } = await tracker.services.containers.events.items
    .query<{ streamId: string; firstVersion: number; events?: Record<string, unknown>[] }>(
      "SELECT c.streamId, c.firstVersion, c.events FROM c",
    )
    .fetchAll();
  const byStream = new Map<string, { v: number; events: Record<string, unknown>[] }[]>();
  for (const doc of resources) {
    if (!Array.isArray(doc.events)) continue;
    const list = byStream.get(doc.streamId) ?? [];
    list.push({ v: doc.firstVersion, events: doc.events });
    byStream.set(doc.streamId, list);
  }
  return new Map(
    [...byStream].map(([id, docs]) => [id, docs.sort((a, b) => a.v - b.v).flatMap((d) => d.events)]),
  );
}

export function countStored(stored: Map<string, unknown[]>): number {
  let n = 0;
  for (const list of stored.values()) n += list.length;
  return n;
}

/** A valid event: a guidance session on one pair. */
export function guidance(id: string, tenant: string, extra: Record<string, unknown> = {}) {
  return {
    specversion: "1.0",
    id,
    source: "crm://reliability",
    type: "guidance.session.logged",
    time: "2025-03-03T09:00:00Z",
    partnerid: PARTNER,
    tenantid: tenant,
    workload: "defender-endpoint",
    data: { minutes: 30, topic: `call ${id}` },
    ...extra,
  };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
