// The refusal log and the delivery counters of each source, both off the path that stores an
// accepted event: a refusal is written only when a record is refused; counters are in memory.
import type { FieldError } from "../../domain/events.ts";

/** One refused CRM record, kept so the partner can see and fix what the CRM sent. */
export interface Refusal {
  /** Derived from the source and the record's content: the CRM's retry of the same record is one entry. */
  id: string;
  partnerId: string;
  source: string;
  /** When it was (last) refused. */
  at: string;
  /** Where the record sat in its delivery, e.g. `$.notifications.Notification[2]`. */
  record: string;
  errors: FieldError[];
}

export interface RefusalLog {
  keep(refusals: readonly Refusal[]): Promise<void>;
  /** How many records the source has had refused, and the newest few. */
  summary(partnerId: string, source: string, newest: number): Promise<{ count: number; newest: Refusal[] }>;
}

export interface Activity {
  /** Since when this instance counts (its start): counters are not kept across restarts or instances. */
  since: string;
  lastDeliveryAt: string | null;
  delivered: number;
  duplicates: number;
  refused: number;
  unauthorized: number;
}

/** Per-source counters of this instance: one map update per delivery, no I/O. */
export class SourceActivity {
  private readonly bySource = new Map<string, Activity>();

  constructor(private readonly since: Date) {}

  count(source: string, at: Date, change: Partial<Omit<Activity, "since" | "lastDeliveryAt">>): void {
    const activity = this.read(source);
    if (!change.unauthorized) activity.lastDeliveryAt = at.toISOString();
    activity.delivered += change.delivered ?? 0;
    activity.duplicates += change.duplicates ?? 0;
    activity.refused += change.refused ?? 0;
    activity.unauthorized += change.unauthorized ?? 0;
    this.bySource.set(source, activity);
  }

  read(source: string): Activity {
    const found = this.bySource.get(source);
    if (found) return found;
    return {
      since: this.since.toISOString(),
      lastDeliveryAt: null,
      delivered: 0,
      duplicates: 0,
      refused: 0,
      unauthorized: 0,
    };
  }
}
