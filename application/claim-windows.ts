import {
  DEFAULT_ALERT_THRESHOLDS,
  type DueAlert,
  dueAlerts,
  nextCheckOn,
  normalizeThresholds,
} from "../domain/alert-schedule.ts";
import { dateOf } from "../domain/dates.ts";
import { canonicalInstant } from "../domain/fold.ts";
import type { PairState } from "../domain/pair-state.ts";
import type { DeliverAlerts, DeliveryRecord, OutboundAlert, WebhookConfig } from "./ports/alert-delivery.ts";
import { type DocumentCollection, DocumentConflict, type Versioned } from "./ports/document-collection.ts";
import {
  type AlertScheduling,
  eventsAfterCut,
  type PairDocument,
  type ProjectionDocument,
  pairStateAt,
} from "./stream-head.ts";

/** A raised claim-window alert, stored once per (pair, window code, closesOn, threshold): its id is the key. */
export interface AlertDocument extends OutboundAlert {
  id: string;
  raisedAt: string;
  delivery: { status: DeliveryRecord["status"] | "not-configured"; attempts: DeliveryRecord["attempts"] };
}

export interface ClaimWindowsRun {
  today: string;
  duePairs: number;
  raised: AlertDocument[];
  alreadyRaised: number;
}

/**
 * The next date a pair needs the timer: an alert due and not raised, a window closing (time alone
 * changes the windows then), or an event dated later than now coming into effect.
 */
export class AlertCalendar implements AlertScheduling {
  readonly thresholds: readonly number[];
  constructor(thresholds: readonly number[] = DEFAULT_ALERT_THRESHOLDS) {
    this.thresholds = normalizeThresholds(thresholds);
  }

  nextAlertOn(doc: PairDocument, state: PairState, from: string, now: Date): string | null {
    let next = nextCheckOn({
      pairId: doc.id,
      windows: state.windows,
      today: from,
      thresholds: this.thresholds,
      raised: new Set(doc.raisedAlerts),
    });
    // An event dated after now changes the windows once it takes effect: look again that day (or
    // at `from`, when it takes effect before the next look anyway).
    const nowMs = now.getTime();
    for (const e of eventsAfterCut(doc)) {
      const at = Date.parse(e.time);
      if (at <= nowMs) continue;
      const on = dateOf(at) < from ? from : dateOf(at);
      if (next === null || on < next) next = on;
    }
    return next;
  }
}

/**
 * The claimWindows timer: raises each due alert exactly once, however often or concurrently it runs,
 * touching only the pairs whose next alert date has come (one query by date, then at most two
 * requests per due pair: create the alert, replace the pair's head).
 */
export class ClaimWindows {
  constructor(
    private readonly pairs: DocumentCollection<ProjectionDocument>,
    private readonly alerts: DocumentCollection<AlertDocument>,
    private readonly calendar: AlertCalendar,
    private readonly webhooks: (partnerId: string) => WebhookConfig | undefined = () => undefined,
    /** The webhook deliverer (infra/alerts/delivery.ts), given by the composition root. */
    private readonly deliverAlerts: DeliverAlerts = async () => {
      throw new Error("no alert deliverer was given to ClaimWindows");
    },
  ) {}

  async run(now: Date): Promise<ClaimWindowsRun> {
    const today = dateOf(now.getTime());
    const raised: AlertDocument[] = [];
    let alreadyRaised = 0;
    let duePairs = 0;
    let continuationToken: string | undefined;
    do {
      // Cross-partition by design: one daily query over the date index, never a scan of every pair.
      const page = await this.pairs.queryVersioned(
        undefined,
        "SELECT * FROM c WHERE c.docType = 'pair' AND c.nextAlertOn <= @today",
        [{ name: "@today", value: today }],
        { maxItemCount: 1000, continuationToken },
      );
      continuationToken = page.continuationToken;
      for (const head of page.items) {
        duePairs++;
        const outcome = await this.raiseFor(head as Versioned<PairDocument>, now, today);
        raised.push(...outcome.raised);
        alreadyRaised += outcome.alreadyRaised;
      }
    } while (continuationToken);
    await this.deliver(raised);
    return { today, duePairs, raised, alreadyRaised };
  }

  private async raiseFor(head: Versioned<PairDocument>, now: Date, today: string) {
    const state = pairStateAt(head.doc, canonicalInstant(now.toISOString()));
    const due = dueAlerts({
      pairId: head.doc.id,
      windows: state.windows,
      today,
      thresholds: this.calendar.thresholds,
      raised: new Set(head.doc.raisedAlerts),
    });
    const raised: AlertDocument[] = [];
    let alreadyRaised = 0;
    for (const alert of due) {
      try {
        raised.push((await this.alerts.create(this.alertDocument(head.doc, alert, now))).doc);
      } catch (error) {
        if (!(error instanceof DocumentConflict)) throw error;
        alreadyRaised++; // another run raised it first: exactly once
      }
    }
    await this.recordRaised(head, due, state, now);
    return { raised, alreadyRaised };
  }

  /** Keeps the pair's record of raised alerts and moves its next date past today; etag-checked. */
  private async recordRaised(head: Versioned<PairDocument>, due: DueAlert[], state: PairState, now: Date) {
    const today = dateOf(now.getTime());
    const tomorrow = dateOf(now.getTime() + 86_400_000);
    let current: Versioned<PairDocument> | undefined = head;
    for (let attempt = 1; current && attempt <= 5; attempt++) {
      const keys = new Set([...current.doc.raisedAlerts, ...due.map((a) => a.key)]);
      // Keys of windows that have closed can go: they are never due again.
      const raisedAlerts = [...keys].filter((k) => (k.split(":").at(-2) ?? "") >= today).sort();
      const next: PairDocument = { ...current.doc, raisedAlerts };
      const nextState = current === head ? state : pairStateAt(next, canonicalInstant(now.toISOString()));
      next.nextAlertOn = this.calendar.nextAlertOn(next, nextState, tomorrow, now);
      try {
        await this.pairs.replace(next, current.etag);
        return;
      } catch (error) {
        if (!(error instanceof DocumentConflict)) throw error;
        current = (await this.pairs.read(head.doc.partnerId, head.doc.id)) as
          | Versioned<PairDocument>
          | undefined;
      }
    }
  }

  private alertDocument(doc: PairDocument, alert: DueAlert, now: Date): AlertDocument {
    return {
      ...alert,
      id: alert.key,
      partnerId: doc.partnerId,
      tenantId: doc.tenantId,
      workload: doc.workload,
      raisedOn: dateOf(now.getTime()),
      raisedAt: now.toISOString(),
      delivery: { status: this.webhooks(doc.partnerId) ? "pending" : "not-configured", attempts: [] },
    };
  }

  /**
   * Posts alerts to each partner's webhook: those this run raised, and any a previous run left pending
   * (a crash between raising and delivering). Every attempt is recorded on the alert.
   */
  private async deliver(raised: AlertDocument[]) {
    const pending = await this.alerts.query<AlertDocument>(
      undefined,
      "SELECT * FROM c WHERE c.delivery.status = 'pending'",
      [],
      { maxItemCount: 500 },
    );
    const byId = new Map<string, AlertDocument>();
    for (const a of [...pending.items, ...raised]) if (this.webhooks(a.partnerId)) byId.set(a.id, a);
    const deliverable = [...byId.values()];
    if (deliverable.length === 0) return;
    const previousAttempts = new Map(deliverable.map((a) => [a.key, a.delivery.attempts]));
    const records = await this.deliverAlerts(deliverable, (a) => this.webhooks(a.partnerId)!, {
      previousAttempts,
    });
    await Promise.all(
      records.map((record, i) =>
        this.alerts.upsert({
          ...deliverable[i]!,
          delivery: { status: record.status, attempts: record.attempts },
        }),
      ),
    );
  }
}
