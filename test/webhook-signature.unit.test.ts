import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signWebhook, verifyWebhook, webhookKey } from "../application/webhook-signature.ts";

// The signing vector from the Standard Webhooks reference libraries' test suites.
const spec = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};
const at = (seconds: number) => new Date(seconds * 1000);

describe("signWebhook", () => {
  it("reproduces the spec's signature", () => {
    expect(
      signWebhook({ id: spec.id, timestamp: at(spec.timestamp), body: spec.body, secret: spec.secret }),
    ).toEqual({
      "webhook-id": spec.id,
      "webhook-timestamp": "1614265330",
      "webhook-signature": spec.signature,
    });
  });

  it("takes unix seconds as well as a Date, dropping fractions", () => {
    const fromDate = signWebhook({ ...spec, timestamp: new Date(spec.timestamp * 1000 + 999) });
    expect(signWebhook({ ...spec, timestamp: spec.timestamp })).toEqual(fromDate);
  });

  it("uses a secret without the whsec_ prefix as raw UTF-8 key bytes", () => {
    const raw = "a shared secret, not base64";
    const headers = signWebhook({ id: "m1", timestamp: 100, body: "{}", secret: raw });
    const expected = createHmac("sha256", Buffer.from(raw, "utf8")).update("m1.100.{}").digest("base64");
    expect(headers["webhook-signature"]).toBe(`v1,${expected}`);
    expect(webhookKey(spec.secret)).toEqual(Buffer.from("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "base64"));
  });

  it("refuses an empty secret or a whsec_ secret that is not base64", () => {
    expect(() => webhookKey("")).toThrow(/empty/);
    expect(() => webhookKey("whsec_not base64!")).toThrow(/not valid base64/);
    expect(() => webhookKey("whsec_")).toThrow(/not valid base64/);
  });
});

describe("verifyWebhook", () => {
  const headers = {
    "webhook-id": spec.id,
    "webhook-timestamp": String(spec.timestamp),
    "webhook-signature": spec.signature,
  };
  const verify = (overrides: Partial<Parameters<typeof verifyWebhook>[0]> = {}) =>
    verifyWebhook({
      headers,
      body: spec.body,
      secrets: [spec.secret],
      now: at(spec.timestamp),
      ...overrides,
    });

  it("accepts the spec's delivery and names the webhook id", () => {
    expect(verify()).toEqual({ ok: true, webhookId: spec.id });
  });

  it("reads fetch Headers and mixed-case Node header records alike", () => {
    expect(verify({ headers: new Headers(headers) }).ok).toBe(true);
    expect(
      verify({
        headers: {
          "Webhook-Id": spec.id,
          "WEBHOOK-TIMESTAMP": String(spec.timestamp),
          "webhook-signature": [spec.signature],
        },
      }).ok,
    ).toBe(true);
  });

  it("accepts the body as bytes, and signs non-UTF-8 bytes as they are", () => {
    expect(verify({ body: Buffer.from(spec.body) }).ok).toBe(true);
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x80]);
    const signed = signWebhook({ id: "b", timestamp: 5, body: binary, secret: spec.secret });
    expect(verifyWebhook({ headers: signed, body: binary, secrets: [spec.secret], now: at(5) }).ok).toBe(
      true,
    );
    const asText = Buffer.from(binary.toString("utf8"));
    expect(verifyWebhook({ headers: signed, body: asText, secrets: [spec.secret], now: at(5) }).ok).toBe(
      false,
    );
  });

  it("accepts any of the configured secrets during rotation", () => {
    const retired = "whsec_c2VjcmV0LXRoYXQtd2FzLXJldGlyZWQ=";
    expect(verify({ secrets: [retired, spec.secret] }).ok).toBe(true);
    expect(verify({ secrets: [spec.secret, retired] }).ok).toBe(true);
    expect(verify({ secrets: [retired] })).toEqual({ ok: false, reason: "bad-signature" });
    expect(verify({ secrets: [] })).toEqual({ ok: false, reason: "bad-signature" });
  });

  it("accepts a header carrying several signatures when one matches, ignoring other versions", () => {
    const bogus = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";
    const signatures = [bogus, "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=", spec.signature, "v1,short"];
    expect(verify({ headers: { ...headers, "webhook-signature": signatures.join(" ") } }).ok).toBe(true);
    expect(verify({ headers: { ...headers, "webhook-signature": `${bogus} v1,` } }).ok).toBe(false);
  });

  it("holds the timestamp to the tolerance in both directions, inclusive", () => {
    expect(verify({ now: at(spec.timestamp + 300) }).ok).toBe(true);
    expect(verify({ now: at(spec.timestamp - 300) }).ok).toBe(true);
    expect(verify({ now: at(spec.timestamp + 301) })).toEqual({ ok: false, reason: "stale-timestamp" });
    expect(verify({ now: at(spec.timestamp - 301) })).toEqual({ ok: false, reason: "stale-timestamp" });
    expect(verify({ now: at(spec.timestamp + 60), toleranceSeconds: 30 })).toEqual({
      ok: false,
      reason: "stale-timestamp",
    });
  });

  it("treats a timestamp that is not unix seconds as stale", () => {
    for (const timestamp of ["hello", "1614265330.5", "-1", "2021-02-25T15:02:10Z"]) {
      expect(verify({ headers: { ...headers, "webhook-timestamp": timestamp } })).toEqual({
        ok: false,
        reason: "stale-timestamp",
      });
    }
  });

  it("rejects a tampered body, id or timestamp", () => {
    expect(verify({ body: '{"test": 2432232315}' })).toEqual({ ok: false, reason: "bad-signature" });
    expect(verify({ body: `${spec.body} ` })).toEqual({ ok: false, reason: "bad-signature" });
    expect(verify({ headers: { ...headers, "webhook-id": "msg_other" } })).toEqual({
      ok: false,
      reason: "bad-signature",
    });
    const shifted = { ...headers, "webhook-timestamp": String(spec.timestamp + 1) };
    expect(verify({ headers: shifted })).toEqual({ ok: false, reason: "bad-signature" });
  });

  it("reports missing headers before anything else", () => {
    for (const name of ["webhook-id", "webhook-timestamp", "webhook-signature"] as const) {
      const { [name]: _dropped, ...rest } = headers;
      expect(verify({ headers: rest, now: at(0) })).toEqual({ ok: false, reason: "missing-headers" });
    }
    expect(verify({ headers: { ...headers, "webhook-signature": "  " } })).toEqual({
      ok: false,
      reason: "missing-headers",
    });
  });
});
