// POST /api/events: CRMs deliver CloudEvents, signed per Standard Webhooks.
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { StreamBusy } from "../application/event-recorder.ts";
import { problemOf } from "../application/problem.ts";
import { correlatedIngestion } from "../application/telemetry.ts";
import { services } from "../composition/services.ts";
import { LIMITS } from "../domain/event-limits.ts";
import { boundedBody, eventsJson, mediaTypeOf } from "./body.ts";
import { json } from "./http.ts";
import { correlationOf, defineHttp } from "./registry.ts";
import { isTransientStorageError, storageUnavailable } from "./storage-errors.ts";

export const MAX_BODY_BYTES = LIMITS.maxBodyBytes;
const JSON_TYPES = ["application/json", "application/cloudevents+json", "application/cloudevents-batch+json"];

/**
 * How long a delivery may wait for the store (throttled, retrying, queued behind its stream) before
 * the CRM is told to send it again. The work goes on; if it lands, the resend is a duplicate (202).
 */
const DELIVERY_DEADLINE_MS = 20_000;

function withinDeadline<T>(work: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), DELIVERY_DEADLINE_MS);
  });
  // A failure after the deadline has no one to answer: it is the resend's to report.
  work.catch(() => {});
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

export async function postEvents(
  request: HttpRequest,
  context?: InvocationContext,
): Promise<HttpResponseInit> {
  const type = mediaTypeOf(request);
  if (!JSON_TYPES.includes(type)) {
    return problemOf("unsupported-media-type", { detail: `Send one of ${JSON_TYPES.join(", ")}.` });
  }
  const received = await boundedBody(request, MAX_BODY_BYTES);
  if ("response" in received) return received.response;
  const { bytes } = received;
  const { access, ingestion, clock } = await services();
  // The signature covers the bytes received, before any decoding.
  // The 5-minute tolerance is about transport: a CRM signs with wall time even when TRACKER_NOW moves
  // the business clock, so a timestamp near either is fresh.
  let signed = access.verifyDelivery(request.headers, bytes, clock());
  if (!signed.ok && signed.reason === "stale-timestamp")
    signed = access.verifyDelivery(request.headers, bytes, new Date());
  if (!signed.ok) {
    const detail = {
      "missing-headers":
        "Sign the delivery: webhook-id, webhook-timestamp and webhook-signature are required.",
      "stale-timestamp": "webhook-timestamp is more than 5 minutes from now.",
      "bad-signature": "No configured source secret matches webhook-signature.",
    }[signed.reason];
    return problemOf("unauthorized", { detail, reason: signed.reason });
  }
  const read = eventsJson(bytes);
  if ("response" in read) return read.response;
  const { parsed } = read;
  try {
    const correlated = correlatedIngestion(ingestion, correlationOf(context));
    const outcome = await withinDeadline(correlated.ingest(parsed, signed.source.partnerId));
    if (outcome === undefined) return storageUnavailable("The event store");
    if (outcome.kind === "invalid") return problemOf("invalid-event", { errors: outcome.errors });
    if (outcome.kind === "forbidden") {
      return problemOf("forbidden-partner", {
        detail: `Source ${signed.source.name} writes for partner ${signed.source.partnerId} only.`,
        errors: outcome.errors,
      });
    }
    const { kind: _kind, ...result } = outcome;
    return json(result.accepted > 0 ? 201 : 202, result);
  } catch (error) {
    if (error instanceof StreamBusy) {
      return problemOf("unavailable", { detail: error.message }, { headers: { "retry-after": "1" } });
    }
    // Throttled, timed out or cut off: the delivery may or may not be stored; a retry is safe either way.
    if (isTransientStorageError(error)) return storageUnavailable("The event store");
    throw error;
  }
}

defineHttp({ name: "events", route: "events", methods: ["POST"], handler: postEvents });
