// Salesforce Outbound Messaging: a SOAP `notifications` message (up to 100 `Notification`s, each with
// its own `Id` and the chosen fields of one sObject) from one organization; the endpoint answers
// `notificationsResponse` with `Ack` true, or Salesforce retries the whole message for 24 hours.
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { eventFromColumns } from "./event-columns.ts";
import type { Mapping } from "./mapping.ts";
import type { Delivery } from "./records.ts";

export const MAX_NOTIFICATIONS = 100;
const NOTIFICATION = "Envelope.Body.notifications.Notification";

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  // Field values stay text: an id or an account number such as "00120" must not become a number.
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (_name, jpath) => jpath === NOTIFICATION,
});

export function readSalesforce(xml: string): Delivery {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    return {
      ok: false,
      errors: [{ path: "$", message: `not XML: ${valid.err.msg} (line ${valid.err.line})` }],
    };
  }
  const message = parser.parse(xml)?.Envelope?.Body?.notifications;
  if (!message || typeof message !== "object") {
    return {
      ok: false,
      errors: [{ path: "$.notifications", message: "expected a SOAP notifications message" }],
    };
  }
  const notifications = (message.Notification ?? []) as unknown[];
  if (notifications.length === 0 || notifications.length > MAX_NOTIFICATIONS) {
    return {
      ok: false,
      errors: [
        { path: "$.notifications.Notification", message: `expected 1 to ${MAX_NOTIFICATIONS} notifications` },
      ],
    };
  }
  const organizationId = typeof message.OrganizationId === "string" ? message.OrganizationId : undefined;
  const records = notifications.map((n, i) => {
    const notification = (n ?? {}) as Record<string, unknown>;
    const sObject = plain(notification.sObject) as Record<string, unknown> | null;
    return {
      prefix: `$.notifications.Notification[${i}]`,
      view: {
        OrganizationId: organizationId,
        ActionId: message.ActionId,
        Id: notification.Id,
        sObject: sObject && typeof sObject === "object" ? sObject : null,
      },
    };
  });
  return { ok: true, records, ...(organizationId ? { organizationId } : {}) };
}

/** `xsi:nil` becomes null, `xsi:type="sf:Opportunity"` becomes `type: "Opportunity"`. */
function plain(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  if (record["@nil"] === "true") return null;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(record)) {
    if (key === "@type" && typeof inner === "string") out.type = inner.replace(/^.*:/, "");
    else if (!key.startsWith("@")) out[key] = plain(inner);
  }
  return out;
}

export const SOAP_ACK = `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
<soapenv:Body>
<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">
<Ack>true</Ack>
</notificationsResponse>
</soapenv:Body>
</soapenv:Envelope>
`;

/** The Ack, with refused notifications listed in a comment (Salesforce reads only `Ack`). */
export function soapAck(refused: readonly { path: string; message: string }[]): string {
  if (refused.length === 0) return SOAP_ACK;
  const lines = refused.map((r) => `${r.path}: ${r.message}`.replaceAll("--", "- -"));
  return SOAP_ACK.replace(
    "<soapenv:Body>",
    `<!-- refused, kept in the source's refusal log:\n${lines.join("\n")}\n-->\n<soapenv:Body>`,
  );
}

/** A `Tracker_Engagement_Event__c` custom object with the same columns as the Dataverse table. */
export const SALESFORCE_DEFAULT: Mapping = {
  rules: [
    {
      when: { "$.sObject.type": "Tracker_Engagement_Event__c" },
      id: "{$.Id}",
      ...eventFromColumns("$.sObject", {
        type: "Event_Type__c",
        tenantid: "Tenant_Id__c",
        workload: "Workload__c",
        time: "Occurred_On__c",
        data: "Data__c",
      }),
    },
  ],
};
