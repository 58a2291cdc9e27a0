// The OpenAPI description of the CRM source routes (functions/sources.ts), merged by functions/openapi.ts.
import { z } from "zod";
import { FORMATS } from "../application/sources/config.ts";
import { MappingSchema } from "../application/sources/mapping.ts";

type Problems = (codes: number[]) => Record<string, unknown>;

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

export function sourcePaths(problems: Problems) {
  return {
    "/sources/{source}/deliveries": {
      post: {
        summary: "A CRM's delivery in the source's own format (CONNECTORS.md), at most 1 MiB",
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
          {
            name: "source",
            in: "path",
            required: true,
            schema: { type: "string", pattern: "^[a-z0-9-]{1,64}$" },
          },
          {
            name: "code",
            in: "query",
            required: false,
            schema: { type: "string" },
            description: "The source's secret, for auth modes query-code and salesforce-org",
          },
        ],
        requestBody: {
          required: true,
          content: {
            "application/json": {
              schema: {
                description:
                  "dataverse: the RemoteExecutionContext; hubspot: a batch of subscription events or a workflow webhook's object; cloudevents: EVENTS.md",
              },
            },
            "text/xml": {
              schema: { type: "string", description: "salesforce-outbound: the SOAP notifications message" },
            },
          },
        },
        responses: {
          200: {
            description: "Stored (new or duplicates); refused records listed",
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  properties: {
                    accepted: { type: "integer" },
                    duplicates: { type: "integer" },
                    pairs: { type: "array" },
                    refused,
                  },
                },
              },
              "text/xml": { schema: { type: "string", description: "notificationsResponse with Ack true" } },
            },
          },
          ...problems([400, 401, 403, 404, 413, 503]),
        },
      },
    },
    "/sources": {
      get: {
        summary: "The caller's CRM sources with delivery counts and their refusal log",
        security: [{ apiKey: [] }],
        responses: {
          200: {
            description: "Counts are this instance's since `activity.since`; the refusal log is kept",
            content: {
              "application/json": {
                schema: {
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
                              delivered: { type: "integer" },
                              duplicates: { type: "integer" },
                              refused: { type: "integer" },
                              unauthorized: { type: "integer" },
                            },
                          },
                          refusalLog: {
                            type: "object",
                            properties: { count: { type: "integer" }, newest: { type: "array" } },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
          ...problems([401]),
        },
      },
    },
  };
}
