import type { PoeDocumentStore } from "../infra/blob/poe-documents.ts";
import type { CosmosConnection, CosmosContainers } from "../infra/cosmos/client.ts";
import { byPartner, DocumentCollection } from "../infra/cosmos/documents.ts";
import { CosmosEventStore } from "../infra/cosmos/event-store.ts";
import { Access, type AccessConfig } from "./access.ts";
import { EventRecorder } from "./event-recorder.ts";
import { Ingestion } from "./ingestion.ts";
import { PairQueries } from "./pair-queries.ts";
import { PoeEvidence } from "./poe-evidence.ts";
import { type AlertScheduling, NO_ALERTS, type ProjectionDocument } from "./projection.ts";
import { Projections } from "./projections.ts";
import { Projector } from "./projector.ts";

/** Everything the function handlers call, wired once per process (the composition root). */
export interface Services {
  access: Access;
  ingestion: Ingestion;
  pairs: PairQueries;
  projections: Projections;
  projector: Projector;
  cosmos: CosmosConnection;
  containers: CosmosContainers;
  documents?: PoeDocumentStore;
  evidence?: PoeEvidence;
  recorder: EventRecorder;
  clock: () => Date;
}

export interface ServiceOptions {
  cosmos: CosmosConnection;
  containers: CosmosContainers;
  access: AccessConfig;
  documents?: PoeDocumentStore;
  alerts?: AlertScheduling;
  clock?: () => Date;
}

export function buildServices(options: ServiceOptions): Services {
  const clock = options.clock ?? (() => new Date());
  const store = new CosmosEventStore(options.containers.events);
  const docs = new DocumentCollection<ProjectionDocument>(options.containers.pairs, byPartner);
  const projections = new Projections(store, docs, options.alerts ?? NO_ALERTS, clock);
  const recorder = new EventRecorder(projections);
  return {
    access: new Access(options.access),
    ingestion: new Ingestion(recorder),
    recorder,
    pairs: new PairQueries(docs, clock),
    projections,
    projector: new Projector(projections),
    cosmos: options.cosmos,
    containers: options.containers,
    ...(options.documents
      ? { documents: options.documents, evidence: new PoeEvidence(options.documents, docs, recorder, clock) }
      : {}),
    clock,
  };
}

let current: Promise<Services> | undefined;
let factory: (() => Promise<Services>) | undefined;

/** The dev host and tests install their services; in Azure the first call builds them from app settings. */
export function installServices(services: Services | (() => Promise<Services>)): void {
  factory = typeof services === "function" ? services : async () => services;
  current = undefined;
}

export function services(): Promise<Services> {
  if (!current) {
    const build = factory ?? (async () => (await import("./services-from-env.ts")).servicesFromEnv());
    current = build();
    current.catch(() => {
      current = undefined; // a failed start is retried by the next call, not cached
    });
  }
  return current;
}
