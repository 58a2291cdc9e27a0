// JSON settings (TRACKER_ALERT_WEBHOOKS, TRACKER_API_KEYS; TRACKER_SOURCES in test/connectors) are read
// with a schema, not cast: a wrong entry stops the start naming the field and never echoing a value (it
// may hold a secret or a signed URL).
import { describe, expect, it } from "vitest";
import { Access, accessFromEnv } from "../../application/access.ts";
import { alertsFromEnv } from "../../composition/from-env.ts";

describe("alert settings from the environment", () => {
  it("reads thresholds and webhooks, the format defaulting to standard", () => {
    const env = {
      CLAIM_WINDOW_THRESHOLDS: "30, 7",
      TRACKER_ALERT_WEBHOOKS: JSON.stringify([
        { partnerId: "4811223", url: "https://hooks.example/a", secret: "whsec_c2VjcmV0LXZhbHVl" },
        { partnerId: "5900001", url: "https://hooks.example/b", secret: "another-secret", format: "teams" },
      ]),
    };
    expect(alertsFromEnv(env)).toEqual({
      alertThresholds: [30, 7],
      alertWebhooks: [
        {
          partnerId: "4811223",
          url: "https://hooks.example/a",
          secret: "whsec_c2VjcmV0LXZhbHVl",
          format: "standard",
        },
        { partnerId: "5900001", url: "https://hooks.example/b", secret: "another-secret", format: "teams" },
      ],
    });
  });

  it("refuses an entry without a secret, naming the field and not the values", () => {
    const env = {
      TRACKER_ALERT_WEBHOOKS: JSON.stringify([
        { partnerId: "4811223", url: "https://hooks.example/private-token" },
      ]),
    };
    expect(() => alertsFromEnv(env)).toThrow(/TRACKER_ALERT_WEBHOOKS\[0\]\.secret: /);
    expect(() => alertsFromEnv(env)).not.toThrow(/private-token/);
  });

  it("refuses text that is not JSON, without quoting it", () => {
    expect(() => alertsFromEnv({ TRACKER_ALERT_WEBHOOKS: "[{secret: hunter2" })).toThrow(
      "TRACKER_ALERT_WEBHOOKS is not valid JSON",
    );
  });
});

describe("TRACKER_API_KEYS", () => {
  it("is read with a schema: a key without a partner stops the start, naming the field and not the key", () => {
    const env = { TRACKER_API_KEYS: JSON.stringify([{ key: "k-0123456789abcdef", label: "ops" }]) };
    expect(() => accessFromEnv(env)).toThrow(/TRACKER_API_KEYS\[0\]\.partnerId: /);
    expect(() => accessFromEnv(env)).not.toThrow(/k-0123456789abcdef/);
  });

  it("gives each configured key its partner and label", () => {
    const access = new Access(
      accessFromEnv({
        TRACKER_API_KEYS: JSON.stringify([{ partnerId: "4811223", key: "k-1", label: "ops" }]),
      }),
    );
    expect(access.holderOfKey("k-1")).toEqual({ partnerId: "4811223", label: "ops" });
    expect(access.holderOfKey("k-2")).toBeUndefined();
  });
});
