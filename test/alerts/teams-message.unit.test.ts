import { describe, expect, it } from "vitest";
import { alertKey } from "../../domain/alert-schedule.ts";
import { alertBody, type OutboundAlert } from "../../infra/alerts/delivery.ts";
import { closesInText, teamsMessage } from "../../infra/alerts/teams-message.ts";

const pairId = "4811223|6f1c2a9e-3c4b-4f1e-9a51-2b7c0d9e8f10|defender-endpoint";
const window = { code: "program-year-end", closesOn: "2025-09-30", rule: "CAL-1" } as const;
const alert: OutboundAlert = {
  key: alertKey(pairId, window, 14),
  pairId,
  ...window,
  threshold: 14,
  daysLeft: 12,
  partnerId: "4811223",
  tenantId: "6f1c2a9e-3c4b-4f1e-9a51-2b7c0d9e8f10",
  workload: "defender-endpoint",
};

describe("teamsMessage", () => {
  it("is a message carrying one Adaptive Card, as Teams webhooks and Workflows accept", () => {
    const message = teamsMessage(alert);
    expect(message.type).toBe("message");
    expect(message.attachments).toHaveLength(1);
    const [attachment] = message.attachments;
    expect(attachment!.contentType).toBe("application/vnd.microsoft.card.adaptive");
    expect(attachment!.contentUrl).toBeNull();
    expect(attachment!.content).toMatchObject({
      $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
      type: "AdaptiveCard",
      version: "1.4",
    });
  });

  it("names the window, its closing date, the days left and the pair", () => {
    const card = teamsMessage(alert).attachments[0]!.content as {
      body: { type: string; text?: string; facts?: { title: string; value: string }[] }[];
    };
    expect(card.body[0]!.text).toBe("Claim window closes in 12 days: program-year-end");
    const facts = Object.fromEntries(
      card.body.find((b) => b.type === "FactSet")!.facts!.map((f) => [f.title, f.value]),
    );
    expect(facts).toEqual({
      Window: "program-year-end (CAL-1)",
      "Closes on": "2025-09-30",
      "Days left": "12",
      "Customer tenant": alert.tenantId,
      Workload: "defender-endpoint",
      Partner: "4811223",
      Pair: pairId,
    });
  });

  it("words the last days plainly", () => {
    expect([closesInText(0), closesInText(1), closesInText(7)]).toEqual([
      "closes today",
      "closes tomorrow",
      "closes in 7 days",
    ]);
  });

  it("is the body sent for the teams format; the standard format sends the alert JSON", () => {
    expect(JSON.parse(alertBody(alert, "teams"))).toEqual(teamsMessage(alert));
    expect(JSON.parse(alertBody(alert, "standard"))).toEqual({ type: "claim-window.alert", alert });
  });
});
