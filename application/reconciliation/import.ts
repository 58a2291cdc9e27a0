// Streams one Partner Center export into the event store: parsed a record at a time (csv-parse),
// each row validated and mapped (rows.ts), bad rows and unplaced rows listed by line while good rows
// are stored through ingestion in batches, a bounded number in flight (bounded memory whatever the
// file's size). Re-importing a file, or a re-download of it, stores nothing twice.
import { Readable } from "node:stream";
import { parse } from "csv-parse";
import { streamIdOf, validateEvent } from "../../domain/events.ts";
import { type Ingestion, MAX_BATCH } from "../ingestion.ts";
import {
  type ReportKind,
  type RowContext,
  type RowProblem,
  reportKindOf,
  rowToEvents,
  type Unplaced,
} from "./rows.ts";

/** At most this many problems and unplaced rows are listed (the counts stay exact). */
export const LISTED_MAX = 1000;
// Two batches in flight: one storing while the next is parsed; a batch of 500 rows for 500 pairs is already 500 appends at once.
const IN_FLIGHT = 2;
// Rows of many customers (an export ordered by date) make one append each: at most this many appends
// per batch, so an import never opens thousands of requests at once.
const MAX_STREAMS = 100;

export interface ImportProgress {
  rows: number;
  stored: number;
}

export interface ImportResult {
  fileName: string;
  report: ReportKind | null;
  rows: number;
  events: number;
  accepted: number;
  duplicates: number;
  badRows: number;
  unplacedRows: number;
  problems: RowProblem[];
  unplaced: Unplaced[];
}

export interface ImportOptions {
  partnerId: string;
  fileName: string;
  /** TPID → tenant id; the claims export adds to it (import claims first). */
  tpids?: Map<string, string>;
  /** TPID → tenant id as the store knows it (claims imported earlier); asked once, at the first unknown TPID. */
  knownTpids?: () => Promise<Map<string, string>>;
  /** Called every `progressEvery` rows and at the end. */
  onProgress?: (p: ImportProgress) => void;
  progressEvery?: number;
}

export async function importExport(
  ingestion: Ingestion,
  input: Readable | AsyncIterable<Buffer | string>,
  options: ImportOptions,
): Promise<ImportResult> {
  const ctx: RowContext = {
    partnerId: options.partnerId,
    fileName: options.fileName,
    tpids: options.tpids ?? new Map(),
  };
  const result: ImportResult = {
    fileName: options.fileName,
    report: null,
    rows: 0,
    events: 0,
    accepted: 0,
    duplicates: 0,
    badRows: 0,
    unplacedRows: 0,
    problems: [],
    unplaced: [],
  };
  let kind: ReportKind | undefined;
  let askStore = options.knownTpids;
  const parser = parse({
    bom: true,
    columns: (header: string[]) => {
      const names = header.map((h) => h.trim());
      kind = reportKindOf(names);
      if (!kind) throw new UnknownReport(names);
      result.report = kind;
      return names;
    },
    relax_column_count: true,
    skip_empty_lines: true,
    info: true,
  });

  let batch: Parameters<Ingestion["ingest"]>[0][] = [];
  const streams = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  const flush = async () => {
    if (batch.length === 0) return;
    const events = batch;
    batch = [];
    streams.clear();
    const p = ingestion.ingest(events, options.partnerId).then(
      (outcome) => {
        if (outcome.kind !== "accepted") throw new Error(`checked rows refused: ${JSON.stringify(outcome)}`);
        result.accepted += outcome.accepted;
        result.duplicates += outcome.duplicates;
      },
      (error) => {
        failure ??= error;
      },
    );
    const tracked = p.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    if (failure) throw failure;
  };
  const every = options.progressEvery ?? 50_000;

  const stream = input instanceof Readable ? input : Readable.from(input);
  stream.once("error", (error) => parser.destroy(error));
  const records = stream.pipe(parser) as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number };
  }>;
  try {
    for await (const { record, info } of records) {
      result.rows++;
      const line = info.lines;
      let outcome = rowToEvents(kind!, record, line, ctx);
      if (outcome.kind === "unplaced" && outcome.tpid && askStore) {
        askStore = undefined;
        for (const [tpid, tenant] of await options.knownTpids!())
          if (!ctx.tpids.has(tpid)) ctx.tpids.set(tpid, tenant);
        outcome = rowToEvents(kind!, record, line, ctx);
      }
      if (outcome.kind === "bad") {
        result.badRows++;
        if (result.problems.length < LISTED_MAX) result.problems.push(...outcome.problems);
      } else if (outcome.kind === "unplaced") {
        result.unplacedRows++;
        if (result.unplaced.length < LISTED_MAX) result.unplaced.push(outcome.unplaced);
      } else {
        const checked = outcome.events.map(validateEvent);
        const bad = checked.flatMap((v) => (v.ok ? [] : v.errors));
        if (bad.length > 0) {
          result.badRows++;
          if (result.problems.length < LISTED_MAX)
            result.problems.push(...bad.map((e) => ({ line, column: e.path, message: e.message })));
        } else {
          if (outcome.tpid) ctx.tpids.set(outcome.tpid.tpid, outcome.tpid.tenantId);
          result.events += outcome.events.length;
          batch.push(...outcome.events);
          for (const e of outcome.events) streams.add(streamIdOf(e));
          if (batch.length >= MAX_BATCH || streams.size >= MAX_STREAMS) await flush();
        }
      }
      if (result.rows % every === 0)
        options.onProgress?.({ rows: result.rows, stored: result.accepted + result.duplicates });
    }
    await flush();
    await Promise.all(inFlight);
    if (failure) throw failure;
  } catch (error) {
    await Promise.allSettled(inFlight);
    if (error instanceof UnknownReport || (error as { cause?: unknown }).cause instanceof UnknownReport) {
      const e = error instanceof UnknownReport ? error : (error as { cause: UnknownReport }).cause;
      result.badRows = 1;
      result.problems.push({ line: 1, column: "$", message: e.message });
      return result;
    }
    if ((error as { code?: string }).code?.startsWith("CSV_")) {
      const e = error as Error & { lines?: number };
      result.badRows++;
      result.problems.push({
        line: e.lines ?? result.rows + 1,
        column: "$",
        message: `not CSV: ${e.message}`,
      });
      return result;
    }
    throw error;
  }
  options.onProgress?.({ rows: result.rows, stored: result.accepted + result.duplicates });
  return result;
}

class UnknownReport extends Error {
  constructor(header: string[]) {
    super(
      `not a Partner Center export the tracker reads (header ${header.slice(0, 6).join(", ")}…): expected the Earnings – Default report (earningId), the Ineligible revenue usage report (customerIdType, compensableUnits) or the customer-claims export (associationId, status)`,
    );
  }
}
