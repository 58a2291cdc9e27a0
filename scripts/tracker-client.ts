// A CRM's view of the tracker: signed deliveries (Standard Webhooks) and API-key reads. Used by
// `npm run demo`, the end-to-end tests and the ingestion benchmark.
import { randomUUID } from "node:crypto";
import { signWebhook } from "../application/webhook-signature.ts";

/** A decoded answer; bodies are whatever JSON the tracker sent, read freely by scripts and tests. */
// biome-ignore lint/suspicious/noExplicitAny: untyped JSON from the wire, asserted on by the callers
export type Answer = { status: number; body: any };

export interface TrackerClientOptions {
  url: string;
  webhookSecret: string;
  apiKey: string;
}

export class TrackerClient {
  constructor(readonly options: TrackerClientOptions) {}

  /** Posts one event or a batch, signed; `now` lets tests send stale timestamps. */
  async post(
    body: unknown,
    opts: { now?: Date; secret?: string; contentType?: string; rawBody?: string } = {},
  ) {
    const text = opts.rawBody ?? JSON.stringify(body);
    const headers = signWebhook({
      id: `msg_${randomUUID()}`,
      timestamp: opts.now ?? new Date(),
      body: text,
      secret: opts.secret ?? this.options.webhookSecret,
    });
    const contentType =
      opts.contentType ??
      (Array.isArray(body) ? "application/cloudevents-batch+json" : "application/cloudevents+json");
    const response = await fetch(`${this.options.url}/api/events`, {
      method: "POST",
      headers: { ...headers, "content-type": contentType },
      body: text,
    });
    return { status: response.status, body: await response.json().catch(() => undefined) } as Answer;
  }

  async get(path: string, apiKey = this.options.apiKey): Promise<Answer> {
    const response = await fetch(`${this.options.url}/api/${path}`, { headers: { "x-api-key": apiKey } });
    return { status: response.status, body: await response.json().catch(() => undefined) } as Answer;
  }
}
