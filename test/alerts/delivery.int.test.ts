import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { verifyWebhook, webhookKey } from "../../application/webhook-signature.ts";
import { alertKey } from "../../domain/alert-schedule.ts";
import {
  type AttemptEvent,
  type DeliveryOptions,
  deliverAlerts,
  type OutboundAlert,
  type WebhookConfig,
} from "../../infra/alerts/delivery.ts";

// Real HTTP: each test runs node:http receivers on 127.0.0.1 (port 0) and delivers with the real fetch.

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
}
type Handler = (req: Received, res: ServerResponse, nth: number) => void;

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function receiver(handler: Handler) {
  const requests: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const received = {
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        receivedAt: Date.now(),
      };
      requests.push(received);
      handler(received, res, requests.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const handle = {
    url: `http://127.0.0.1:${port}/hooks/alerts`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(handle);
  return handle;
}

const answer = (status: number, body = "", headers: Record<string, string> = {}) => {
  return (_req: Received, res: ServerResponse) => {
    res.writeHead(status, { "content-type": "text/plain", ...headers });
    res.end(body);
  };
};
const ok = answer(204);
const neverAnswer = () => {};

const secret = `whsec_${Buffer.from("a test secret of thirty-two bytes!").toString("base64")}`;
const config = (url: string, format: WebhookConfig["format"] = "standard"): WebhookConfig => ({
  url,
  secret,
  format,
});

function makeAlert(n: number, overrides: Partial<OutboundAlert> = {}): OutboundAlert {
  const tenantId = `6f1c2a9e-3c4b-4f1e-9a51-2b7c0d9e8f${String(n).padStart(2, "0")}`;
  const pairId = `4811223|${tenantId}|defender-endpoint`;
  const window = { code: "acknowledgement-expiry", closesOn: "2026-02-20", rule: "POE-2" } as const;
  return {
    key: alertKey(pairId, window, 7),
    pairId,
    ...window,
    threshold: 7,
    daysLeft: 7,
    partnerId: "4811223",
    tenantId,
    workload: "defender-endpoint",
    raisedOn: "2026-02-13",
    ...overrides,
  };
}
const alerts = (count: number, from = 0) => Array.from({ length: count }, (_, i) => makeAlert(from + i));

/** Fast settings for tests: no real waiting between attempts, small timeouts. */
const fast = (extra: DeliveryOptions = {}): DeliveryOptions => ({
  allowHttp: true,
  maxAttempts: 3,
  timeoutMs: 300,
  backoff: { baseMs: 10, factor: 2, maxMs: 50, jitter: false },
  ...extra,
});

describe("deliverAlerts over real HTTP", () => {
  it("signs per Standard Webhooks: webhook-id is the alert key, the signature verifies", async () => {
    const hook = await receiver(ok);
    const alert = makeAlert(1);
    const [record] = await deliverAlerts([alert], config(hook.url), fast());
    expect(record).toMatchObject({ key: alert.key, status: "delivered" });
    expect(record!.attempts).toHaveLength(1);
    expect(record!.attempts[0]).toMatchObject({ httpStatus: 204 });

    const [req] = hook.requests;
    expect(req!.headers["content-type"]).toBe("application/json");
    expect(req!.headers["webhook-id"]).toBe(alert.key);
    expect(JSON.parse(req!.body)).toEqual({ type: "claim-window.alert", alert });

    // Recomputed here from the secret, independently of the signer ...
    const id = req!.headers["webhook-id"] as string;
    const timestamp = req!.headers["webhook-timestamp"] as string;
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
    const key = Buffer.from(secret.slice("whsec_".length), "base64");
    const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${req!.body}`).digest("base64");
    expect(req!.headers["webhook-signature"]).toBe(`v1,${expected}`);
    expect(webhookKey(secret).equals(key)).toBe(true);
    // ... and by the verifier the inbound side uses.
    expect(
      verifyWebhook({ headers: req!.headers, body: req!.body, secrets: [secret], now: new Date() }),
    ).toEqual({
      ok: true,
      webhookId: alert.key,
    });
    expect(
      verifyWebhook({ headers: req!.headers, body: req!.body, secrets: ["whsec_b3RoZXI="], now: new Date() })
        .ok,
    ).toBe(false);
  });

  it("500, 500, then 200: delivered on the 3rd attempt, same id and body each time, progress reported", async () => {
    const hook = await receiver((req, res, nth) => answer(nth <= 2 ? 500 : 200, "busy")(req, res));
    const events: AttemptEvent[] = [];
    const slept: number[] = [];
    const [record] = await deliverAlerts([makeAlert(1)], config(hook.url), {
      ...fast({ maxAttempts: 5 }),
      sleep: async (ms) => void slept.push(ms),
      onAttempt: (e) => void events.push(e),
    });
    expect(record!.status).toBe("delivered");
    expect(record!.error).toBeUndefined();
    expect(record!.attempts.map((a) => a.httpStatus)).toEqual([500, 500, 200]);
    expect(record!.attempts[0]!.error).toBe("HTTP 500: busy");
    expect(slept).toEqual([10, 20]);
    expect(events.map((e) => [e.record.status, e.record.attempts.length, e.attempt.httpStatus])).toEqual([
      ["pending", 1, 500],
      ["pending", 2, 500],
      ["delivered", 3, 200],
    ]);
    expect(new Set(hook.requests.map((r) => r.headers["webhook-id"])).size).toBe(1);
    expect(new Set(hook.requests.map((r) => r.body)).size).toBe(1);
    for (const r of hook.requests) {
      expect(verifyWebhook({ headers: r.headers, body: r.body, secrets: [secret], now: new Date() }).ok).toBe(
        true,
      );
    }
  });

  it("a receiver that never answers: failed after the configured attempts, while a healthy one gets all its alerts", async () => {
    const dead = await receiver(neverAnswer);
    const healthy = await receiver(ok);
    const started = Date.now();
    let healthyDoneAt = 0;
    const [deadRecords, healthyRecords] = await Promise.all([
      deliverAlerts(alerts(2), config(dead.url), fast()),
      deliverAlerts(alerts(8, 10), config(healthy.url), fast()).then((r) => {
        healthyDoneAt = Date.now();
        return r;
      }),
    ]);
    const deadDoneAt = Date.now();
    for (const r of deadRecords) {
      expect(r.status).toBe("failed");
      expect(r.attempts).toHaveLength(3);
      for (const a of r.attempts) {
        expect(a.error).toBe("timed out after 300 ms");
        expect(a.httpStatus).toBeUndefined();
        expect(a.durationMs).toBeGreaterThanOrEqual(250);
      }
    }
    expect(dead.requests).toHaveLength(6);
    expect(healthyRecords.map((r) => r.status)).toEqual(Array(8).fill("delivered"));
    expect(healthy.requests).toHaveLength(8);
    expect(healthyDoneAt - started).toBeLessThan(deadDoneAt - started);
    expect(deadDoneAt - started).toBeLessThan(5_000);
  });

  it("within one run, an alert whose delivery hangs does not hold up the others", async () => {
    const batch = alerts(6);
    const stuck = batch[0]!.key;
    const hook = await receiver((req, res) => {
      if (req.headers["webhook-id"] !== stuck) ok(req, res);
    });
    const settled: string[] = [];
    const records = await deliverAlerts(batch, config(hook.url), {
      ...fast({ concurrency: 2 }),
      onAttempt: (e) => {
        if (e.record.status !== "pending") settled.push(e.alert.key);
      },
    });
    expect(records.map((r) => r.key)).toEqual(batch.map((a) => a.key));
    expect(records.map((r) => r.status)).toEqual(["failed", ...Array(5).fill("delivered")]);
    expect(records[0]!.attempts).toHaveLength(3);
    // The 5 healthy alerts went out on the other worker while the stuck one was still being retried.
    expect(settled.at(-1)).toBe(stuck);
  });

  it("400 fails at once, without retrying, with the receiver's reason", async () => {
    const hook = await receiver(answer(400, '{"error":"unknown channel"}'));
    const [record] = await deliverAlerts([makeAlert(1)], config(hook.url), fast({ maxAttempts: 5 }));
    expect(record!.status).toBe("failed");
    expect(record!.attempts).toHaveLength(1);
    expect(record!.attempts[0]).toMatchObject({
      httpStatus: 400,
      error: 'HTTP 400: {"error":"unknown channel"}',
    });
    expect(record!.error).toBe('HTTP 400: {"error":"unknown channel"}');
    expect(hook.requests).toHaveLength(1);
  });

  it("does not follow a redirect: the partner configured this URL, not another", async () => {
    const elsewhere = await receiver(ok);
    const hook = await receiver(answer(302, "", { location: elsewhere.url }));
    const [record] = await deliverAlerts([makeAlert(1)], config(hook.url), fast());
    expect(record!.status).toBe("failed");
    expect(record!.attempts).toHaveLength(1);
    expect(record!.error).toMatch(/^HTTP 302.*redirects are not followed/);
    expect(elsewhere.requests).toHaveLength(0);
  });

  it("retries 408 and 429, honouring a small Retry-After and failing on a long one", async () => {
    const hook = await receiver((req, res, nth) => {
      if (nth === 1) answer(408)(req, res);
      else if (nth === 2) answer(429, "", { "retry-after": "2" })(req, res);
      else ok(req, res);
    });
    const slept: number[] = [];
    const [record] = await deliverAlerts([makeAlert(1)], config(hook.url), {
      ...fast({ maxAttempts: 5 }),
      sleep: async (ms) => void slept.push(ms),
    });
    expect(record!.attempts.map((a) => a.httpStatus)).toEqual([408, 429, 204]);
    expect(record!.status).toBe("delivered");
    expect(slept).toEqual([10, 2000]);

    const throttled = await receiver(answer(503, "", { "retry-after": "3600" }));
    const [gaveUp] = await deliverAlerts([makeAlert(2)], config(throttled.url), fast({ maxAttempts: 5 }));
    expect(gaveUp!.status).toBe("failed");
    expect(gaveUp!.attempts).toHaveLength(1);
    expect(gaveUp!.error).toMatch(/retry after 3600 s/);
  });

  it("a refused connection is retried, then failed with the cause recorded", async () => {
    const gone = await receiver(ok);
    const url = gone.url;
    await gone.close();
    const [record] = await deliverAlerts([makeAlert(1)], config(url), fast());
    expect(record!.status).toBe("failed");
    expect(record!.attempts).toHaveLength(3);
    expect(record!.attempts[0]!.error).toMatch(/ECONNREFUSED/);
  });

  it("keeps at most `concurrency` requests in flight", async () => {
    let inFlight = 0;
    let peak = 0;
    const hook = await receiver((req, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      setTimeout(() => {
        inFlight--;
        ok(req, res);
      }, 50);
    });
    const records = await deliverAlerts(alerts(9), config(hook.url), fast({ concurrency: 3 }));
    expect(records.every((r) => r.status === "delivered")).toBe(true);
    expect(peak).toBe(3);
  });

  it("delivers a Teams message, signed the same way", async () => {
    const hook = await receiver(answer(202, "1"));
    const alert = makeAlert(1);
    const [record] = await deliverAlerts([alert], config(hook.url, "teams"), fast());
    expect(record!.status).toBe("delivered");
    const [req] = hook.requests;
    expect(
      verifyWebhook({ headers: req!.headers, body: req!.body, secrets: [secret], now: new Date() }).ok,
    ).toBe(true);
    const message = JSON.parse(req!.body);
    expect(message.type).toBe("message");
    expect(message.attachments).toHaveLength(1);
    const attachment = message.attachments[0];
    expect(attachment.contentType).toBe("application/vnd.microsoft.card.adaptive");
    expect(attachment.content.type).toBe("AdaptiveCard");
    const text = JSON.stringify(attachment.content);
    expect(text).toContain("acknowledgement-expiry");
    expect(text).toContain("2026-02-20");
    expect(text).toContain(alert.pairId);
  });

  it("a stopped run leaves undelivered alerts pending, with the attempts made so far", async () => {
    const dead = await receiver(neverAnswer);
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 150);
    const records = await deliverAlerts(alerts(3), config(dead.url), {
      ...fast({ timeoutMs: 5_000, concurrency: 2 }),
      signal: stop.signal,
    });
    expect(records.map((r) => r.status)).toEqual(["pending", "pending", "pending"]);
    expect(records.map((r) => r.attempts.length)).toEqual([1, 1, 0]);
    expect(records[0]!.attempts[0]!.error).toBe("aborted: run stopped");

    // A later run resumes them; earlier attempts count toward maxAttempts.
    const healthy = await receiver(ok);
    const previousAttempts = new Map(records.map((r) => [r.key, r.attempts]));
    const resumed = await deliverAlerts(alerts(3), config(healthy.url), fast({ previousAttempts }));
    expect(resumed.map((r) => [r.status, r.attempts.length])).toEqual([
      ["delivered", 2],
      ["delivered", 2],
      ["delivered", 1],
    ]);
  });

  it("fails, without sending, on a configuration it cannot deliver to", async () => {
    const hook = await receiver(ok);
    const [plainHttp] = await deliverAlerts([makeAlert(1)], config(hook.url), {
      ...fast(),
      allowHttp: false,
    });
    expect(plainHttp).toMatchObject({ status: "failed", attempts: [] });
    expect(plainHttp!.error).toMatch(/invalid webhook configuration: http: URLs are not allowed/);
    const [badSecret] = await deliverAlerts(
      [makeAlert(1)],
      { ...config(hook.url), secret: "whsec_%%" },
      fast(),
    );
    expect(badSecret!.error).toMatch(/not valid base64/);
    expect(hook.requests).toHaveLength(0);
  });

  it("a failing onAttempt callback never stops a delivery", async () => {
    const hook = await receiver(ok);
    const [record] = await deliverAlerts([makeAlert(1)], config(hook.url), {
      ...fast(),
      onAttempt: () => {
        throw new Error("store unavailable");
      },
    });
    expect(record).toMatchObject({ status: "delivered", progressError: "store unavailable" });
  });
});
