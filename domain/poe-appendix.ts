// The POE summary's appendix (what happened, dated, with its evidence) and its still-missing and
// recommended lines: the reference half of domain/poe-summary.ts.
import { cmp, dateOf } from "./dates.ts";
import type { EventOf } from "./events.ts";
import type { PairFacts, TimedEvent } from "./facts.ts";
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
  audienceWords,
  deliveryWord,
  documentKind,
  formatWord,
  offeringWord,
  oneLine,
  plural,
  segmentWord,
  signerWords,
  words,
} from "./verdict-text.ts";

export type Timed<T extends TimedEvent["event"]["type"]> = TimedEvent & { event: EventOf<T> };

export function ofType<T extends TimedEvent["event"]["type"]>(
  events: readonly TimedEvent[],
  type: T,
): Timed<T>[] {
  return events.filter((t): t is Timed<T> => t.event.type === type);
}

// ---------------------------------------------------------------------------------------------------
// Appendix

export function appendix(state: PairState, events: readonly TimedEvent[], facts: PairFacts): string[] {
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
export function itemLine(
  code: PoeMissingCode | PoeRecommendedCode,
  state: PairState,
  facts: PairFacts,
): string {
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
