// POST /api/sources/{source}/deliveries: authenticate per the source, translate the CRM's format into
// CloudEvents record by record, then validate and ingest them exactly as POST /api/events does.
import { createHash } from "node:crypto";
import { EXACTNESS_ONLY, type ExactJson, inspectJson, parseExactJson } from "../../domain/event-limits.ts";
import { type FieldError, validateEvent } from "../../domain/events.ts";
import { type Ingestion, MAX_BATCH } from "../ingestion.ts";
import { type Correlation, correlatedIngestion, counters } from "../telemetry.ts";
import { type AuthResult, authenticate, checkOrganization, type DeliveryRequest } from "./auth.ts";
import { parseSources, type SourceConfig, type SourceFormat, type SourceInput } from "./config.ts";
import { CRM_FORMATS, type CrmFormat } from "./formats.ts";
import { type Mapping, mapRecord, toCrmErrors } from "./mapping.ts";
import { under } from "./path.ts";
import type { CrmRecord, Delivery } from "./records.ts";
import { type Activity, type Refusal, type RefusalLog, SourceActivity } from "./refusals.ts";

export interface RefusedRecord {
  record: string;
  errors: FieldError[];
}

export type DeliveryOutcome =
  | { kind: "unknown-source" }
  | { kind: "unauthorized"; reason: string; detail: string }
  | { kind: "unreadable"; errors: FieldError[] }
  /** A single-record delivery (or a CloudEvents one) whose record was refused: nothing stored. */
  | { kind: "refused"; errors: FieldError[] }
  | { kind: "forbidden"; errors: FieldError[] }
  | {
      kind: "stored";
      format: SourceFormat;
      accepted: number;
      duplicates: number;
      pairs: unknown[];
      refused: RefusedRecord[];
    };

export interface SourceView {
  name: string;
  format: SourceFormat;
  auth: SourceConfig["auth"]["mode"];
  deliveries: string;
  activity: Activity;
  refusalLog: { count: number; newest: Refusal[] };
}

export class SourceDeliveries {
  private readonly sources: Map<string, SourceConfig>;
  private readonly activity: SourceActivity;

  constructor(
    sources: readonly SourceInput[],
    private readonly ingestion: Ingestion,
    private readonly refusals: RefusalLog,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.sources = new Map(parseSources(sources, "sources").map((s) => [s.name, s]));
    this.activity = new SourceActivity(clock());
  }

  /** `correlation`: the invocation's, whose log lines then name the delivery's events and pairs. */
  async receive(name: string, request: DeliveryRequest, correlation?: Correlation): Promise<DeliveryOutcome> {
    const source = this.sources.get(name);
    if (!source) return { kind: "unknown-source" };
    const now = this.clock();
    const auth = authenticate(source, request, now);
    if (!auth.ok) return this.unauthorized(source, now, auth);

    const ingestion = correlatedIngestion(this.ingestion, correlation);
    if (source.format === "cloudevents") return this.cloudEvents(source, request, now, ingestion);
    const delivery = read(source.format, request.body);
    if (!delivery.ok) return { kind: "unreadable", errors: delivery.errors };
    const organization = checkOrganization(source, delivery.organizationId);
    if (!organization.ok) return this.unauthorized(source, now, organization);

    const mapping = source.mapping ?? CRM_FORMATS[source.format].defaultMapping;
    const events: Record<string, unknown>[] = [];
    const refused: RefusedRecord[] = [];
    const keys: string[] = [];
    for (const record of delivery.records) {
      const refusal = translateSafely(mapping, record, source, events);
      if (refusal) {
        refused.push({ record: record.prefix, errors: refusal.errors });
        keys.push(refusal.key);
      }
    }
    if (refused.length > 0) {
      // Refused here, these never reach ingestion's own counters: counted once, with their source.
      counters.add("events.refused", refused.length, {
        partnerId: source.partnerId,
        source: source.name,
        reason: "unmappable",
      });
      await this.log(source, now, refused, keys);
    }
    if (delivery.records.length === 1 && refused.length === 1) {
      this.activity.count(source.name, now, { refused: 1 });
      return { kind: "refused", errors: refused[0]!.errors };
    }
    let accepted = 0;
    let duplicates = 0;
    const pairs: unknown[] = [];
    for (let from = 0; from < events.length; from += MAX_BATCH) {
      const outcome = await ingestion.ingest(events.slice(from, from + MAX_BATCH), source.partnerId);
      // Every event was validated above; a refusal here would be a bug, not bad input.
      if (outcome.kind !== "accepted") throw new Error(`mapped events refused by ingestion: ${outcome.kind}`);
      accepted += outcome.accepted;
      duplicates += outcome.duplicates;
      pairs.push(...outcome.pairs);
    }
    this.activity.count(source.name, now, { delivered: accepted, duplicates, refused: refused.length });
    return { kind: "stored", format: source.format, accepted, duplicates, pairs, refused };
  }

  /** The partner's sources with what this instance counted and what the refusal log kept. */
  async list(partnerId: string): Promise<SourceView[]> {
    const mine = [...this.sources.values()].filter((s) => s.partnerId === partnerId);
    return Promise.all(
      mine.map(async (s) => ({
        name: s.name,
        format: s.format,
        auth: s.auth.mode,
        deliveries: `/api/sources/${s.name}/deliveries`,
        activity: this.activity.read(s.name),
        refusalLog: await this.refusals.summary(partnerId, s.name, 10),
      })),
    );
  }

  private async cloudEvents(
    source: SourceConfig,
    request: DeliveryRequest,
    now: Date,
    ingestion: Ingestion,
  ): Promise<DeliveryOutcome> {
    let read: ExactJson;
    try {
      // What JSON.parse would lose and the event limits, exactly as POST /events checks them.
      read = parseExactJson(new TextDecoder("utf-8", { fatal: true }).decode(request.body));
    } catch (error) {
      read = { kind: "not-json", message: (error as Error).message };
    }
    if (read.kind === "not-json")
      return { kind: "unreadable", errors: [{ path: "$", message: `not UTF-8 JSON: ${read.message}` }] };
    if (read.kind === "inexact") return { kind: "unreadable", errors: read.errors };
    const outcome = await ingestion.ingest(read.value, source.partnerId);
    if (outcome.kind === "invalid") {
      this.activity.count(source.name, now, { refused: Array.isArray(read.value) ? read.value.length : 1 });
      return { kind: "refused", errors: outcome.errors };
    }
    if (outcome.kind === "forbidden") return { kind: "forbidden", errors: outcome.errors };
    this.activity.count(source.name, now, { delivered: outcome.accepted, duplicates: outcome.duplicates });
    const { kind: _accepted, ...result } = outcome;
    return { kind: "stored", format: "cloudevents", ...result, refused: [] };
  }

  private unauthorized(
    source: SourceConfig,
    now: Date,
    auth: Exclude<AuthResult, { ok: true }>,
  ): DeliveryOutcome {
    this.activity.count(source.name, now, { unauthorized: 1 });
    return { kind: "unauthorized", reason: auth.reason, detail: auth.detail };
  }

  private async log(source: SourceConfig, now: Date, refused: RefusedRecord[], keys: string[]) {
    const entries = refused.map((r, i) => ({
      id: `${source.name}:${createHash("sha256").update(keys[i]!).digest("hex").slice(0, 32)}`,
      partnerId: source.partnerId,
      source: source.name,
      at: now.toISOString(),
      record: r.record,
      errors: r.errors,
    }));
    try {
      await this.refusals.keep(entries);
    } catch (error) {
      // The answer to the CRM must not depend on the log: the refusal is still in the response.
      console.error(`refusal log of source ${source.name}: ${(error as Error).message}`);
    }
  }
}

function read(format: Exclude<SourceFormat, "cloudevents">, body: Uint8Array): Delivery {
  try {
    return readText(format, body);
  } catch (error) {
    // Readers recurse over the CRM's structure; a pathologically deep one must be a 400, not a crash.
    if (error instanceof RangeError)
      return { ok: false, errors: [{ path: "$", message: "nested too deeply" }] };
    throw error;
  }
}

function readText(format: Exclude<SourceFormat, "cloudevents">, body: Uint8Array): Delivery {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch {
    return { ok: false, errors: [{ path: "$", message: "the body is not UTF-8" }] };
  }
  const crm: CrmFormat = CRM_FORMATS[format];
  if (crm.body === "text") return crm.read(text);
  // A CRM's body is not an event: only what JSON.parse would lose (a duplicate key, an inexact number,
  // __proto__) is refused here, with the delivery's own size; the events it maps to meet the event limits.
  const read = parseExactJson(text, EXACTNESS_ONLY);
  if (read.kind === "not-json")
    return { ok: false, errors: [{ path: "$", message: `not JSON: ${read.message}` }] };
  if (read.kind === "inexact") return { ok: false, errors: read.errors };
  return crm.read(read.value);
}

function translateSafely(...args: Parameters<typeof translate>): ReturnType<typeof translate> {
  try {
    return translate(...args);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    const record = args[1];
    return { errors: [{ path: record.prefix, message: "nested too deeply" }], key: record.prefix };
  }
}

/**
 * Adds the record's event to `events`, or answers why not, each error naming the CRM field, with a key
 * telling the record apart: the event id it would have had (the CRM's retry forms it again, while
 * HubSpot's eventId and attemptNumber change), else its content.
 */
function translate(
  mapping: Mapping,
  record: CrmRecord,
  source: SourceConfig,
  events: Record<string, unknown>[],
): { errors: FieldError[]; key: string } | undefined {
  const at = (errors: FieldError[]) =>
    errors.map((e) => (e.path.startsWith("$") ? { ...e, path: under(record.prefix, e.path) } : e));
  const mapped = mapRecord(mapping, record.view, {
    source: `crm://${source.format}/${source.name}`,
    partnerId: source.partnerId,
  });
  if (!mapped.ok) return { errors: at(mapped.errors), key: mapped.id ?? JSON.stringify(record.view) };
  const valid = validateEvent(mapped.event);
  if (!valid.ok) {
    return { errors: at(toCrmErrors(valid.errors, mapped.origins)), key: String(mapped.event.id) };
  }
  // The limits every stored event keeps (EVENTS.md "Limits"), checked on the text that will be stored.
  let beyond: FieldError[];
  try {
    beyond = inspectJson(JSON.stringify(mapped.event));
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    beyond = [{ path: "$.data", message: "nested too deeply" }];
  }
  if (beyond.length > 0) {
    return { errors: at(toCrmErrors(beyond, mapped.origins)), key: String(mapped.event.id) };
  }
  events.push(mapped.event);
  return undefined;
}
