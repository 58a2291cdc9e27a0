// The OpenAPI description of the CRM source routes (functions/sources.ts), merged by functions/openapi.ts.
import { z } from "zod";
import { FORMATS } from "../application/sources/config.ts";
import { CRM_FORMATS, type CrmFormat } from "../application/sources/formats.ts";
import { MappingSchema } from "../application/sources/mapping.ts";
import { answer, body, get, inPath, inQuery, post, problems } from "./openapi-parts.ts";

/** The declarative mapping of CONNECTORS.md, as TRACKER_SOURCES[].mapping takes it. */
export const sourceSchemas = () => ({
  SourceMapping: z.toJSONSchema(MappingSchema, {
    target: "draft-2020-12",
    unrepresentable: "any",
    io: "input",
  }),
});

const refused = {
  type: "array",
  description: "Records refused on their own (the others were stored), each with the CRM field at fault.",
  items: {
    type: "object",
    properties: {
      record: { type: "string", description: "Where the record sits in the delivery, e.g. $[3]" },
      errors: {
        type: "array",
        items: { type: "object", properties: { path: { type: "string" }, message: { type: "string" } } },
      },
    },
  },
};

const int = { type: "integer" };

const sourceListing = {
  type: "object",
  properties: {
    sources: {
      type: "array",
      items: {
        type: "object",
        properties: {
          name: { type: "string" },
          format: { enum: [...FORMATS] },
          auth: { type: "string" },
          deliveries: { type: "string" },
          activity: {
            type: "object",
            properties: {
              since: { type: "string", format: "date-time" },
              lastDeliveryAt: { type: ["string", "null"], format: "date-time" },
              delivered: int,
              duplicates: int,
              refused: int,
              unauthorized: int,
            },
          },
          refusalLog: { type: "object", properties: { count: int, newest: { type: "array" } } },
        },
      },
    },
  },
};

/** What each CRM format posts with a body of this kind, from the one table of formats. */
const posted = (kind: CrmFormat["body"]) =>
  Object.entries(CRM_FORMATS as Record<string, CrmFormat>)
    .filter(([, format]) => format.body === kind)
    .map(([name, format]) => `${name}: ${format.posts}`);

export function sourcePaths() {
  return {
    "/sources/{source}/deliveries": post(
      "A CRM's delivery in the source's own format (CONNECTORS.md), at most 1 MiB",
      {
        auth: "anyone",
        description: [
          "Authenticated per the source's `auth` mode: standard-webhooks (webhook-* headers), http-header",
          "(the configured header carries a secret), query-code (`?code=`), hubspot-v3",
          "(X-HubSpot-Signature-v3 and X-HubSpot-Request-Timestamp), salesforce-org (`?code=` and the",
          "envelope's OrganizationId). Each record is translated to a CloudEvent and validated and stored",
          "exactly as POST /events does. A multi-record delivery answers 200 with the refused records",
          "listed; a single record that cannot be mapped answers 400 and nothing is stored.",
          "Salesforce outbound messages are answered with the SOAP notificationsResponse Ack (text/xml).",
        ].join(" "),
        parameters: [
          inPath("source", { type: "string", pattern: "^[a-z0-9-]{1,64}$" }),
          inQuery(
            "code",
            { type: "string" },
            "The source's secret, for auth modes query-code and salesforce-org",
          ),
        ],
        requestBody: body({
          "application/json": { description: [...posted("json"), "cloudevents: EVENTS.md"].join("; ") },
          "text/xml": { type: "string", description: posted("text").join("; ") },
        }),
        answers: {
          200: answer("Stored (new or duplicates); refused records listed", {
            "application/json": {
              type: "object",
              properties: { accepted: int, duplicates: int, pairs: { type: "array" }, refused },
            },
            "text/xml": { type: "string", description: "notificationsResponse with Ack true" },
          }),
          ...problems(400, 401, 403, 404, 413, 503),
        },
      },
    ),
    "/sources": get("The caller's CRM sources with delivery counts and their refusal log", {
      answers: {
        200: answer("Counts are this instance's since `activity.since`; the refusal log is kept", {
          "application/json": sourceListing,
        }),
        ...problems(401),
      },
    }),
  };
}
