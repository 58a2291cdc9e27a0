// The telemetry port: counters the application and its readers share (GET /api/sources reads them),
// and the correlation every log line of an invocation carries. No Azure or OpenTelemetry import:
// infra/telemetry plugs a sink in (OpenTelemetry metrics) and writes the lines.

export type CounterName = "events.accepted" | "events.duplicates" | "events.refused" | "alerts.raised";

/** Dimensions of a counter; partnerId always, source where a CRM source is known, reason for refusals. */
export type CounterAttributes = Readonly<Record<string, string>>;

export interface CounterSink {
  add(name: CounterName, value: number, attributes: CounterAttributes): void;
}

export interface CounterReading {
  name: CounterName;
  attributes: CounterAttributes;
  value: number;
}

/**
 * In-process counters since this instance started (each Functions instance counts its own; Azure
 * Monitor sums instances through the sinks). Cheap: one map update per call.
 */
export class Counters {
  readonly #values = new Map<string, CounterReading>();
  readonly #sinks: CounterSink[] = [];

  add(name: CounterName, value: number, attributes: CounterAttributes = {}): void {
    if (!(value > 0)) return;
    const ordered = Object.fromEntries(Object.entries(attributes).sort(([a], [b]) => a.localeCompare(b)));
    const key = `${name}\u0000${JSON.stringify(ordered)}`;
    const reading = this.#values.get(key);
    if (reading) reading.value += value;
    else this.#values.set(key, { name, attributes: ordered, value });
    for (const sink of this.#sinks) sink.add(name, value, ordered);
  }

  /** Every reading whose attributes include all of `filter`'s. */
  read(filter: CounterAttributes = {}): CounterReading[] {
    return [...this.#values.values()]
      .filter((r) => Object.entries(filter).every(([k, v]) => r.attributes[k] === v))
      .map((r) => ({ ...r }));
  }

  /** The sum of one counter over the readings matching `filter`. */
  total(name: CounterName, filter: CounterAttributes = {}): number {
    return this.read(filter)
      .filter((r) => r.name === name)
      .reduce((sum, r) => sum + r.value, 0);
  }

  addSink(sink: CounterSink): void {
    this.#sinks.push(sink);
  }

  reset(): void {
    this.#values.clear();
  }
}

/** The process's counters: one per instance, as the Functions worker runs one app per process. */
export const counters = new Counters();

// ---- secrets --------------------------------------------------------------------------------------------

const secrets = new Set<string>();

/**
 * Values no log line may carry (source secrets, API keys, keys): the composition root registers what
 * it is configured with, and the log writer redacts them. Shorter than 8 characters they are ignored.
 */
export function registerSecrets(values: Iterable<string | undefined>): void {
  for (const value of values) if (value && value.length >= 8) secrets.add(value);
}

export function knownSecrets(): ReadonlySet<string> {
  return secrets;
}

// ---- correlation ----------------------------------------------------------------------------------------

/**
 * What every log line of an invocation carries; fields are added as the handler learns them. One object
 * per invocation, created by functions/registry.ts and passed explicitly (the handler's context holds
 * it), not kept in an AsyncLocalStorage: on Node 20 that turns on promise hooks for every promise of the
 * process, a measured 4-12% of the ingest path's CPU (docs/DECISIONS.md, "Ingest CPU").
 */
export interface Correlation {
  invocationId: string;
  functionName: string;
  /** The event ids the invocation handles (one for a single delivery). */
  eventId?: string | string[];
  /** `partner|tenant|workload` stream ids the invocation touches. */
  pair?: string | string[];
  [field: string]: unknown;
}

/** Adds fields to an invocation's correlation (no-op without one). Arrays of one collapse to the value. */
export function annotate(
  correlation: Correlation | undefined,
  fields: Partial<Omit<Correlation, "invocationId" | "functionName">>,
): void {
  if (!correlation) return;
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    correlation[key] = Array.isArray(value) && value.length === 1 ? value[0] : value;
  }
}

/**
 * Event ids and stream ids of a delivery as parsed JSON (before validation: a refused delivery is
 * correlated too). Only strings that look like ids are taken; at most 50 of each keep lines short.
 */
export function deliveryCorrelation(body: unknown): { eventId?: string[]; pair?: string[] } {
  const items = (Array.isArray(body) ? body : [body]).slice(0, 500);
  const ids = new Set<string>();
  const pairs = new Set<string>();
  const text = (v: unknown) => (typeof v === "string" && v.length > 0 && v.length <= 200 ? v : undefined);
  for (const item of items) {
    if (!item || typeof item !== "object") continue;
    const e = item as Record<string, unknown>;
    const id = text(e.id);
    if (id && ids.size < 50) ids.add(id);
    const partner = text(e.partnerid);
    if (!partner) continue;
    const parts = [partner, text(e.tenantid)?.toLowerCase(), text(e.workload)].filter(Boolean);
    if (pairs.size < 50) pairs.add(parts.join("|"));
  }
  return {
    ...(ids.size ? { eventId: [...ids] } : {}),
    ...(pairs.size ? { pair: [...pairs] } : {}),
  };
}

/** Correlation of a change-feed batch of event documents: their stream ids and event ids. */
export function changeFeedCorrelation(documents: readonly unknown[]): {
  eventId?: string[];
  pair?: string[];
} {
  const ids = new Set<string>();
  const pairs = new Set<string>();
  for (const d of documents) {
    if (!d || typeof d !== "object") continue;
    const doc = d as { streamId?: unknown; events?: unknown };
    if (typeof doc.streamId === "string" && pairs.size < 50) pairs.add(doc.streamId);
    if (!Array.isArray(doc.events)) continue;
    for (const e of doc.events) {
      const id = (e as { id?: unknown } | null)?.id;
      if (typeof id === "string" && ids.size < 50) ids.add(id);
    }
  }
  return {
    ...(ids.size ? { eventId: [...ids] } : {}),
    ...(pairs.size ? { pair: [...pairs] } : {}),
  };
}

// ---- ingestion ------------------------------------------------------------------------------------------

interface Ingests<O> {
  ingest(body: unknown, partnerId: string): Promise<O>;
}
type IngestResult = { kind: "accepted"; accepted: number; duplicates: number } | { kind: string };

/** Counts what every ingestion path (CRM deliveries, the board, imports) accepted, found duplicate or refused. */
export function countIngestion<O extends IngestResult, T extends Ingests<O>>(ingestion: T): T {
  const inner = ingestion.ingest.bind(ingestion);
  ingestion.ingest = async (body: unknown, partnerId: string): Promise<O> => {
    const outcome = await inner(body, partnerId);
    if ("accepted" in outcome) {
      counters.add("events.accepted", outcome.accepted, { partnerId });
      counters.add("events.duplicates", outcome.duplicates, { partnerId });
    } else {
      const events = Array.isArray(body) ? body.length : 1;
      counters.add("events.refused", events, { partnerId, reason: outcome.kind });
    }
    return outcome;
  };
  return ingestion;
}

/**
 * The ingestion as one invocation uses it: each delivery's event ids and pairs go on that invocation's
 * log lines (its correlation), then the delivery is ingested as usual.
 */
export function correlatedIngestion<T extends Ingests<unknown>>(ingestion: T, correlation?: Correlation): T {
  if (!correlation) return ingestion;
  const view = Object.create(ingestion) as T;
  view.ingest = (body: unknown, partnerId: string) => {
    annotate(correlation, deliveryCorrelation(body));
    return ingestion.ingest(body, partnerId);
  };
  return view;
}
