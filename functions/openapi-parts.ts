// Small builders for the OpenAPI document, so each route states only what is its own: summary,
// parameters, body, the answers it gives and the problems it can answer.

import { z } from "zod";

const problemRef = { $ref: "#/components/schemas/Problem" };

/** The RFC 9457 problem answers a route can give, by status. */
export const problems = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((c) => [
      c,
      { description: "RFC 9457 problem", content: { "application/problem+json": { schema: problemRef } } },
    ]),
  );

/** An optional query parameter (a string unless said otherwise). */
export const inQuery = (name: string, schema: unknown = { type: "string" }, description?: string) => ({
  name,
  in: "query",
  required: false,
  schema,
  ...(description ? { description } : {}),
});

/** The optional query parameters a zod object schema validates, in its order. */
export const queryParamsOf = (schema: z.ZodObject) =>
  Object.entries(z.toJSONSchema(schema, { io: "input" }).properties ?? {}).map(([name, property]) =>
    inQuery(name, property),
  );

/** A path parameter. */
export const inPath = (name: string, schema: unknown = { type: "string" }) => ({
  name,
  in: "path",
  required: true,
  schema,
});

export const pairPath = [inPath("tenantId", { type: "string", format: "uuid" }), inPath("workload")];
export const asOfQuery = inQuery("asOf", { type: "string", format: "date-time" });

/** A required request body: media type -> schema. */
export const body = (content: Record<string, unknown>) => ({
  required: true,
  content: Object.fromEntries(Object.entries(content).map(([type, schema]) => [type, { schema }])),
});

/** An answer, with a body of these media types when given. */
export const answer = (description: string, content?: Record<string, unknown>) => ({
  description,
  ...(content
    ? { content: Object.fromEntries(Object.entries(content).map(([type, schema]) => [type, { schema }])) }
    : {}),
});

interface Operation {
  description?: string;
  /** Who may call: the partner's API key (the default), a webhook signature, or anyone. */
  auth?: "apiKey" | "webhookSignature" | "anyone";
  parameters?: unknown[];
  requestBody?: unknown;
  /** Answers by status, problems included. */
  answers: Record<number, unknown>;
}

const operation = (summary: string, { auth = "apiKey", answers, ...rest }: Operation) => ({
  summary,
  ...rest,
  ...(auth === "anyone" ? {} : { security: [{ [auth]: [] }] }),
  responses: answers,
});

/** A path's GET operation. */
export const get = (summary: string, op: Operation) => ({ get: operation(summary, op) });
/** A path's POST operation. */
export const post = (summary: string, op: Operation) => ({ post: operation(summary, op) });
