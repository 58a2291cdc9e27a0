// GET /api/openapi.json: the OpenAPI 3.1 document, generated from the zod schemas that validate input.
import type { HttpResponseInit } from "@azure/functions";
import { z } from "zod";
import { AlertQuery } from "../application/alert-queries.ts";
import { EVENT_SCHEMAS, POE_DOCUMENT_KINDS } from "../domain/events.ts";
import { json } from "./http.ts";
import {
  answer,
  asOfQuery,
  body,
  get,
  inPath,
  inQuery,
  pairPath,
  post,
  problems,
  queryParamsOf,
} from "./openapi-parts.ts";
import { pairStateSchemas } from "./pair-state-openapi.ts";
import { PairListQuery } from "./pairs.ts";
import { defineHttp } from "./registry.ts";
import { sourcePaths, sourceSchemas } from "./sources-openapi.ts";

let cached: unknown;

export function openApiDocument(): unknown {
  if (cached) return cached;
  const schemas: Record<string, unknown> = {};
  for (const schema of EVENT_SCHEMAS) {
    const type = schema.shape.type.value;
    schemas[type] = z.toJSONSchema(schema, { target: "draft-2020-12", unrepresentable: "any", io: "input" });
  }
  const eventRef = { oneOf: Object.keys(schemas).map((t) => ({ $ref: `#/components/schemas/${t}` })) };
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
      ...sourcePaths(),
      "/events": post("Deliver one CloudEvent or a batch of at most 500 (1 MiB)", {
        auth: "webhookSignature",
        requestBody: body({
          "application/cloudevents+json": eventRef,
          "application/cloudevents-batch+json": { type: "array", maxItems: 500, items: eventRef },
          "application/json": { oneOf: [eventRef, { type: "array", maxItems: 500, items: eventRef }] },
        }),
        answers: {
          201: answer("Recorded"),
          202: answer("Nothing new (duplicates)"),
          ...problems(400, 401, 403, 413, 415, 503),
        },
      }),
      "/pairs": get("The caller's pairs", {
        parameters: queryParamsOf(PairListQuery),
        answers: { 200: answer("A page of pair states"), ...problems(400, 401) },
      }),
      "/pairs/{tenantId}/{workload}": get("One pair's state (contract/STATE.md)", {
        parameters: [...pairPath, asOfQuery],
        answers: {
          200: answer("The pair's state", { "application/json": { $ref: "#/components/schemas/PairState" } }),
          ...problems(400, 401, 404),
        },
      }),
      "/pairs/{tenantId}/{workload}/documents": post(
        "Upload a POE document (at most 25 MiB); recorded as poe.document.attached",
        {
          parameters: pairPath,
          requestBody: body({
            "multipart/form-data": {
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
          }),
          answers: {
            201: answer("Stored and recorded"),
            200: answer("The same bytes were already attached"),
            ...problems(400, 401, 404, 413, 415, 503),
          },
        },
      ),
      "/pairs/{tenantId}/{workload}/documents/{documentId}": get(
        "The document's bytes, or with ?as=link a 15-minute read-only link",
        {
          parameters: [...pairPath, inPath("documentId"), inQuery("as", { type: "string", enum: ["link"] })],
          answers: { 200: answer("The bytes or the link"), ...problems(401, 404) },
        },
      ),
      "/pairs/{tenantId}/{workload}/poe-summary": get("The POE summary for the claim form (Markdown)", {
        parameters: [...pairPath, asOfQuery],
        answers: { 200: answer("Markdown", { "text/markdown": { type: "string" } }), ...problems(401, 404) },
      }),
      "/alerts": get("Claim-window alerts, newest first", {
        // From the zod schema the handler validates with (one declaration).
        parameters: queryParamsOf(AlertQuery),
        answers: { 200: answer("A page of alerts"), ...problems(400, 401) },
      }),
      "/designations/security": get(
        "Solutions Partner for Security score at asOf, or a monthly series from..to",
        {
          parameters: ["asOf", "from", "to"].map((name) => inQuery(name, { type: "string", format: "date" })),
          answers: { 200: answer("The score with every point traced"), ...problems(400, 401) },
        },
      ),
      "/recorded-events": post(
        "Record events by hand (the board): one or a batch, with the API key; source and partnerid are set by the service",
        {
          requestBody: body({
            "application/json": { oneOf: [eventRef, { type: "array", items: eventRef }] },
          }),
          answers: {
            201: answer("Recorded"),
            202: answer("Nothing new (the client's event id was recorded before)"),
            ...problems(400, 401, 403, 413, 415, 503),
          },
        },
      ),
      "/imports": post("Import an NDJSON export: ?dryRun=true answers the verdicts and stores nothing", {
        parameters: [inQuery("dryRun", { enum: ["true", "false"] })],
        requestBody: body({ "application/x-ndjson": { type: "string" } }),
        answers: {
          200: answer("Dry run: the pairs' states"),
          201: answer("Stored"),
          ...problems(400, 401, 413),
        },
      }),
      "/reconciliation": get(
        "Expected (the rules) versus reported (Partner Center's exports) per pair and month, with the reason for each gap and totals by reason; format=csv answers the evidence for a Microsoft contact",
        {
          parameters: [
            ...["from", "to"].map((name) =>
              inQuery(name, { type: "string", pattern: "^\\d{4}-(0[1-9]|1[0-2])$" }),
            ),
            inQuery("format", { enum: ["json", "csv"] }),
          ],
          answers: {
            200: answer("Lines per pair and month, totals by reason (JSON), or text/csv"),
            ...problems(400, 401),
          },
        },
      ),
      "/reconciliation/imports": post(
        "Import a Partner Center export (Earnings – Default, Ineligible revenue usage, or customer claims), streamed row by row: good rows stored once, bad rows and unplaced rows listed by line",
        {
          parameters: [inQuery("fileName")],
          requestBody: body({ "text/csv": { type: "string" } }),
          answers: {
            200: answer("Rows read, events stored and already stored, bad and unplaced rows by line"),
            ...problems(400, 401, 413, 415),
          },
        },
      ),
      "/board/{path}": get(
        "The partner board's static assets (anonymous; its data comes from this API with the key)",
        {
          auth: "anyone",
          parameters: [inPath("path")],
          answers: { 200: answer("HTML, JavaScript or CSS"), 404: answer("No such asset") },
        },
      ),
      "/health": get("Liveness and reachability", {
        auth: "anyone",
        answers: { 200: answer("ok, with each check"), ...problems(503) },
      }),
    },
  };
  return cached;
}

export async function openApi(): Promise<HttpResponseInit> {
  return json(200, openApiDocument());
}

defineHttp({ name: "openapi", route: "openapi.json", methods: ["GET"], handler: openApi });
