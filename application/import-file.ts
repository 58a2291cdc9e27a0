// The board's Import: an NDJSON export (one CloudEvent a line) checked whole, dry-run through the same
// code as `npm run evaluate`, then stored through ingestion. One bad line stores nothing.
import { parseExactJson } from "../domain/event-limits.ts";
import { type EngagementEvent, streamKindOf, validateEvent } from "../domain/events.ts";
import type { PairState } from "../domain/pair-state.ts";
import { evaluateLines } from "./evaluate-file.ts";
import { type Ingestion, MAX_BATCH } from "./ingestion.ts";

export interface LineError {
  line: number;
  path: string;
  message: string;
}

export type ImportCheck = { ok: true; events: EngagementEvent[] } | { ok: false; errors: LineError[] };

/** Every line validated; lines are counted from 1, blank lines skipped but counted. */
export function checkLines(text: string, partnerId: string): ImportCheck {
  const events: EngagementEvent[] = [];
  const errors: LineError[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === "") return;
    // What JSON.parse would lose (duplicate keys, inexact numbers, __proto__) and the limits, as POST /events.
    const read = parseExactJson(raw);
    if (read.kind === "not-json") {
      errors.push({ line, path: "$", message: `not JSON (${read.message})` });
      return;
    }
    if (read.kind === "inexact") {
      for (const e of read.errors) errors.push({ line, ...e });
      return;
    }
    const v = validateEvent(read.value);
    if (!v.ok) for (const e of v.errors) errors.push({ line, ...e });
    else if (v.event.partnerid !== partnerId)
      errors.push({ line, path: "$.partnerid", message: `this key writes for partner ${partnerId} only` });
    else events.push(v.event);
  });
  if (errors.length === 0 && events.length === 0)
    errors.push({ line: 1, path: "$", message: "the file holds no events" });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, events };
}

/** The verdicts the file alone gives at `asOf`, by the evaluator's own code. */
export async function dryRun(text: string, asOf: string): Promise<PairState[]> {
  const states: PairState[] = [];
  for await (const s of evaluateLines(text.split(/\r?\n/), asOf, () => {})) states.push(s);
  return states;
}

/**
 * Stores a checked file: tenant events first (a pair then starts from its tenant's profile), in
 * batches ingestion accepts. The events keep their own `source` and `id`, so importing an export the
 * CRM also delivers (or importing it twice) stores each event once.
 */
export async function storeImport(ingestion: Ingestion, events: EngagementEvent[], partnerId: string) {
  const ordered = [...events].sort(
    (a, b) => Number(streamKindOf(a.type) === "pair") - Number(streamKindOf(b.type) === "pair"),
  );
  let accepted = 0;
  let duplicates = 0;
  for (let i = 0; i < ordered.length; i += MAX_BATCH) {
    const outcome = await ingestion.ingest(ordered.slice(i, i + MAX_BATCH), partnerId);
    if (outcome.kind !== "accepted") throw new Error(`checked events refused: ${JSON.stringify(outcome)}`);
    accepted += outcome.accepted;
    duplicates += outcome.duplicates;
  }
  return { accepted, duplicates };
}
