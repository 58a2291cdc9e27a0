// CRM sources: POST /api/sources/{source}/deliveries takes a delivery in the source's own format
// (CONNECTORS.md); GET /api/sources lists the caller's sources with their delivery counts and refusals.
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { StreamBusy } from "../application/event-recorder.ts";
import { problemOf } from "../application/problem.ts";
import { sourcesFromJson } from "../application/sources/config.ts";
import { soapAck } from "../application/sources/salesforce.ts";
import { services } from "../composition/services.ts";
import { boundedBody } from "./body.ts";
import { forKeyHolder, json } from "./http.ts";
import { correlationOf, defineHttp } from "./registry.ts";

export const MAX_DELIVERY_BYTES = 1024 * 1024;

// Checked when the Functions host loads the app: a bad TRACKER_SOURCES stops it with the faulty field
// named (the message never quotes a value), instead of failing each request later.
if (process.env.TRACKER_SOURCES) sourcesFromJson(process.env.TRACKER_SOURCES);

export async function postDelivery(
  request: HttpRequest,
  context?: InvocationContext,
): Promise<HttpResponseInit> {
  const name = request.params.source ?? "";
  const received = await boundedBody(request, MAX_DELIVERY_BYTES);
  if ("response" in received) return received.response;
  const body = received.bytes;
  const { sources } = await services();
  try {
    const outcome = await sources.receive(
      name,
      { method: request.method, url: request.url, headers: request.headers, body },
      correlationOf(context),
    );
    switch (outcome.kind) {
      case "unknown-source":
        return problemOf("not-found", { detail: `Source ${name} is not configured.` });
      case "unauthorized":
        return problemOf("unauthorized", { detail: outcome.detail, reason: outcome.reason });
      case "unreadable":
        return problemOf("invalid-request", {
          detail: "The delivery is not in the source's format.",
          errors: outcome.errors,
        });
      case "refused":
        return problemOf("invalid-event", {
          detail: "The record cannot be mapped to a valid event; nothing was stored.",
          errors: outcome.errors,
        });
      case "forbidden":
        return problemOf("forbidden-partner", { errors: outcome.errors });
      case "stored": {
        const { kind: _kind, format, ...result } = outcome;
        if (format === "salesforce-outbound") {
          const refused = result.refused.flatMap((r) => r.errors);
          return {
            status: 200,
            headers: { "content-type": "text/xml; charset=utf-8" },
            body: soapAck(refused),
          };
        }
        // 200 even when some records were refused: the CRM must not retry the good ones (CONNECTORS.md).
        return json(200, result);
      }
    }
  } catch (error) {
    if (error instanceof StreamBusy) {
      return problemOf("unavailable", { detail: error.message }, { headers: { "retry-after": "1" } });
    }
    throw error;
  }
}

export const getSources = forKeyHolder(async (_request, partnerId) => {
  const { sources } = await services();
  return json(200, { sources: await sources.list(partnerId) });
});

defineHttp({
  name: "sourceDeliveries",
  route: "sources/{source}/deliveries",
  methods: ["POST"],
  handler: postDelivery,
});
defineHttp({ name: "sources", route: "sources", methods: ["GET"], handler: getSources });
