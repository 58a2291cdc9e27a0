// Outbound claim-window alerts: one signed HTTP POST per alert to the partner's webhook, per Standard Webhooks
// (https://www.standardwebhooks.com): `webhook-id` is the alert key, the same on every attempt, so a receiver
// can drop redeliveries; `webhook-timestamp` and `webhook-signature` are fresh per attempt.
// Retries network errors, timeouts, 408, 429 and 5xx with exponential backoff (honouring a small Retry-After);
// any other status fails at once. Alerts go out `concurrency` at a time, each attempt bounded by `timeoutMs`,
// so a slow receiver never holds the others up, and every alert ends `delivered` or `failed` with its attempts
// recorded — or stays `pending` only when the caller's `signal` stopped the run.

import type {
  AttemptEvent,
  DeliveryAttempt,
  DeliveryRecord,
  OutboundAlert,
  WebhookConfig,
} from "../../application/ports/alert-delivery.ts";
import { signWebhook } from "../../application/webhook-signature.ts";
import { teamsMessage } from "./teams-message.ts";

// The port's types are application/'s; re-exported so existing imports keep working.
export type {
  AttemptEvent,
  DeliveryAttempt,
  DeliveryRecord,
  DeliveryStatus,
  OutboundAlert,
  WebhookConfig,
} from "../../application/ports/alert-delivery.ts";

export const ALERT_EVENT_TYPE = "claim-window.alert";

export interface BackoffOptions {
  /** Delay before the 2nd attempt, in ms. Default 1000. */
  baseMs?: number;
  /** Each further delay is this many times the previous one. Default 2. */
  factor?: number;
  /** Cap on one delay, in ms. Default 60 000. */
  maxMs?: number;
  /** Randomise each delay within [d/2, d] so retries of many alerts spread out. Default true. */
  jitter?: boolean;
}

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface DeliveryOptions {
  /** Attempts per alert, including the first (and any in `previousAttempts`). Default 5. */
  maxAttempts?: number;
  backoff?: BackoffOptions;
  /** A Retry-After up to this long is waited for; a longer one fails the alert for this run. Default 60 s. */
  maxRetryAfterMs?: number;
  /** Per request, from sending to the response headers and a short read of its body. Default 10 s. */
  timeoutMs?: number;
  /** Alerts in flight at once. Default 4. */
  concurrency?: number;
  fetchImpl?: FetchLike;
  /** Injectable for tests; resolves early when `signal` aborts. Default: setTimeout. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Wall clock in ms since the epoch: `at`, `durationMs`, `webhook-timestamp`. Default Date.now. */
  clock?: () => number;
  /** For jitter; default Math.random. */
  random?: () => number;
  /** Called after every attempt, awaited, so the caller can persist progress. Errors are recorded, not thrown. */
  onAttempt?: (event: AttemptEvent) => void | Promise<void>;
  /** Stops the run (e.g. the function's time budget): in-flight requests abort, undelivered alerts stay pending. */
  signal?: AbortSignal;
  /** Attempts made by an earlier run for an alert key (pending ones being resumed); they count toward maxAttempts. */
  previousAttempts?: ReadonlyMap<string, readonly DeliveryAttempt[]>;
  /** Allow plain http:// URLs (local receivers, tests). Default false: https only. */
  allowHttp?: boolean;
}

/** The JSON body of a "standard" delivery. */
export function alertPayload(alert: OutboundAlert): { type: typeof ALERT_EVENT_TYPE; alert: OutboundAlert } {
  return { type: ALERT_EVENT_TYPE, alert };
}

/** The exact body sent for an alert in a format; the same bytes on every attempt. */
export function alertBody(alert: OutboundAlert, format: WebhookConfig["format"]): string {
  return JSON.stringify(format === "teams" ? teamsMessage(alert) : alertPayload(alert));
}

/** Delivers each alert; resolves (never rejects) with one record per alert, in the order given. */
export async function deliverAlerts(
  alerts: readonly OutboundAlert[],
  config: WebhookConfig | ((alert: OutboundAlert) => WebhookConfig),
  options: DeliveryOptions = {},
): Promise<DeliveryRecord[]> {
  const settings = resolveOptions(options);
  const records: DeliveryRecord[] = new Array(alerts.length);
  let next = 0;
  const worker = async () => {
    while (next < alerts.length) {
      const i = next++;
      const alert = alerts[i]!;
      const record: DeliveryRecord = {
        key: alert.key,
        status: "pending",
        attempts: [...(options.previousAttempts?.get(alert.key) ?? [])],
      };
      records[i] = record;
      try {
        const cfg = typeof config === "function" ? config(alert) : config;
        await deliverOne(alert, cfg, record, settings);
      } catch (error) {
        // Only a bug gets here (deliverOne catches what the network throws); still, nothing is lost.
        record.status = "failed";
        record.error = `delivery error: ${describe(error)}`;
      }
    }
  };
  const workers = Math.max(1, Math.min(settings.concurrency, alerts.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return records;
}

type Settings = Required<
  Pick<
    DeliveryOptions,
    | "maxAttempts"
    | "maxRetryAfterMs"
    | "timeoutMs"
    | "concurrency"
    | "fetchImpl"
    | "sleep"
    | "clock"
    | "random"
    | "allowHttp"
  >
> &
  Pick<DeliveryOptions, "onAttempt" | "signal"> & { backoff: Required<BackoffOptions> };

function resolveOptions(o: DeliveryOptions): Settings {
  const settings: Settings = {
    maxAttempts: o.maxAttempts ?? 5,
    maxRetryAfterMs: o.maxRetryAfterMs ?? 60_000,
    timeoutMs: o.timeoutMs ?? 10_000,
    concurrency: o.concurrency ?? 4,
    fetchImpl: o.fetchImpl ?? ((url, init) => fetch(url, init)),
    sleep: o.sleep ?? sleep,
    clock: o.clock ?? Date.now,
    random: o.random ?? Math.random,
    allowHttp: o.allowHttp ?? false,
    onAttempt: o.onAttempt,
    signal: o.signal,
    backoff: {
      baseMs: o.backoff?.baseMs ?? 1000,
      factor: o.backoff?.factor ?? 2,
      maxMs: o.backoff?.maxMs ?? 60_000,
      jitter: o.backoff?.jitter ?? true,
    },
  };
  for (const [name, value, min] of [
    ["maxAttempts", settings.maxAttempts, 1],
    ["concurrency", settings.concurrency, 1],
    ["timeoutMs", settings.timeoutMs, 1],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < min)
      throw new RangeError(`${name} must be an integer >= ${min}`);
  }
  return settings;
}

async function deliverOne(
  alert: OutboundAlert,
  config: WebhookConfig,
  record: DeliveryRecord,
  s: Settings,
): Promise<void> {
  let body: string;
  try {
    body = prepare(alert, config, s);
  } catch (error) {
    record.status = "failed";
    record.error = `invalid webhook configuration: ${describe(error)}`;
    return;
  }
  while (true) {
    if (record.attempts.length >= s.maxAttempts) {
      record.status = "failed";
      record.error ??= `no attempts left (${s.maxAttempts} allowed)`;
      return;
    }
    if (s.signal?.aborted) {
      record.error = "stopped before delivery; still pending";
      return;
    }
    const outcome = await attemptOnce(alert.key, body, config, s);
    record.attempts.push(outcome.attempt);
    let waitMs = 0;
    if (outcome.kind === "delivered") {
      record.status = "delivered";
      delete record.error;
    } else if (outcome.kind === "stopped") {
      record.error = "stopped during an attempt; still pending";
    } else {
      record.error = outcome.attempt.error ?? `HTTP ${outcome.attempt.httpStatus}`;
      if (outcome.kind === "permanent" || record.attempts.length >= s.maxAttempts) record.status = "failed";
      else {
        waitMs = backoffDelay(record.attempts.length, s);
        if (outcome.retryAfterMs !== undefined) {
          if (outcome.retryAfterMs > s.maxRetryAfterMs) {
            record.status = "failed";
            record.error += `; receiver asked to retry after ${Math.ceil(outcome.retryAfterMs / 1000)} s, more than this run waits`;
          } else waitMs = Math.max(waitMs, outcome.retryAfterMs);
        }
      }
    }
    await report(alert, record, outcome.attempt, s);
    if (record.status !== "pending" || outcome.kind === "stopped") return;
    await s.sleep(waitMs, s.signal);
  }
}

/** Validates the configuration and renders the body once; throws what makes delivery impossible. */
function prepare(alert: OutboundAlert, config: WebhookConfig, s: Settings): string {
  const url = new URL(config.url);
  if (url.protocol !== "https:" && !(s.allowHttp && url.protocol === "http:")) {
    throw new Error(`${url.protocol} URLs are not allowed (https only)`);
  }
  if (config.format !== "standard" && config.format !== "teams") {
    throw new Error(`unknown format ${JSON.stringify(config.format)}`);
  }
  const body = alertBody(alert, config.format);
  signWebhook({ id: alert.key, timestamp: 0, body, secret: config.secret }); // throws on a malformed secret
  return body;
}

type Outcome =
  | { kind: "delivered"; attempt: DeliveryAttempt }
  | { kind: "retryable"; attempt: DeliveryAttempt; retryAfterMs?: number }
  | { kind: "permanent"; attempt: DeliveryAttempt }
  | { kind: "stopped"; attempt: DeliveryAttempt };

const SNIPPET_CHARS = 200;

async function attemptOnce(key: string, body: string, config: WebhookConfig, s: Settings): Promise<Outcome> {
  const started = s.clock();
  const at = new Date(started).toISOString();
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, s.timeoutMs);
  const stop = () => controller.abort();
  s.signal?.addEventListener("abort", stop, { once: true });
  const finish = (fields: Omit<DeliveryAttempt, "at" | "durationMs">): DeliveryAttempt => ({
    at,
    ...fields,
    durationMs: Math.max(0, s.clock() - started),
  });
  try {
    const headers = {
      ...signWebhook({ id: key, timestamp: new Date(started), body, secret: config.secret }),
      "content-type": "application/json",
      "user-agent": "engagement-lifecycle-tracker/alerts",
    };
    const response = await s.fetchImpl(config.url, {
      method: "POST",
      headers,
      body,
      // A redirected POST may turn into a GET or go somewhere the partner did not configure: not followed.
      redirect: "manual",
      signal: controller.signal,
    });
    const status = response.status;
    // Read a little of the body (the connection can then be reused; non-2xx text helps the partner debug).
    const snippet = await readSnippet(response);
    if (status >= 200 && status < 300) return { kind: "delivered", attempt: finish({ httpStatus: status }) };
    const error = `HTTP ${status}${snippet ? `: ${snippet}` : ""}`;
    if (status === 408 || status === 429 || status >= 500) {
      const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), started);
      return {
        kind: "retryable",
        attempt: finish({ httpStatus: status, error }),
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      };
    }
    const why = status >= 300 && status < 400 ? `${error} (redirects are not followed)` : error;
    return { kind: "permanent", attempt: finish({ httpStatus: status, error: why }) };
  } catch (error) {
    if (timedOut)
      return { kind: "retryable", attempt: finish({ error: `timed out after ${s.timeoutMs} ms` }) };
    if (s.signal?.aborted) return { kind: "stopped", attempt: finish({ error: "aborted: run stopped" }) };
    return { kind: "retryable", attempt: finish({ error: describe(error) }) };
  } finally {
    clearTimeout(timer);
    s.signal?.removeEventListener("abort", stop);
  }
}

async function readSnippet(response: Response): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < 4096) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A body that breaks off after the status line does not change the status.
  } finally {
    await reader.cancel().catch(() => {});
  }
  const text = Buffer.concat(chunks).toString("utf8").replace(/\s+/g, " ").trim();
  return text.length > SNIPPET_CHARS ? `${text.slice(0, SNIPPET_CHARS)}…` : text;
}

/** Retry-After as delta-seconds or an HTTP date, in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The delay after `attempts` attempts: base * factor^(attempts-1), capped, optionally jittered. */
export function backoffDelay(attempts: number, s: Pick<Settings, "backoff" | "random">): number {
  const { baseMs, factor, maxMs, jitter } = s.backoff;
  const d = Math.min(maxMs, baseMs * factor ** Math.max(0, attempts - 1));
  return jitter ? Math.round(d / 2 + s.random() * (d / 2)) : d;
}

async function report(alert: OutboundAlert, record: DeliveryRecord, attempt: DeliveryAttempt, s: Settings) {
  if (!s.onAttempt) return;
  try {
    await s.onAttempt({ alert, record: structuredClone(record), attempt });
  } catch (error) {
    record.progressError = describe(error);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // fetch wraps the socket error ("fetch failed"); the cause says what happened (ECONNREFUSED, ...).
  const cause = (error as { cause?: unknown }).cause;
  const inner = cause instanceof Error ? `: ${(cause as { code?: string }).code ?? cause.message}` : "";
  return `${error.message}${inner}`;
}
