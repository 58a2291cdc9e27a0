// A claim-window alert as a Microsoft Teams message: an Adaptive Card inside a `message` with `attachments`,
// the shape Teams incoming webhooks and Workflows ("Post to a channel when a webhook request is received")
// accept. Adaptive Card 1.4: rendered by Teams desktop, web and mobile.
import type { OutboundAlert } from "../../application/ports/alert-delivery.ts";

const WINDOW_LABELS: Record<OutboundAlert["code"], string> = {
  "claim-early": "Recommended claim window (30 days after the first eligible activity)",
  "program-year-end": "End of the usage-incentive program year",
  "acknowledgement-expiry": "Customer acknowledgement expires",
  "info-request-response": "Response due to Microsoft's information request",
  "engagement-recency": "Eligible work leaves the 12-month recency window",
};

export interface TeamsMessage {
  type: "message";
  attachments: {
    contentType: "application/vnd.microsoft.card.adaptive";
    contentUrl: null;
    content: Record<string, unknown>;
  }[];
}

export function closesInText(daysLeft: number): string {
  if (daysLeft <= 0) return "closes today";
  if (daysLeft === 1) return "closes tomorrow";
  return `closes in ${daysLeft} days`;
}

export function teamsMessage(alert: OutboundAlert): TeamsMessage {
  const title = `Claim window ${closesInText(alert.daysLeft)}: ${alert.code}`;
  const facts = [
    { title: "Window", value: `${alert.code} (${alert.rule})` },
    { title: "Closes on", value: alert.closesOn },
    { title: "Days left", value: String(alert.daysLeft) },
    { title: "Customer tenant", value: alert.tenantId },
    { title: "Workload", value: alert.workload },
    { title: "Partner", value: alert.partnerId },
    { title: "Pair", value: alert.pairId },
  ];
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.4",
          msteams: { width: "Full" },
          // Shown in notifications and where the card cannot render.
          fallbackText: `${title} on ${alert.closesOn} for ${alert.tenantId} / ${alert.workload}`,
          body: [
            {
              type: "TextBlock",
              text: title,
              weight: "Bolder",
              size: "Medium",
              wrap: true,
              color: alert.daysLeft <= 7 ? "Attention" : "Warning",
            },
            {
              type: "TextBlock",
              text: WINDOW_LABELS[alert.code],
              wrap: true,
              isSubtle: true,
              spacing: "None",
            },
            { type: "FactSet", facts },
          ],
        },
      },
    ],
  };
}
