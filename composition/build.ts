// The composition root: wires infra/ adapters into application/'s use cases (composition/ is the one
// folder that may import both; .dependency-cruiser.cjs). services.ts keeps the per-process registry.

import { Access, type AccessConfig } from "../application/access.ts";
import { AlertCalendar, type AlertDocument, ClaimWindows } from "../application/claim-windows.ts";
import { EventRecorder } from "../application/event-recorder.ts";
import { HeadStore } from "../application/head-store.ts";
import { Ingestion } from "../application/ingestion.ts";
import { PageTokens } from "../application/page-token.ts";
import { PairQueries } from "../application/pair-queries.ts";
import { PoeEvidence } from "../application/poe-evidence.ts";
import { Projector } from "../application/projector.ts";
import { type ScoreDocument, Scoring } from "../application/scoring.ts";
import { SourceDeliveries } from "../application/sources/deliveries.ts";
import type { ProjectionDocument } from "../application/stream-head.ts";
import { countIngestion, registerSecrets } from "../application/telemetry.ts";
import { deliverAlerts, type WebhookConfig } from "../infra/alerts/delivery.ts";
import type { PoeDocumentStore } from "../infra/blob/poe-documents.ts";
import type { CosmosConnection, CosmosContainers } from "../infra/cosmos/client.ts";
import { byPartner, DocumentCollection } from "../infra/cosmos/documents.ts";
import { CosmosEventStore } from "../infra/cosmos/event-store.ts";
import { CosmosRefusalLog } from "../infra/cosmos/refusal-log.ts";

/** Everything the function handlers call, wired once per process (the composition root). */
export interface Services {
  access: Access;
  ingestion: Ingestion;
  /** CRM deliveries in their own formats (CONNECTORS.md), translated and ingested. */
  sources: SourceDeliveries;
  pairs: PairQueries;
  projections: HeadStore;
  projector: Projector;
  /** The Solutions Partner for Security read model (container `scores`). */
  scoring: Scoring;
  cosmos: CosmosConnection;
  containers: CosmosContainers;
  documents?: PoeDocumentStore;
  evidence?: PoeEvidence;
  recorder: EventRecorder;
  claimWindows: ClaimWindows;
  alerts: DocumentCollection<AlertDocument>;
  /** Seals the continuation tokens of GET /api/pairs and GET /api/alerts. */
  pageTokens: PageTokens;
  clock: () => Date;
}

export interface ServiceOptions {
  cosmos: CosmosConnection;
  containers: CosmosContainers;
  access: AccessConfig;
  documents?: PoeDocumentStore;
  /** Days before a window closes at which to alert (default 30, 14, 7, 1). */
  alertThresholds?: readonly number[];
  /** Partners' outbound alert webhooks. */
  alertWebhooks?: readonly AlertWebhook[];
  alertDelivery?: Parameters<typeof deliverAlerts>[2];
  clock?: () => Date;
  /** TRACKER_PAGE_TOKEN_KEY; random per process when absent. */
  pageTokenKey?: string;
}

export interface AlertWebhook extends WebhookConfig {
  partnerId: string;
}

export function buildServices(options: ServiceOptions): Services {
  // What this instance is configured with never reaches a log line.
  registerSecrets([
    ...options.access.sources.flatMap((s) => s.secrets),
    ...options.access.apiKeys.map((k) => k.key),
    ...(options.alertWebhooks ?? []).flatMap((w) => [w.secret, w.url]),
    options.pageTokenKey,
  ]);
  const clock = options.clock ?? (() => new Date());
  const store = new CosmosEventStore(options.containers.events);
  const docs = new DocumentCollection<ProjectionDocument>(options.containers.pairs, byPartner);
  const calendar = new AlertCalendar(options.alertThresholds);
  const projections = new HeadStore(store, docs, calendar, clock);
  const alerts = new DocumentCollection<AlertDocument>(options.containers.alerts, byPartner);
  const webhooks = new Map((options.alertWebhooks ?? []).map((w) => [w.partnerId, w] as const));
  const claimWindows = new ClaimWindows(
    docs,
    alerts,
    calendar,
    (p) => webhooks.get(p),
    (alerts, config, run) => deliverAlerts(alerts, config, { ...options.alertDelivery, ...run }),
  );
  const recorder = new EventRecorder(projections);
  const ingestion = countIngestion(new Ingestion(recorder));
  const pageTokens = new PageTokens(options.pageTokenKey);
  const scoring = new Scoring(
    new DocumentCollection<ScoreDocument>(options.containers.scores, byPartner),
    docs,
    clock,
  );
  return {
    access: new Access(options.access),
    ingestion,
    sources: new SourceDeliveries(
      options.access.sources,
      ingestion,
      new CosmosRefusalLog(options.containers.refusals),
      clock,
    ),
    recorder,
    claimWindows,
    alerts,
    pairs: new PairQueries(docs, store, clock, pageTokens),
    pageTokens,
    projections,
    projector: new Projector(projections, scoring),
    scoring,
    cosmos: options.cosmos,
    containers: options.containers,
    ...(options.documents
      ? { documents: options.documents, evidence: new PoeEvidence(options.documents, docs, recorder, clock) }
      : {}),
    clock,
  };
}
