// GET /api/pairs and GET /api/pairs/{tenantId}/{workload}: a partner's pairs and their verdicts.
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import { z } from "zod";
import { PAGE_TOKEN_ERROR, PageTokenInvalid } from "../application/page-token.ts";
import { problemOf } from "../application/problem.ts";
import { services } from "../composition/services.ts";
import { whenSchema } from "../domain/instants.ts";
import { CLAIM_STATUSES, ELIGIBILITIES, STAGE_VALUES } from "../domain/pair-state.ts";
import { forKeyHolder, json, notFound, queryErrors } from "./http.ts";
import { defineHttp } from "./registry.ts";
import { pairReadRequest } from "./route-params.ts";

// One reader of dates and instants for every route (domain/instants.ts): a date is its whole UTC day.
const instant = whenSchema;

export const PairListQuery = z.object({
  stage: z.enum(STAGE_VALUES).optional(),
  eligibility: z.enum(ELIGIBILITIES).optional(),
  status: z.enum(CLAIM_STATUSES).optional(),
  claimableNow: z.enum(["true", "false"]).optional(),
  windowWithinDays: z.coerce.number().int().min(0).max(3660).optional(),
  /** Part of the customer's name or of the tenant id, any case. */
  search: z.string().max(200).optional(),
  /** Re-derive every pair at this instant instead of now (the board's "as of" view). */
  asOf: instant.optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  continuationToken: z.string().max(2000).optional(),
});

export const listPairs = forKeyHolder(async (request, partnerId) => {
  const query = PairListQuery.safeParse(Object.fromEntries(request.query.entries()));
  if (!query.success) return problemOf("invalid-request", { errors: queryErrors(query.error) });
  const { limit, continuationToken, claimableNow, asOf, ...filters } = query.data;
  const { pairs } = await services();
  try {
    const page = await pairs.list(
      partnerId,
      { ...filters, ...(claimableNow ? { claimableNow: claimableNow === "true" } : {}) },
      continuationToken,
      limit,
      asOf,
    );
    return json(200, page);
  } catch (error) {
    if (error instanceof PageTokenInvalid)
      return problemOf("invalid-request", { errors: [PAGE_TOKEN_ERROR] });
    throw error;
  }
});

export async function getPair(request: HttpRequest): Promise<HttpResponseInit> {
  const read = await pairReadRequest(request);
  if ("response" in read) return read.response;
  const { pairs } = await services();
  const state = await pairs.pair(read.partnerId, read.tenantId, read.workload, read.asOf);
  // Another partner's pair is answered exactly like a pair that does not exist.
  return state ? json(200, state) : notFound("This pair");
}

defineHttp({ name: "pairs", route: "pairs", methods: ["GET"], handler: listPairs });
defineHttp({ name: "pair", route: "pairs/{tenantId}/{workload}", methods: ["GET"], handler: getPair });
