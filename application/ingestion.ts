import {
  type EngagementEvent,
  type FieldError,
  streamIdOf,
  streamKindOfId,
  validateEvent,
} from "../domain/events.ts";
import type { EventRecorder } from "./event-recorder.ts";
import { type PairDocument, pairSummary } from "./stream-head.ts";

export const MAX_BATCH = 500;

export type IngestOutcome =
  | { kind: "accepted"; accepted: number; duplicates: number; pairs: ReturnType<typeof pairSummary>[] }
  | { kind: "invalid"; errors: FieldError[] }
  | { kind: "forbidden"; errors: FieldError[] };

/**
 * Records a delivery of one event or a batch. The whole delivery is validated first: one bad item
 * refuses it all and nothing is stored. Each stream's events are appended together, exactly once.
 */
export class Ingestion {
  constructor(private readonly recorder: EventRecorder) {}

  async ingest(body: unknown, partnerId: string): Promise<IngestOutcome> {
    const batch = Array.isArray(body);
    const items: unknown[] = batch ? body : [body];
    if (batch && items.length === 0)
      return { kind: "invalid", errors: [{ path: "$", message: "the batch is empty" }] };
    if (items.length > MAX_BATCH) {
      return {
        kind: "invalid",
        errors: [{ path: "$", message: `a batch holds at most ${MAX_BATCH} events, got ${items.length}` }],
      };
    }
    const events: EngagementEvent[] = [];
    const invalid: FieldError[] = [];
    const forbidden: FieldError[] = [];
    items.forEach((item, i) => {
      const prefix = batch ? `$[${i}]` : "$";
      const v = validateEvent(item);
      if (!v.ok) {
        for (const e of v.errors) invalid.push({ path: prefix + e.path.slice(1), message: e.message });
      } else if (v.event.partnerid !== partnerId) {
        forbidden.push({
          path: `${prefix}.partnerid`,
          message: `this source may only write for partner ${partnerId}`,
        });
      } else events.push(v.event);
    });
    if (invalid.length > 0) return { kind: "invalid", errors: invalid };
    if (forbidden.length > 0) return { kind: "forbidden", errors: forbidden };

    const byStream = new Map<string, EngagementEvent[]>();
    for (const e of events) {
      const id = streamIdOf(e);
      const list = byStream.get(id);
      if (list) list.push(e);
      else byStream.set(id, [e]);
    }
    // Tenant streams first: a batch's new pairs then start from the tenant profile it carries.
    const streams = [...byStream];
    const record = (kind: (id: string) => boolean) =>
      Promise.all(streams.filter(([id]) => kind(id)).map(([id, list]) => this.recorder.record(id, list)));
    const tenantResults = await record((id) => streamKindOfId(id) !== "pair");
    const results = [...tenantResults, ...(await record((id) => streamKindOfId(id) === "pair"))];
    const pairs = new Map<string, PairDocument>();
    for (const r of results) for (const p of r.pairs) pairs.set(p.id, p);
    return {
      kind: "accepted",
      accepted: results.reduce((n, r) => n + r.accepted.length, 0),
      duplicates: results.reduce((n, r) => n + r.duplicates.length, 0),
      pairs: [...pairs.values()].map(pairSummary),
    };
  }
}
