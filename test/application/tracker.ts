// The application tier wired on in-memory adapters, for given/when/then tests of the use cases through
// their ports (application/ports/): the same wiring as composition/build.ts, without Cosmos or Blob.
import { AlertCalendar, type AlertDocument, ClaimWindows } from "../../application/claim-windows.ts";
import { EventRecorder } from "../../application/event-recorder.ts";
import { HeadStore } from "../../application/head-store.ts";
import { Ingestion } from "../../application/ingestion.ts";
import { PageTokens } from "../../application/page-token.ts";
import { PairQueries } from "../../application/pair-queries.ts";
import type { ProjectionDocument } from "../../application/stream-head.ts";
import type { EngagementEvent } from "../../domain/events.ts";
import { InMemoryEventStore } from "../../infra/event-store.ts";
import { PARTNER } from "../domain/given.ts";
import { InMemoryDocuments } from "./memory-documents.ts";

export function tracker(now = "2025-06-02T09:00:00Z") {
  let clockAt = new Date(now);
  const clock = () => clockAt;
  const store = new InMemoryEventStore(clock);
  const heads = new InMemoryDocuments<ProjectionDocument>((d) => d.partnerId);
  const alerts = new InMemoryDocuments<AlertDocument>((d) => d.partnerId);
  const calendar = new AlertCalendar();
  const projections = new HeadStore(store, heads, calendar, clock);
  const ingestion = new Ingestion(new EventRecorder(projections, () => 0));
  const pairs = new PairQueries(heads, store, clock, new PageTokens("test"));
  const claimWindows = new ClaimWindows(heads, alerts, calendar);
  return {
    store,
    heads,
    alerts,
    projections,
    ingestion,
    pairs,
    claimWindows,
    setNow: (instant: string) => {
      clockAt = new Date(instant);
    },
    /** Given: events already delivered (each stream's batch in one delivery). */
    async given(...events: EngagementEvent[]) {
      const outcome = await ingestion.ingest(events, PARTNER);
      if (outcome.kind !== "accepted") throw new Error(`given events refused: ${JSON.stringify(outcome)}`);
      return this;
    },
  };
}
