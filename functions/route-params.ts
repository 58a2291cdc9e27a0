// Route parameters arrive percent-decoded, so they can hold anything (`/`, `\`, `#`, NUL): each is
// checked for its own shape before it names a stream, a document or a blob, and refused as 400.
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import { z } from "zod";
import { problemOf } from "../application/problem.ts";
import { parseWhen, WHEN_EXPECTED } from "../domain/instants.ts";
import { readerPartner } from "./http.ts";

const SHAPES: Record<string, { check: (v: string) => boolean; message: string }> = {
  tenantId: {
    check: (v) => z.guid().safeParse(v).success,
    message: "expected the customer's Entra tenant id (GUID)",
  },
  // A well-formed but unknown workload is answered like a pair that does not exist (404).
  workload: { check: (v) => /^[a-z0-9][a-z0-9-]{0,63}$/.test(v), message: "expected a workload id" },
  documentId: { check: (v) => /^[A-Za-z0-9_-]{1,128}$/.test(v), message: "expected a document id" },
};

/** The route's parameters once each has its shape, or the 400 naming every one that does not. */
export function routeParams<K extends keyof typeof SHAPES & string>(
  request: HttpRequest,
  names: readonly K[],
): { params: Record<K, string> } | { response: HttpResponseInit } {
  const errors: { path: string; message: string }[] = [];
  const params = {} as Record<K, string>;
  for (const name of names) {
    const value = request.params[name] ?? "";
    if (!SHAPES[name]!.check(value))
      errors.push({ path: `$.params.${name}`, message: SHAPES[name]!.message });
    params[name] = value;
  }
  if (errors.length > 0) return { response: problemOf("invalid-request", { errors }) };
  return { params };
}

/** `?asOf=` as an instant (a date is its whole UTC day), undefined when absent, or the 400. */
export function asOfParam(request: HttpRequest): { asOf?: string } | { response: HttpResponseInit } {
  const value = request.query.get("asOf");
  if (value === null) return {};
  const when = parseWhen(value);
  if (when) return { asOf: when.instant };
  return {
    response: problemOf("invalid-request", { errors: [{ path: "$.query.asOf", message: WHEN_EXPECTED }] }),
  };
}

/** A partner's read of one pair at an instant: the API key, the pair's route parameters and `asOf`, in that order. */
export async function pairReadRequest(
  request: HttpRequest,
): Promise<
  { partnerId: string; tenantId: string; workload: string; asOf?: string } | { response: HttpResponseInit }
> {
  const caller = await readerPartner(request);
  if ("response" in caller) return caller;
  const route = routeParams(request, ["tenantId", "workload"]);
  if ("response" in route) return route;
  const when = asOfParam(request);
  if ("response" in when) return when;
  return { partnerId: caller.partnerId, ...route.params, ...when };
}
