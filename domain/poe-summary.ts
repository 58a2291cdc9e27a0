import { type CalendarDate, dateOf, maxDate } from "./dates.ts";
import { isSubstantialAdoption, NO_FACTS, type PairFacts, recordFact, type TimedEvent } from "./facts.ts";
import type { PairState } from "./pair-state.ts";
import { appendix, itemLine, ofType, type Timed } from "./poe-appendix.ts";
import { engagementEnd, engagementStart } from "./poe-check.ts";
import { streamKindOf } from "./streams.ts";
import {
  adoptionKind,
  audienceWords,
  capitalize,
  deliveryWord,
  inline,
  joinAnd,
  offeringWord,
  oneLine,
  plural,
  words,
} from "./verdict-text.ts";
import { isInert } from "./voids.ts";

// The POE summary a Microsoft reviewer wants to read, as Markdown the partner pastes into the claim
// form: a title, a summary of at most five sentences, an appendix with the evidence, then what is
// still missing (blocking, POE-1..7) and what is recommended (POE-8..11). Pure and deterministic:
// the text depends on the input only (no clock, no locale).

export interface PoeSummaryInput {
  /** The pair's derived state at `asOf` (evaluatePair / verdictAt). */
  readonly state: PairState;
  /**
   * The pair's and its tenant's events in business-time order (distinctInBusinessOrder). Events of
   * other pairs or partners, duplicates by (source, id) and events after `state.asOf` are ignored.
   */
  readonly events: readonly TimedEvent[];
  /** The pair's folded facts; recomputed from `events` with recordFact when absent. */
  readonly facts?: PairFacts;
}

/** Longest the summary may run, in sentences (countSentences). */
export const MAX_SUMMARY_SENTENCES = 5;

/** At most this many adoption activities are named in the summary; the appendix lists them all. */
const MAX_ADOPTION_CLAUSES = 3;

/**
 * Counts sentences: a sentence ends with `.`, `!` or `?` (a run of them counts once) followed by
 * whitespace or the end of the text; trailing words without a terminator count as one more.
 * Markdown heading lines (`# …`) are not sentences and are skipped. "1.5" holds no sentence end.
 */
export function countSentences(text: string): number {
  const body = text
    .split("\n")
    .filter((line) => !/^\s*#/.test(line))
    .join("\n");
  let count = 0;
  let last = 0;
  const end = /[.!?]+(?=\s|$)/g;
  for (let m = end.exec(body); m !== null; m = end.exec(body)) {
    count++;
    last = m.index + m[0].length;
  }
  return /\S/.test(body.slice(last)) ? count + 1 : count;
}

/** Builds the Markdown POE summary of one pair. Same input, same text. */
export function poeSummary(input: PoeSummaryInput): string {
  const { state } = input;
  const asOfMs = Date.parse(state.asOf);
  const asOf = dateOf(asOfMs);
  const events = pairEvents(input.events, state, asOfMs);
  const facts = input.facts ?? events.reduce(recordFact, NO_FACTS);
  const name = facts.tenant?.customerName ? oneLine(facts.tenant.customerName) : state.tenantId;

  const out: string[] = [];
  out.push(`# POE summary — ${name} — ${state.workload}`, "");
  out.push(summarySentences(state, events, facts, asOf).join(" "), "");
  out.push("## Appendix", "", ...appendix(state, events, facts), "");
  out.push("## Still missing", "");
  out.push(...(state.poe.missing.length ? state.poe.missing.map((c) => itemLine(c, state, facts)) : []));
  if (state.poe.missing.length === 0) out.push("Nothing is missing.");
  out.push("", "## Recommended", "");
  out.push(...state.poe.recommended.map((c) => itemLine(c, state, facts)));
  if (state.poe.recommended.length === 0) out.push("Nothing is missing.");
  return `${out.join("\n")}\n`;
}

// ---------------------------------------------------------------------------------------------------
// Events of this pair

function pairEvents(events: readonly TimedEvent[], state: PairState, asOfMs: number): TimedEvent[] {
  const tenant = state.tenantId.toLowerCase();
  const seen = new Set<string>();
  const out: TimedEvent[] = [];
  for (const t of events) {
    const e = t.event;
    if (t.timeMs > asOfMs || e.partnerid !== state.partnerId) continue;
    // Voids and what they voided are not evidence (the timeline keeps them; the summary does not).
    const kind = streamKindOf(e.type);
    if (kind === "partner" || isInert(e)) continue;
    if (e.tenantid === undefined || e.tenantid.toLowerCase() !== tenant) continue;
    if (kind === "pair" && e.workload !== state.workload) continue;
    const key = `${e.source}\u0000${e.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(t);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Summary: at most five sentences, each left out when its facts are absent

function summarySentences(
  state: PairState,
  events: readonly TimedEvent[],
  facts: PairFacts,
  asOf: CalendarDate,
): string[] {
  const sentences: string[] = [];
  const scope = facts.scope;

  // 1. The customer-specific scope (POE-4).
  if (scope.description && inline(scope.description)) sentences.push(`Scope: ${inline(scope.description)}.`);

  // 2. The customer's need and benefit (POE-9).
  const need = scope.customerNeed ? inline(scope.customerNeed) : "";
  const benefit = scope.customerBenefit ? inline(scope.customerBenefit) : "";
  if (need && benefit) sentences.push(`Customer need: ${need}; benefit to the customer: ${benefit}.`);
  else if (need) sentences.push(`Customer need: ${need}.`);
  else if (benefit) sentences.push(`Benefit to the customer: ${benefit}.`);

  // 3. Workload, users in scope, engagement dates, meetings held, delivery (POE-5, POE-8, POE-10, ACT-2).
  let engagement = `The engagement covers the ${state.workload} workload`;
  const users = scope.usersInScope ?? facts.usersInScope;
  if (users !== undefined) engagement += ` for ${users} users in scope`;
  const dates = engagementDates(engagementStart(facts), engagementEnd(facts), asOf);
  if (dates) engagement += `, ${dates}`;
  const tail: string[] = [];
  const meetings = scope.meetingsHeld ?? (facts.meetings > 0 ? facts.meetings : undefined);
  if (meetings !== undefined)
    tail.push(`${meetings} ${meetings === 1 ? "meeting was" : "meetings were"} held`);
  const delivery = deliveries(events);
  if (delivery.length) tail.push(`delivery is ${joinAnd(delivery.map(deliveryWord))}`);
  sentences.push(tail.length ? `${engagement}; ${joinAnd(tail)}.` : `${engagement}.`);

  // 4. The work done and planned: deployment, substantial adoption, managed services.
  const work = workClauses(events, facts);
  if (work.length) sentences.push(`${capitalize(work.join("; "))}.`);

  // 5. Presales, as context.
  const presales = presalesClauses(events);
  if (presales.length) sentences.push(`For context, presales work included ${joinAnd(presales)}.`);

  return sentences;
}

function engagementDates(
  start: CalendarDate | undefined,
  end: CalendarDate | undefined,
  asOf: CalendarDate,
): string {
  if (start && end) {
    if (start > asOf) return `planned from ${start} to ${end}`;
    if (end >= asOf) return `from ${start} with a planned end of ${end}`;
    return `from ${start} to ${end}`;
  }
  if (start) return start > asOf ? `planned to start on ${start}` : `starting on ${start}`;
  if (end) return end >= asOf ? `with a planned end of ${end}` : `ending on ${end}`;
  return "";
}

function deliveries(events: readonly TimedEvent[]): string[] {
  const out: string[] = [];
  for (const t of events) {
    const e = t.event;
    if (e.type !== "deployment.started" && e.type !== "adoption.activity.logged") continue;
    if (!out.includes(e.data.delivery)) out.push(e.data.delivery);
  }
  return out;
}

function workClauses(events: readonly TimedEvent[], facts: PairFacts): string[] {
  const clauses: string[] = [];
  const started = ofType(events, "deployment.started");
  const completed = ofType(events, "deployment.completed");
  if (started.length) {
    const activities: string[] = [];
    let plannedStart: CalendarDate | undefined;
    let plannedEnd: CalendarDate | undefined;
    for (const t of started) {
      for (const a of t.event.data.activities) if (!activities.includes(a)) activities.push(a);
      plannedStart ??= t.event.data.plannedStart;
      plannedEnd = maxDate(plannedEnd, t.event.data.plannedEnd);
    }
    const first = started[0]!.date;
    let clause = `deployment work (${joinAnd(activities.map(words))}) started on ${first}`;
    if (plannedStart && plannedEnd) clause += `, planned from ${plannedStart} to ${plannedEnd}`;
    else if (plannedStart) clause += `, with a planned start of ${plannedStart}`;
    else if (plannedEnd) clause += `, with a planned end of ${plannedEnd}`;
    clauses.push(clause);
  }
  if (completed.length) {
    const on = completed.reduce<CalendarDate | undefined>(
      (a, t) => maxDate(a, t.event.data.completedOn),
      undefined,
    );
    const deployed = completed.findLast((t) => t.event.data.usersDeployed !== undefined)?.event.data
      .usersDeployed;
    const subject = started.length ? "deployment was completed" : "deployment completed";
    clauses.push(`${subject} on ${on}${deployed !== undefined ? ` with ${deployed} users deployed` : ""}`);
  }
  const adoption = ofType(events, "adoption.activity.logged").filter(isSubstantialAdoption);
  for (const t of adoption.slice(0, MAX_ADOPTION_CLAUSES)) clauses.push(adoptionClause(t));
  if (adoption.length > MAX_ADOPTION_CLAUSES) {
    const more = adoption.length - MAX_ADOPTION_CLAUSES;
    clauses.push(`${more} further adoption ${more === 1 ? "activity is" : "activities are"} in the appendix`);
  }
  const ms = facts.managedServices;
  if (ms) {
    clauses.push(
      `managed services (${offeringWord(ms.offering)}) started on ${ms.startedOn}` +
        (ms.endedOn ? ` and ended on ${ms.endedOn}` : ""),
    );
  }
  return clauses;
}

function adoptionClause(t: Timed<"adoption.activity.logged">): string {
  const d = t.event.data;
  const days = d.durationDays ? `${d.durationDays}-day ` : "";
  const handsOn = d.handsOn ? "hands-on " : "";
  const noun = d.kind === "health-check" || d.kind === "end-user-training" ? "" : " engagement";
  let clause = `a ${days}${handsOn}${adoptionKind(d.kind)}${noun} ${audienceWords(d.audience)} began on ${t.date}`;
  const extras: string[] = [];
  if (d.meetings !== undefined) extras.push(plural(d.meetings, "meeting"));
  if (d.recommendations !== undefined) extras.push(plural(d.recommendations, "recommendation"));
  if (extras.length) clause += `, with ${joinAnd(extras)}`;
  return clause;
}

function presalesClauses(events: readonly TimedEvent[]): string[] {
  const out: string[] = [];
  for (const t of events) {
    const e = t.event;
    if (e.type === "presales.engagement.delivered")
      out.push(
        `the ${e.data.program} ${inline(e.data.engagement)} from ${e.data.startDate} to ${e.data.endDate}`,
      );
    else if (e.type === "presales.milestone.reached")
      out.push(
        `${e.data.program} ${inline(e.data.milestone)}${e.data.paid ? " (paid)" : ""} reached on ${t.date}`,
      );
  }
  return out;
}
