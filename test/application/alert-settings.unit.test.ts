// TRACKER_ALERT_WEBHOOKS is read with a schema, not cast: a wrong entry stops the start naming the
// field and never echoing a value (it may hold a secret or a signed URL).
import { describe, expect, it } from "vitest";
import { alertsFromEnv } from "../../application/services-from-env.ts";

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
    expect(() => alertsFromEnv(env)).toThrow(/^TRACKER_ALERT_WEBHOOKS\[0\.secret\]/);
    expect(() => alertsFromEnv(env)).not.toThrow(/private-token/);
  });

  it("refuses text that is not JSON, without quoting it", () => {
    expect(() => alertsFromEnv({ TRACKER_ALERT_WEBHOOKS: "[{secret: hunter2" })).toThrow(
      "TRACKER_ALERT_WEBHOOKS is not JSON",
    );
  });
});
