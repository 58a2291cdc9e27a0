// GET /api/alerts' read: a partner's alerts, newest first, filtered, a page at a time. The query lives
// here, beside the port it runs on, so functions/ only adapts the request and the answer.
import { z } from "zod";
import { WINDOW_CODES, type WindowCode } from "../domain/pair-state.ts";
import type { AlertDocument } from "./claim-windows.ts";
import { DELIVERY_STATUSES } from "./ports/alert-delivery.ts";
import type { DocumentCollection, QueryParameter } from "./ports/document-collection.ts";

/** An alert's delivery status: the deliverer's, or `not-configured` when its partner has no webhook. */
export const ALERT_DELIVERY_STATUSES = [...DELIVERY_STATUSES, "not-configured"] as const;
export type AlertDeliveryStatus = (typeof ALERT_DELIVERY_STATUSES)[number];

/** GET /api/alerts' query string; functions/openapi.ts documents the parameters from this schema. */
export const AlertQuery = z.object({
  since: z.iso.datetime({ offset: true }).optional(),
  windowCode: z.enum(WINDOW_CODES).optional(),
  tenantId: z.guid().optional(),
  workload: z.string().optional(),
  deliveryStatus: z.enum(ALERT_DELIVERY_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  continuationToken: z.string().optional(),
});

export interface AlertFilters {
  /** An RFC 3339 instant: alerts raised at or after it. */
  since?: string | undefined;
  windowCode?: WindowCode | undefined;
  tenantId?: string | undefined;
  workload?: string | undefined;
  deliveryStatus?: AlertDeliveryStatus | undefined;
}

/**
 * One page of at most `limit` alerts. Keeps asking the store until the page is full, so a short store
 * page never hides alerts further on; `continuationToken` is the store's, for the caller to seal.
 */
export async function alertPage(
  alerts: DocumentCollection<AlertDocument>,
  partnerId: string,
  filters: AlertFilters,
  limit: number,
  storeToken: string | undefined,
): Promise<{ items: AlertDocument[]; continuationToken: string | undefined }> {
  const where = ["c.partnerId = @partnerId"];
  const params: QueryParameter[] = [{ name: "@partnerId", value: partnerId }];
  const filter = (clause: string, name: string, value: string | undefined) => {
    if (value === undefined) return;
    where.push(clause);
    params.push({ name, value });
  };
  filter("c.raisedAt >= @since", "@since", filters.since && new Date(filters.since).toISOString());
  filter("c.code = @code", "@code", filters.windowCode);
  filter("c.tenantId = @tenantId", "@tenantId", filters.tenantId?.toLowerCase());
  filter("c.workload = @workload", "@workload", filters.workload);
  filter("c.delivery.status = @status", "@status", filters.deliveryStatus);
  const sql = `SELECT * FROM c WHERE ${where.join(" AND ")} ORDER BY c.raisedAt DESC`;
  const items: AlertDocument[] = [];
  let next = storeToken;
  do {
    const page = await alerts.query<AlertDocument>(partnerId, sql, params, {
      maxItemCount: limit - items.length,
      ...(next ? { continuationToken: next } : {}),
    });
    items.push(...page.items);
    next = page.continuationToken;
  } while (next && items.length < limit);
  return { items, continuationToken: next };
}
