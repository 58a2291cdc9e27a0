// HubSpot pushes either a batch of subscription events (a JSON array: subscriptionId, objectId,
// propertyName, propertyValue, occurredAt, …) or, from a workflow's "Send a webhook" action, one
// object holding the enrolled record's properties. Nothing here calls HubSpot back.
import { eventFromColumns, TRACKER_COLUMNS } from "./event-columns.ts";
import type { Mapping } from "./mapping.ts";
import type { Delivery } from "./records.ts";

export function readHubSpot(body: unknown): Delivery {
  if (Array.isArray(body)) {
    if (body.length === 0) return { ok: false, errors: [{ path: "$", message: "the batch is empty" }] };
    return { ok: true, records: body.map((view, i) => ({ prefix: `$[${i}]`, view })) };
  }
  if (body !== null && typeof body === "object") return { ok: true, records: [{ prefix: "$", view: body }] };
  return {
    ok: false,
    errors: [{ path: "$", message: "expected a batch of subscription events or a workflow's JSON object" }],
  };
}

/**
 * Subscription events whose `tracker_event` property carries the event as JSON, and workflow webhooks
 * whose customized body sends the record's `tracker_*` properties. HubSpot does not promise `eventId`
 * unique, so a subscription event's id is formed from subscription, object, property, value and time.
 */
export const HUBSPOT_DEFAULT: Mapping = {
  rules: [
    {
      when: { "$.subscriptionType": { present: true }, "$.propertyName": "tracker_event" },
      id: "hubspot:{$.subscriptionId}:{$.objectId}:{$.propertyName}:{$.propertyValue}:{$.occurredAt}",
      type: "$.propertyValue.type",
      tenantid: "$.propertyValue.tenantid",
      workload: "$.propertyValue.workload",
      time: { path: "$.propertyValue.time", as: "instant" },
      data: "$.propertyValue.data",
    },
    {
      when: { "$.subscriptionType": { present: false }, "$.tracker_eventtype": { present: true } },
      id: "hubspot:{$.hs_object_id}:{$.tracker_eventtype}:{$.tracker_occurredon}",
      ...eventFromColumns("$", TRACKER_COLUMNS),
    },
  ],
};
