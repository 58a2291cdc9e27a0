// POST /api/recorded-events: events a partner records by hand on the board, authenticated by the
// partner's API key (not a webhook signature) and stored exactly like a CRM's.
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { StreamBusy } from "../application/event-recorder.ts";
import { principalOf, recordByHand } from "../application/hand-recorded.ts";
import { problemOf } from "../application/problem.ts";
import { correlatedIngestion } from "../application/telemetry.ts";
import { services } from "../composition/services.ts";
import { boundedBody, eventsJson, mediaTypeOf } from "./body.ts";
import { json } from "./http.ts";
import { correlationOf, defineHttp } from "./registry.ts";

const MAX_BODY_BYTES = 1024 * 1024;

export async function postRecordedEvents(
  request: HttpRequest,
  context?: InvocationContext,
): Promise<HttpResponseInit> {
  const { access, ingestion } = await services();
  const holder = access.holderOfKey(request.headers.get("x-api-key"));
  if (!holder) {
    return problemOf(
      "unauthorized",
      { detail: "Send the partner's API key in the x-api-key header." },
      { headers: { "www-authenticate": 'ApiKey header="x-api-key"' } },
    );
  }
  const type = mediaTypeOf(request);
  if (type !== "application/json" && !type.startsWith("application/cloudevents")) {
    return problemOf("unsupported-media-type", { detail: "Send application/json." });
  }
  const received = await boundedBody(request, MAX_BODY_BYTES);
  if ("response" in received) return received.response;
  const read = eventsJson(received.bytes);
  if ("response" in read) return read.response;
  const { parsed } = read;
  const person = principalOf(request.headers);
  const who = person
    ? { kind: "entra" as const, name: person }
    : { kind: "key" as const, name: holder.label };
  try {
    const correlated = correlatedIngestion(ingestion, correlationOf(context));
    const outcome = await recordByHand(correlated, parsed, holder.partnerId, who);
    if (outcome.kind === "invalid") return problemOf("invalid-event", { errors: outcome.errors });
    if (outcome.kind === "forbidden") return problemOf("forbidden-partner", { errors: outcome.errors });
    const { kind: _kind, ...result } = outcome;
    return json(result.accepted > 0 ? 201 : 202, result);
  } catch (error) {
    if (error instanceof StreamBusy) {
      return problemOf("unavailable", { detail: error.message }, { headers: { "retry-after": "1" } });
    }
    throw error;
  }
}

defineHttp({
  name: "recordedEvents",
  route: "recorded-events",
  methods: ["POST"],
  handler: postRecordedEvents,
});
