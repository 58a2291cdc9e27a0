// GET /api/openapi.json: the OpenAPI 3.1 document, generated from the zod schemas that validate input.
import type { HttpResponseInit } from "@azure/functions";
import { z } from "zod";
import { AlertQuery } from "../application/alert-queries.ts";
import { EVENT_SCHEMAS, POE_DOCUMENT_KINDS } from "../domain/events.ts";
import { json } from "./http.ts";
import { pairStateSchemas } from "./pair-state-openapi.ts";
import { PairListQuery } from "./pairs.ts";
import { defineHttp } from "./registry.ts";
import { sourcePaths, sourceSchemas } from "./sources-openapi.ts";

let cached: unknown;
// The alert filters' schemas come from the zod schema the handler validates with (one declaration).
const ALERT_QUERY = { properties: {}, ...z.toJSONSchema(AlertQuery, { io: "input" }) } as {
  properties: Record<string, unknown>;
};

export function openApiDocument(): unknown {
  if (cached) return cached;
  const schemas: Record<string, unknown> = {};
  for (const schema of EVENT_SCHEMAS) {
    const type = schema.shape.type.value;
    schemas[type] = z.toJSONSchema(schema, { target: "draft-2020-12", unrepresentable: "any", io: "input" });
  }
  const eventRef = { oneOf: Object.keys(schemas).map((t) => ({ $ref: `#/components/schemas/${t}` })) };
  const problem = { $ref: "#/components/schemas/Problem" };
  const problems = (codes: number[]) =>
    Object.fromEntries(
      codes.map((c) => [
        c,
        { description: "RFC 9457 problem", content: { "application/problem+json": { schema: problem } } },
      ]),
    );
  const queryParams = Object.entries(z.toJSONSchema(PairListQuery, { io: "input" }).properties ?? {}).map(
    ([name, schema]) => ({ name, in: "query", required: false, schema }),
  );
  const pairPath = [
    { name: "tenantId", in: "path", required: true, schema: { type: "string", format: "uuid" } },
    { name: "workload", in: "path", required: true, schema: { type: "string" } },
  ];
  cached = {
    openapi: "3.1.0",
    info: {
      title: "Engagement lifecycle tracker",
      version: "0.1.0",
      description: "CPOR claim readiness per customer tenant x workload.",
    },
    servers: [{ url: "/api" }],
    components: {
      securitySchemes: {
        apiKey: { type: "apiKey", in: "header", name: "x-api-key" },
        webhookSignature: {
          type: "apiKey",
          in: "header",
          name: "webhook-signature",
          description: "Standard Webhooks",
        },
      },
      schemas: {
        ...schemas,
        ...sourceSchemas(),
        ...pairStateSchemas(),
        Problem: {
          type: "object",
          properties: {
            type: { type: "string" },
            title: { type: "string" },
            status: { type: "integer" },
            detail: { type: "string" },
            errors: {
              type: "array",
              items: {
                type: "object",
                properties: { path: { type: "string" }, message: { type: "string" } },
              },
            },
          },
          required: ["type", "title", "status"],
        },
      },
    },
    paths: {
      ...sourcePaths(problems),
      "/events": {
        post: {
          summary: "Deliver one CloudEvent or a batch of at most 500 (1 MiB)",
          security: [{ webhookSignature: [] }],
          requestBody: {
            required: true,
            content: {
              "application/cloudevents+json": { schema: eventRef },
              "application/cloudevents-batch+json": {
                schema: { type: "array", maxItems: 500, items: eventRef },
              },
              "application/json": {
                schema: { oneOf: [eventRef, { type: "array", maxItems: 500, items: eventRef }] },
              },
            },
          },
          responses: {
            201: { description: "Recorded" },
            202: { description: "Nothing new (duplicates)" },
            ...problems([400, 401, 403, 413, 415, 503]),
          },
        },
      },
      "/pairs": {
        get: {
          summary: "The caller's pairs",
          security: [{ apiKey: [] }],
          parameters: queryParams,
          responses: { 200: { description: "A page of pair states" }, ...problems([400, 401]) },
        },
      },
      "/pairs/{tenantId}/{workload}": {
        get: {
          summary: "One pair's state (contract/STATE.md)",
          security: [{ apiKey: [] }],
          parameters: [
            ...pairPath,
            { name: "asOf", in: "query", required: false, schema: { type: "string", format: "date-time" } },
          ],
          responses: {
            200: {
              description: "The pair's state",
              content: { "application/json": { schema: { $ref: "#/components/schemas/PairState" } } },
            },
            ...problems([400, 401, 404]),
          },
        },
      },
      "/pairs/{tenantId}/{workload}/documents": {
        post: {
          summary: "Upload a POE document (at most 25 MiB); recorded as poe.document.attached",
          security: [{ apiKey: [] }],
          parameters: pairPath,
          requestBody: {
            required: true,
            content: {
              "multipart/form-data": {
                schema: {
                  type: "object",
                  required: ["file", "kind", "workloadsMentioned"],
                  properties: {
                    file: { type: "string", format: "binary" },
                    kind: { type: "string", enum: [...POE_DOCUMENT_KINDS] },
                    workloadsMentioned: {
                      type: "string",
                      description: "comma-separated, repeated, or a JSON array",
                    },
                    tenantIdOnDocument: { type: "string", format: "uuid" },
                  },
                },
              },
            },
          },
          responses: {
            201: { description: "Stored and recorded" },
            200: { description: "The same bytes were already attached" },
            ...problems([400, 401, 404, 413, 415, 503]),
          },
        },
      },
      "/pairs/{tenantId}/{workload}/documents/{documentId}": {
        get: {
          summary: "The document's bytes, or with ?as=link a 15-minute read-only link",
          security: [{ apiKey: [] }],
          parameters: [
            ...pairPath,
            { name: "documentId", in: "path", required: true, schema: { type: "string" } },
            { name: "as", in: "query", required: false, schema: { type: "string", enum: ["link"] } },
          ],
          responses: { 200: { description: "The bytes or the link" }, ...problems([401, 404]) },
        },
      },
      "/pairs/{tenantId}/{workload}/poe-summary": {
        get: {
          summary: "The POE summary for the claim form (Markdown)",
          security: [{ apiKey: [] }],
          parameters: [
            ...pairPath,
            { name: "asOf", in: "query", required: false, schema: { type: "string", format: "date-time" } },
          ],
          responses: {
            200: { description: "Markdown", content: { "text/markdown": { schema: { type: "string" } } } },
            ...problems([401, 404]),
          },
        },
      },
      "/alerts": {
        get: {
          summary: "Claim-window alerts, newest first",
          security: [{ apiKey: [] }],
          parameters: [
            "since",
            "windowCode",
            "tenantId",
            "workload",
            "deliveryStatus",
            "limit",
            "continuationToken",
          ].map((name) => ({
            name,
            in: "query",
            required: false,
            schema: ALERT_QUERY.properties[name] ?? { type: "string" },
          })),
          responses: { 200: { description: "A page of alerts" }, ...problems([400, 401]) },
        },
      },
      "/designations/security": {
        get: {
          summary: "Solutions Partner for Security score at asOf, or a monthly series from..to",
          security: [{ apiKey: [] }],
          parameters: ["asOf", "from", "to"].map((name) => ({
            name,
            in: "query",
            required: false,
            schema: { type: "string", format: "date" },
          })),
          responses: { 200: { description: "The score with every point traced" }, ...problems([400, 401]) },
        },
      },
      "/recorded-events": {
        post: {
          summary:
            "Record events by hand (the board): one or a batch, with the API key; source and partnerid are set by the service",
          security: [{ apiKey: [] }],
          requestBody: {
            required: true,
            content: {
              "application/json": { schema: { oneOf: [eventRef, { type: "array", items: eventRef }] } },
            },
          },
          responses: {
            201: { description: "Recorded" },
            202: { description: "Nothing new (the client's event id was recorded before)" },
            ...problems([400, 401, 403, 413, 415, 503]),
          },
        },
      },
      "/imports": {
        post: {
          summary: "Import an NDJSON export: ?dryRun=true answers the verdicts and stores nothing",
          security: [{ apiKey: [] }],
          parameters: [{ name: "dryRun", in: "query", required: false, schema: { enum: ["true", "false"] } }],
          requestBody: {
            required: true,
            content: { "application/x-ndjson": { schema: { type: "string" } } },
          },
          responses: {
            200: { description: "Dry run: the pairs' states" },
            201: { description: "Stored" },
            ...problems([400, 401, 413]),
          },
        },
      },
      "/reconciliation": {
        get: {
          summary:
            "Expected (the rules) versus reported (Partner Center's exports) per pair and month, with the reason for each gap and totals by reason; format=csv answers the evidence for a Microsoft contact",
          security: [{ apiKey: [] }],
          parameters: [
            ...["from", "to"].map((name) => ({
              name,
              in: "query",
              required: false,
              schema: { type: "string", pattern: "^\\d{4}-(0[1-9]|1[0-2])$" },
            })),
            { name: "format", in: "query", required: false, schema: { enum: ["json", "csv"] } },
          ],
          responses: {
            200: { description: "Lines per pair and month, totals by reason (JSON), or text/csv" },
            ...problems([400, 401]),
          },
        },
      },
      "/reconciliation/imports": {
        post: {
          summary:
            "Import a Partner Center export (Earnings – Default, Ineligible revenue usage, or customer claims), streamed row by row: good rows stored once, bad rows and unplaced rows listed by line",
          security: [{ apiKey: [] }],
          parameters: [{ name: "fileName", in: "query", required: false, schema: { type: "string" } }],
          requestBody: { required: true, content: { "text/csv": { schema: { type: "string" } } } },
          responses: {
            200: {
              description: "Rows read, events stored and already stored, bad and unplaced rows by line",
            },
            ...problems([400, 401, 413, 415]),
          },
        },
      },
      "/board/{path}": {
        get: {
          summary: "The partner board's static assets (anonymous; its data comes from this API with the key)",
          parameters: [{ name: "path", in: "path", required: true, schema: { type: "string" } }],
          responses: {
            200: { description: "HTML, JavaScript or CSS" },
            404: { description: "No such asset" },
          },
        },
      },
      "/health": {
        get: {
          summary: "Liveness and reachability",
          responses: { 200: { description: "ok, with each check" }, ...problems([503]) },
        },
      },
    },
  };
  return cached;
}

export async function openApi(): Promise<HttpResponseInit> {
  return json(200, openApiDocument());
}

defineHttp({ name: "openapi", route: "openapi.json", methods: ["GET"], handler: openApi });
