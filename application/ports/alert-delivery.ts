// The alert delivery port's types: what application/ hands to a deliverer and gets back. The webhook
// deliverer (infra/alerts/delivery.ts) and its Teams card (infra/alerts/teams-message.ts) implement it.
import type { DueAlert } from "../../domain/alert-schedule.ts";
import type { CalendarDate } from "../../domain/dates.ts";

/** A raised alert with the pair it belongs to, as delivered. */
export interface OutboundAlert extends DueAlert {
  partnerId: string;
  tenantId: string;
  workload: string;
  /** The day the timer raised it (the `today` given to dueAlerts). */
  raisedOn?: CalendarDate;
}

/** How an alert webhook's body is written: a Standard Webhooks JSON event, or a Teams card. */
export const WEBHOOK_FORMATS = ["standard", "teams"] as const;

export interface WebhookConfig {
  url: string;
  /** `whsec_<base64>` (Standard Webhooks); a raw string is used as UTF-8 key bytes (see webhookKey). */
  secret: string;
  format: (typeof WEBHOOK_FORMATS)[number];
}

export interface DeliveryAttempt {
  /** When the attempt started (ISO 8601). */
  at: string;
  httpStatus?: number;
  error?: string;
  durationMs: number;
}

export const DELIVERY_STATUSES = ["pending", "delivered", "failed"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface DeliveryRecord {
  /** The alert key (= webhook-id). */
  key: string;
  status: DeliveryStatus;
  attempts: DeliveryAttempt[];
  /** Why it failed (or why it is still pending), in a line. */
  error?: string;
  /** The last error thrown by `onAttempt`, which never stops a delivery. */
  progressError?: string;
}

export interface AttemptEvent {
  alert: OutboundAlert;
  /** A copy of the record after this attempt; `status` is final unless it is still "pending". */
  record: DeliveryRecord;
  attempt: DeliveryAttempt;
}

/**
 * Delivers each alert to its partner's webhook; resolves (never rejects) with one record per alert, in
 * the order given. `previousAttempts` are an earlier run's attempts, counted toward its limit.
 */
export type DeliverAlerts = (
  alerts: readonly OutboundAlert[],
  config: (alert: OutboundAlert) => WebhookConfig,
  options: { previousAttempts?: ReadonlyMap<string, readonly DeliveryAttempt[]> },
) => Promise<DeliveryRecord[]>;
