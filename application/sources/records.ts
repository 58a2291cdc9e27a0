import type { FieldError } from "../../domain/events.ts";

/** One CRM record as a plain JSON view, and where it sits in the delivery (`$[2]`, `$.notifications.Notification[0]`). */
export interface CrmRecord {
  prefix: string;
  view: unknown;
}

/** A delivery read into its records, or refused whole because it is not the CRM's format at all. */
export type Delivery =
  | { ok: true; records: CrmRecord[]; organizationId?: string }
  | { ok: false; errors: FieldError[] };
