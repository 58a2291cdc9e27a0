// RFC 9457 problem documents: every error the API answers is one of these, with a stable `type`.

import type { FieldError } from "../domain/events.ts";
import { jsonPath } from "../domain/events.ts";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** The closed set of problem kinds the API answers with; `type` URIs derive from these and never change. */
export const problemKinds = {
  "invalid-request": { status: 400, title: "The request is not valid." },
  "invalid-event": { status: 400, title: "One or more events are not valid." },
  unauthorized: { status: 401, title: "The request is not authenticated." },
  "forbidden-partner": { status: 403, title: "The caller may not act for this partner." },
  "not-found": { status: 404, title: "The resource does not exist." },
  "method-not-allowed": { status: 405, title: "The method is not allowed on this resource." },
  conflict: { status: 409, title: "The request conflicts with the current state." },
  "payload-too-large": { status: 413, title: "The request body is too large." },
  "unsupported-media-type": { status: 415, title: "The request body has an unsupported media type." },
  internal: { status: 500, title: "The service failed to handle the request." },
  unavailable: { status: 503, title: "The service is temporarily unavailable." },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemKind = keyof typeof problemKinds;

/** Relative URI reference (RFC 9457 §3.1.1 allows these); resolves against the API's own origin. */
export function problemType(kind: ProblemKind): string {
  return `/problems/${kind}`;
}

/** A failing field: JSONPath into the request body, e.g. `$.data.startDate` or `$[3].tenantid`. */
export type { FieldError } from "../domain/events.ts";

export interface ProblemInit {
  status: number;
  type: string;
  title: string;
  detail?: string;
  errors?: FieldError[];
  /** Extension members (RFC 9457 §3.2), e.g. `instance` or `invocationId`. */
  [extension: string]: unknown;
}

/** The HTTP answer a problem becomes; structurally an Azure Functions `HttpResponseInit`. */
export interface ProblemResponse {
  status: number;
  headers: Record<string, string>;
  jsonBody: Record<string, unknown>;
}

export interface ProblemOptions {
  /** Response headers besides content-type, e.g. `allow` on a 405 or `retry-after` on a 503. */
  headers?: Record<string, string>;
}

export function problem(init: ProblemInit, options: ProblemOptions = {}): ProblemResponse {
  // Drop absent optional members so the document carries no `"detail": null` noise.
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(init)) {
    if (value !== undefined) body[key] = value;
  }
  return {
    status: init.status,
    headers: { ...options.headers, "content-type": PROBLEM_CONTENT_TYPE },
    jsonBody: body,
  };
}

/** A problem of one of the catalogued kinds: status, type and title come from the catalogue. */
export function problemOf(
  kind: ProblemKind,
  fields: Omit<ProblemInit, "status" | "type" | "title"> & { title?: string } = {},
  options: ProblemOptions = {},
): ProblemResponse {
  const { status, title } = problemKinds[kind];
  return problem({ ...fields, status, type: problemType(kind), title: fields.title ?? title }, options);
}

export { jsonPath };

/** The structural part of a zod v4 issue this module reads (works for classic `ZodError` and zod/mini). */
interface IssueLike {
  readonly code?: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly keys?: readonly string[];
}

/** Turns a zod v4 error (or its `issues`) into `errors[]`, one entry per offending field. */
export function fieldErrors(
  error: { readonly issues: readonly IssueLike[] } | readonly IssueLike[],
): FieldError[] {
  const issues: readonly IssueLike[] = "issues" in error ? error.issues : error;
  const errors: FieldError[] = [];
  for (const issue of issues) {
    // zod reports unknown keys on the parent object; point at each key so the caller sees which field to drop.
    if (issue.code === "unrecognized_keys" && issue.keys?.length) {
      for (const key of issue.keys) {
        errors.push({ path: jsonPath([...issue.path, key]), message: "Unrecognized key." });
      }
    } else {
      errors.push({ path: jsonPath(issue.path), message: issue.message });
    }
  }
  return errors;
}
