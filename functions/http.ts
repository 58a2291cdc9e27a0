// Adapts HTTP requests to the application: the caller's partner, query errors, JSON answers (bodies: body.ts).
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { z } from "zod";
import { problemOf } from "../application/problem.ts";
import { services } from "../composition/services.ts";
import { toFieldErrors } from "../domain/events.ts";

/** A query string's validation errors, each path under `$.query`. */
export function queryErrors(error: z.ZodError) {
  return toFieldErrors(error).map((e) => ({ ...e, path: e.path.replace(/^\$/, "$.query") }));
}

/** A route for the partner the caller's API key reads for; without a valid key, the 401 problem. */
export const forKeyHolder =
  (
    handler: (
      request: HttpRequest,
      partnerId: string,
      context?: InvocationContext,
    ) => Promise<HttpResponseInit>,
  ) =>
  async (request: HttpRequest, context?: InvocationContext): Promise<HttpResponseInit> => {
    const caller = await readerPartner(request);
    return "response" in caller ? caller.response : handler(request, caller.partnerId, context);
  };

/** The partner a reader's API key belongs to, or the 401 problem to answer. */
export async function readerPartner(
  request: HttpRequest,
): Promise<{ partnerId: string } | { response: HttpResponseInit }> {
  const { access } = await services();
  const partnerId = access.partnerOfKey(request.headers.get("x-api-key"));
  if (partnerId) return { partnerId };
  return {
    response: problemOf(
      "unauthorized",
      { detail: "Send the partner's API key in the x-api-key header." },
      { headers: { "www-authenticate": 'ApiKey header="x-api-key"' } },
    ),
  };
}

export const json = (status: number, body: unknown): HttpResponseInit => ({ status, jsonBody: body });

export const notFound = (what: string): HttpResponseInit =>
  problemOf("not-found", { detail: `${what} does not exist.` });
