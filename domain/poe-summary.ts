import { type CalendarDate, dateOf, maxDate } from "./dates.ts";
import type { EventOf } from "./events.ts";
import { isSubstantialAdoption, NO_FACTS, type PairFacts, recordFact, type TimedEvent } from "./facts.ts";
import type { PairState } from "./pair-state.ts";
import {
  engagementEnd,
  engagementStart,
  POE_RULES,
  type PoeMissingCode,
  type PoeRecommendedCode,
  poeItem,
} from "./poe-check.ts";
import {
  adoptionKind,
  formatWord,
  joinAnd,
  offeringWord,
  oneLine,
  plural,
  segmentWord,
  signerWords,
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
    if (e.type === "skilling.certification.recorded" || isInert(e)) continue;
    if (e.tenantid === undefined || e.tenantid.toLowerCase() !== tenant) continue;
    if (e.type !== "tenant.profiled" && e.workload !== state.workload) continue;
    const key = `${e.source}\u0000${e.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(t);
  }
  return out;
}

type Timed<T extends TimedEvent["event"]["type"]> = TimedEvent & { event: EventOf<T> };

function ofType<T extends TimedEvent["event"]["type"]>(events: readonly TimedEvent[], type: T): Timed<T>[] {
  return events.filter((t): t is Timed<T> => t.event.type === type);
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

// ---------------------------------------------------------------------------------------------------
// Appendix

function appendix(state: PairState, events: readonly TimedEvent[], facts: PairFacts): string[] {
  const out: string[] = [];
  const t = facts.tenant;
  if (t) {
    const about = [`tenant ${state.tenantId}`, segmentWord(t.segment), t.country];
    about.push(t.publicSector ? "public sector" : "private sector");
    out.push(`Customer: ${oneLine(t.customerName)} (${about.join(", ")}).`);
  } else out.push(`Customer tenant: ${state.tenantId}.`);
  out.push(`Partner ID: ${state.partnerId}. Workload: ${state.workload}. As of: ${state.asOf}.`, "");

  out.push("### Timeline", "");
  if (events.length === 0) out.push("- No events recorded.");
  for (const e of events) out.push(`- ${e.date} — ${describe(e)}`);

  out.push("", "### Scope", "");
  const s = facts.scope;
  const scope: string[] = [];
  if (s.description) scope.push(`- Description: ${oneLine(s.description)}`);
  const start = engagementStart(facts);
  const end = engagementEnd(facts);
  if (start || end) scope.push(`- Dates: ${start ?? "start not given"} to ${end ?? "end not given"}`);
  const users = s.usersInScope ?? facts.usersInScope;
  if (users !== undefined) scope.push(`- Users in scope: ${users}`);
  if (s.customerNeed) scope.push(`- Customer need: ${oneLine(s.customerNeed)}`);
  if (s.customerBenefit) scope.push(`- Benefit to the customer: ${oneLine(s.customerBenefit)}`);
  if (s.meetingsHeld !== undefined) scope.push(`- Meetings held: ${s.meetingsHeld}`);
  else if (facts.meetings > 0) scope.push(`- Meetings held (adoption activities): ${facts.meetings}`);
  if (s.migratingFrom) scope.push(`- Migrating from: ${oneLine(s.migratingFrom)}`);
  out.push(...(scope.length ? scope : ["- No scope described."]));

  out.push("", "### Activities", "");
  const activities = activityLines(events, facts);
  out.push(...(activities.length ? activities : ["- No delivery activities recorded."]));

  out.push("", "### Documents", "");
  if (facts.documents.length === 0) out.push("- No documents attached.");
  for (const d of facts.documents) {
    const mentions = d.workloadsMentioned.length ? d.workloadsMentioned.join(", ") : "none";
    let line =
      `- ${oneLine(d.fileName)} — ${documentKind(d.kind)}, attached ${d.attachedOn}; ` +
      `SHA-256 \`${d.sha256.toLowerCase()}\`; ${d.size} bytes; workloads mentioned: ${mentions}`;
    if (d.tenantIdOnDocument !== undefined)
      line += `; tenant on the document: ${oneLine(d.tenantIdOnDocument)}`;
    out.push(line);
  }

  out.push("", "### Acknowledgement", "");
  if (facts.acknowledgements.length === 0) out.push("- No customer acknowledgement recorded.");
  for (const a of [...facts.acknowledgements].sort((x, y) => cmp(x.signedOn, y.signedOn))) {
    out.push(
      `- Signed on ${a.signedOn} by ${signerWords(a.signer)}; format: ${formatWord(a.format)}; ` +
        `workloads acknowledged: ${a.workloads.length ? a.workloads.join(", ") : "none"}`,
    );
  }

  if (facts.disclosedOn) {
    out.push("", "### Fee disclosure", "");
    out.push(`- The public-sector fee disclosure was given on ${facts.disclosedOn}.`);
  }
  return out;
}

function activityLines(events: readonly TimedEvent[], facts: PairFacts): string[] {
  const out: string[] = [];
  for (const t of events) {
    const e = t.event;
    switch (e.type) {
      case "deployment.started":
      case "deployment.completed":
      case "adoption.activity.logged":
      case "presales.engagement.delivered":
      case "presales.milestone.reached":
        out.push(`- ${t.date} — ${describe(t)}`);
        break;
      default:
        break;
    }
  }
  const ms = facts.managedServices;
  if (ms) {
    out.push(
      `- Managed services: ${offeringWord(ms.offering)}, started ${ms.startedOn}` +
        (ms.endedOn ? `, ended ${ms.endedOn}` : ", ongoing"),
    );
  }
  return out;
}

/** One event in human words (no raw JSON). */
function describe(t: TimedEvent): string {
  const e = t.event;
  switch (e.type) {
    case "tenant.profiled": {
      const d = e.data;
      const parts = [segmentWord(d.segment), d.country, d.publicSector ? "public sector" : "private sector"];
      if (d.paidSeats !== undefined) parts.push(plural(d.paidSeats, "paid seat"));
      if (d.studentSeats !== undefined) parts.push(plural(d.studentSeats, "student seat"));
      return `Customer profiled: ${oneLine(d.customerName)} (${parts.join(", ")})`;
    }
    case "presales.engagement.delivered":
      return `Presales ${e.data.program} engagement delivered: ${oneLine(e.data.engagement)}, ${e.data.startDate} to ${e.data.endDate}`;
    case "presales.milestone.reached":
      return `Presales ${e.data.program} milestone reached: ${oneLine(e.data.milestone)}${e.data.paid ? " (paid)" : ""}`;
    case "deployment.started": {
      const d = e.data;
      const parts = [d.activities.map(words).join(", "), `${deliveryWord(d.delivery)} delivery`];
      if (d.plannedStart) parts.push(`planned start ${d.plannedStart}`);
      if (d.plannedEnd) parts.push(`planned end ${d.plannedEnd}`);
      if (d.usersInScope !== undefined) parts.push(`${d.usersInScope} users in scope`);
      return `Deployment started: ${parts.join("; ")}`;
    }
    case "deployment.completed":
      return (
        `Deployment completed on ${e.data.completedOn}` +
        (e.data.usersDeployed !== undefined ? `; ${e.data.usersDeployed} users deployed` : "")
      );
    case "adoption.activity.logged": {
      const d = e.data;
      const parts = [d.handsOn ? "hands-on" : "not hands-on", audienceWords(d.audience)];
      parts.push(`${deliveryWord(d.delivery)} delivery`);
      if (d.durationDays !== undefined) parts.push(plural(d.durationDays, "day"));
      if (d.meetings !== undefined) parts.push(plural(d.meetings, "meeting"));
      if (d.recommendations !== undefined) parts.push(plural(d.recommendations, "recommendation"));
      return `Adoption activity, ${adoptionKind(d.kind)}: ${parts.join(", ")}`;
    }
    case "guidance.session.logged":
      return `Guidance session of ${e.data.minutes} minutes: ${oneLine(e.data.topic)}`;
    case "support.case.logged":
      return `Support case: ${words(e.data.kind)}${e.data.caseRef ? ` (${oneLine(e.data.caseRef)})` : ""}`;
    case "managed-services.started":
      return `Managed services started: ${offeringWord(e.data.offering)}`;
    case "managed-services.ended":
      return `Managed services ended${e.data.reason ? `: ${oneLine(e.data.reason)}` : ""}`;
    case "engagement.scope.described": {
      const d = e.data;
      const parts: string[] = [];
      if (d.startDate || d.endDate)
        parts.push(`${d.startDate ?? "start not given"} to ${d.endDate ?? "end not given"}`);
      if (d.usersInScope !== undefined) parts.push(`${d.usersInScope} users in scope`);
      if (d.meetingsHeld !== undefined) parts.push(plural(d.meetingsHeld, "meeting") + " held");
      if (d.migratingFrom) parts.push(`migrating from ${oneLine(d.migratingFrom)}`);
      return `Scope described${parts.length ? `: ${parts.join(", ")}` : ""}`;
    }
    case "acknowledgement.recorded": {
      const d = e.data;
      return (
        `Customer acknowledgement (${formatWord(d.format)}) signed on ${d.signedOn} by ${signerWords(d.signer)}, ` +
        `for ${d.workloads.length ? d.workloads.join(", ") : "no named workload"}`
      );
    }
    case "disclosure.recorded":
      return `Public-sector fee disclosure given on ${e.data.disclosedOn}`;
    case "poe.document.attached":
      return `Document attached: ${oneLine(e.data.fileName)} (${documentKind(e.data.kind)})`;
    case "claim.submitted":
      return `Claim ${oneLine(e.data.claimId)} submitted on ${e.data.submittedOn} (${words(e.data.claimType)})`;
    case "claim.info-requested":
      return (
        `More information requested on claim ${oneLine(e.data.claimId)}` +
        (e.data.comment ? `: ${oneLine(e.data.comment)}` : "") +
        (e.data.respondBy ? `; respond by ${e.data.respondBy}` : "")
      );
    case "claim.resubmitted":
      return `Claim ${oneLine(e.data.claimId)} resubmitted${e.data.comment ? `: ${oneLine(e.data.comment)}` : ""}`;
    case "claim.approved":
      return `Claim ${oneLine(e.data.claimId)} approved on ${e.data.approvedOn}`;
    case "claim.rejected":
      return `Claim ${oneLine(e.data.claimId)} rejected: ${oneLine(e.data.reason)}`;
    case "claim.declined":
      return `Claim ${oneLine(e.data.claimId)} declined by the customer${e.data.reason ? `: ${oneLine(e.data.reason)}` : ""}`;
    case "claim.disassociated":
      return `Claim ${oneLine(e.data.claimId)} disassociated: ${oneLine(e.data.reason)}`;
    case "usage.reported":
      return `Usage reported for ${e.data.month}: ${e.data.mau} monthly active users, ${e.data.pau} paid available units`;
    case "skilling.certification.recorded":
      return `Certification ${oneLine(e.data.certification)} earned by ${oneLine(e.data.person)} on ${e.data.earnedOn}`;
    case "event.voided":
      return `Event ${oneLine(e.data.voidedId)} voided by ${oneLine(e.data.by)}: ${oneLine(e.data.reason)}`;
    case "earning.reported":
      return `Partner Center earning ${oneLine(e.data.earningId)} for ${e.data.month}: ${e.data.earningAmountUSD} USD`;
    case "usage.ineligible":
      return `Partner Center reported ${e.data.month} ineligible (${e.data.compensableUnits} compensable units)${e.data.reason ? `: ${oneLine(e.data.reason)}` : ""}`;
  }
}

// ---------------------------------------------------------------------------------------------------
// Still missing / Recommended

/** One line per item: the state's own message (domain/poe-check.ts), so the wording has one source. */
function itemLine(code: PoeMissingCode | PoeRecommendedCode, state: PairState, facts: PairFacts): string {
  const item =
    state.poe.items?.find((i) => i.code === code) ??
    poeItem(code, {
      facts,
      tenantId: state.tenantId,
      workload: state.workload,
      reference: { on: dateOf(Date.parse(state.asOf)), what: "asOf" },
      asOf: dateOf(Date.parse(state.asOf)),
    });
  return `- ${item.message} (${state.poe.rules[code] ?? POE_RULES[code]}) — \`${code}\``;
}

// ---------------------------------------------------------------------------------------------------
// Wording

/**
 * Free text inside a summary sentence: one line, and no sentence end of its own, so the summary's
 * sentence count stays what the summary writes (a terminator inside becomes `;`, a final one goes).
 */
function inline(text: string): string {
  return oneLine(text)
    .replace(/[.!?]+$/, "")
    .replace(/[.!?]+(?=\s)/g, ";")
    .trim();
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function deliveryWord(delivery: string): string {
  if (delivery === "onsite") return "on-site";
  return delivery;
}

function audienceWords(audience: string): string {
  if (audience === "admins") return "with the customer's admins";
  if (audience === "end-users") return "with end users";
  return "with admins and end users";
}

function documentKind(kind: string): string {
  const names: Record<string, string> = {
    sow: "SOW",
    "poe-template": "POE template",
    roadmap: "roadmap",
    architecture: "architecture map",
    "meeting-notes": "meeting notes",
    acknowledgement: "acknowledgement",
  };
  return names[kind] ?? kind;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
