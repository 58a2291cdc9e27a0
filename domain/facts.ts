import { addDays, type CalendarDate, maxDate } from "./dates.ts";
import type { EventOf } from "./events.ts";
import type {
  Anomaly,
  ClaimFacts,
  ClaimLogEntry,
  EligibleWork,
  LightweightWork,
  PairFacts,
  Scope,
  TimedEvent,
} from "./fact-shapes.ts";
import type { RuleId } from "./rules/index.ts";
import { ruleSetOn } from "./rules/index.ts";

// The facts' shapes and the business-time axis live in fact-shapes.ts; re-exported for existing imports.
export * from "./fact-shapes.ts";

/** Adoption is eligible only when hands-on and substantial, judged by the rules at its time (ACT-3/ACT-8). */
export function isSubstantialAdoption(
  e: TimedEvent & { event: EventOf<"adoption.activity.logged"> },
): boolean {
  return failedAdoptionTests(e).length === 0;
}

/** Which of ACT-3's tests an adoption activity fails, by the rules at its time (empty = substantial). */
export function failedAdoptionTests(
  e: TimedEvent & { event: EventOf<"adoption.activity.logged"> },
): ("not-hands-on" | "too-short")[] {
  const rule = ruleSetOn(e.date).substantialAdoption.value;
  const d = e.event.data;
  const failed: ("not-hands-on" | "too-short")[] = [];
  if (rule.handsOn && !d.handsOn) failed.push("not-hands-on");
  if ((d.durationDays ?? 0) < rule.minDays && (d.meetings ?? 0) < rule.minMeetings) failed.push("too-short");
  return failed;
}

/** How many non-eligible activities the facts keep for the verdict's wording (counts stay exact). */
export const LIGHTWEIGHT_KEPT = 5;

const keepLast = <T>(list: readonly T[], item: T): T[] =>
  list.length < LIGHTWEIGHT_KEPT ? [...list, item] : [...list.slice(1 - LIGHTWEIGHT_KEPT), item];

const minDate = (a: CalendarDate | undefined, b: CalendarDate | undefined) =>
  a === undefined ? b : b === undefined ? a : a <= b ? a : b;

type Writable<T> = { -readonly [K in keyof T]: T[K] };
type ListField = "eligibleWork" | "claimLog" | "acknowledgements" | "documents" | "anomalies";
type ListItem<K extends ListField> = PairFacts[K][number];
const OWNED: Record<ListField | "usage", number> = {
  eligibleWork: 1,
  claimLog: 2,
  acknowledgements: 4,
  documents: 8,
  anomalies: 16,
  usage: 32,
};

/**
 * Facts being built by one fold: a private copy that later events change in place. Each list (and
 * the usage record) is copied the first time the draft changes it, and appended to after that, so a
 * fold of n events copies each list once instead of once per event (O(n) instead of O(n²)); whatever
 * the draft started from is never changed. Once the fold ends, `facts` is handed out and never
 * written again.
 */
export class FactsDraft {
  readonly facts: Writable<PairFacts>;
  /** Which lists (and the usage record) this draft has copied: one bit each (OWNED). */
  private owned = 0;

  constructor(from: PairFacts) {
    this.facts = { ...from };
  }

  /** The list `key`, owned by this draft (copied on the first change). */
  list<K extends ListField>(key: K): ListItem<K>[] {
    if (this.owned & OWNED[key]) return this.facts[key] as ListItem<K>[];
    const copy = [...this.facts[key]] as ListItem<K>[];
    (this.facts as Record<K, unknown>)[key] = copy;
    this.owned |= OWNED[key];
    return copy;
  }

  push<K extends ListField>(key: K, item: ListItem<K>): void {
    this.list(key).push(item);
  }

  usage(): Record<string, { mau: number; pau: number }> {
    if (!(this.owned & OWNED.usage)) {
      this.facts.usage = { ...this.facts.usage };
      this.owned |= OWNED.usage;
    }
    return this.facts.usage as Record<string, { mau: number; pau: number }>;
  }
}

/** Folds one event into the facts. Pure; `claim` status itself lives in the machine's claim region. */
export function recordFact(previous: PairFacts, t: TimedEvent): PairFacts {
  // Partner Center's reports: reconciliation reads them from the timeline; no verdict depends on them.
  if (t.event.type === "earning.reported" || t.event.type === "usage.ineligible") return previous;
  const draft = new FactsDraft(previous);
  recordInto(draft, t);
  return draft.facts;
}

/**
 * Folds one event into a draft, in place. Every field is written in the order the immutable form
 * (`{ ...facts, a, b }`) wrote it, so the facts have the same keys in the same order either way.
 */
export function recordInto(draft: FactsDraft, t: TimedEvent): void {
  const e = t.event;
  if (e.type === "earning.reported" || e.type === "usage.ineligible") return;
  const f = draft.facts;
  if (f.firstSeenOn === undefined || t.date < f.firstSeenOn) f.firstSeenOn = t.date;
  switch (e.type) {
    case "tenant.profiled":
      f.tenant = e.data;
      return;
    case "presales.engagement.delivered":
    case "presales.milestone.reached": {
      const seen = f.presalesSeen;
      const program = e.data.program;
      f.presales = f.presales + 1;
      f.presalesSeen = {
        first: minDate(seen?.first, t.date)!,
        last: maxDate(seen?.last, t.date)!,
        programs: seen?.programs.includes(program) ? seen.programs : [...(seen?.programs ?? []), program],
      };
      return;
    }
    case "deployment.started": {
      // Completions that come later in business time extend this lastDay when they are folded.
      const lastDay = maxDate(t.date, e.data.plannedEnd)!;
      draft.push("eligibleWork", {
        kind: "deployment",
        rule: "ACT-1",
        date: t.date,
        lastDay,
        timeMs: t.timeMs,
        ...eventKey(t),
      });
      f.plannedStart = minDate(f.plannedStart, e.data.plannedStart);
      f.plannedEnd = maxDate(f.plannedEnd, e.data.plannedEnd);
      // STATE.md: the `time` of a deployment.started is when the deployment started (POE-5).
      f.workStart = minDate(f.workStart, t.date);
      f.usersInScope = e.data.usersInScope ?? f.usersInScope;
      return;
    }
    case "deployment.completed": {
      // A completion extends every deployment started before it (STATE.md: "any later completedOn").
      const completedOn = e.data.completedOn;
      const extends_ = (w: EligibleWork) =>
        w.kind === "deployment" && w.timeMs <= t.timeMs && completedOn > w.lastDay;
      if (f.eligibleWork.some(extends_)) {
        const list = draft.list("eligibleWork");
        for (let i = 0; i < list.length; i++)
          if (extends_(list[i]!)) list[i] = { ...list[i]!, lastDay: completedOn };
      }
      draft.push("eligibleWork", {
        kind: "deployment",
        rule: "ACT-1",
        date: t.date,
        lastDay: maxDate(t.date, completedOn)!,
        timeMs: t.timeMs,
        ...eventKey(t),
      });
      f.completedOn = maxDate(f.completedOn, completedOn);
      return;
    }
    case "adoption.activity.logged": {
      const d = e.data;
      const meetings = f.meetings + (d.meetings ?? 0);
      // STATE.md: an adoption activity's date starts the engagement (POE-5); its last day ends it.
      const lastDay = d.durationDays && d.durationDays > 0 ? addDays(t.date, d.durationDays - 1) : t.date;
      f.workStart = minDate(f.workStart, t.date);
      f.adoptionEnd = maxDate(f.adoptionEnd, lastDay);
      f.meetings = meetings;
      const failed = failedAdoptionTests(t as TimedEvent & { event: EventOf<"adoption.activity.logged"> });
      if (failed.length > 0) {
        const work: LightweightWork = {
          kind: d.kind,
          date: t.date,
          source: e.source,
          id: e.id,
          failed,
          handsOn: d.handsOn,
          ...(d.durationDays !== undefined ? { days: d.durationDays } : {}),
          ...(d.meetings !== undefined ? { meetings: d.meetings } : {}),
        };
        f.lightweightGuidance = f.lightweightGuidance + 1;
        f.lightweight = keepLast(f.lightweight, work);
        return;
      }
      const rule: RuleId = d.kind === "fasttrack-guidance" ? "ACT-8" : "ACT-3";
      draft.push("eligibleWork", {
        kind: "adoption",
        rule,
        date: t.date,
        lastDay: t.date,
        timeMs: t.timeMs,
        ...eventKey(t),
      });
      return;
    }
    case "guidance.session.logged": {
      const work: LightweightWork = {
        kind: "guidance-session",
        date: t.date,
        source: e.source,
        id: e.id,
        failed: ["guidance-session"],
        minutes: e.data.minutes,
      };
      f.lightweightGuidance = f.lightweightGuidance + 1;
      f.lightweight = keepLast(f.lightweight, work);
      return;
    }
    case "support.case.logged":
      f.supportCases = f.supportCases + 1;
      f.lastSupportOn = maxDate(f.lastSupportOn, t.date);
      return;
    case "managed-services.started":
      f.managedServices = { startedOn: t.date, offering: e.data.offering };
      return;
    case "managed-services.ended":
      if (f.managedServices) f.managedServices = { ...f.managedServices, endedOn: t.date };
      return;
    case "engagement.scope.described": {
      // Later descriptions refine earlier ones field by field.
      const scope: Scope = { ...f.scope };
      for (const [k, v] of Object.entries(e.data))
        if (v !== undefined) (scope as Record<string, unknown>)[k] = v;
      f.scope = scope;
      return;
    }
    case "acknowledgement.recorded":
      draft.push("acknowledgements", {
        signedOn: e.data.signedOn,
        workloads: e.data.workloads,
        format: e.data.format,
        signer: e.data.signer,
        ...eventKey(t),
      });
      return;
    case "disclosure.recorded":
      f.disclosedOn = maxDate(f.disclosedOn, e.data.disclosedOn);
      return;
    case "poe.document.attached": {
      if (f.documents.some((d) => d.documentId === e.data.documentId)) return;
      const d = e.data;
      draft.push("documents", {
        documentId: d.documentId,
        kind: d.kind,
        fileName: d.fileName,
        sha256: d.sha256,
        size: d.size,
        workloadsMentioned: d.workloadsMentioned,
        attachedOn: t.date,
        ...(d.tenantIdOnDocument !== undefined ? { tenantIdOnDocument: d.tenantIdOnDocument } : {}),
      });
      return;
    }
    case "usage.reported":
      draft.usage()[e.data.month] = { mau: e.data.mau, pau: e.data.pau };
      return;
    case "claim.submitted":
      draft.push(
        "claimLog",
        logEntry(t, e.data.claimId, "submitted", e.data.submittedOn, { claimType: e.data.claimType }),
      );
      f.claim =
        f.claim?.claimId === e.data.claimId
          ? {
              ...f.claim,
              claimType: e.data.claimType,
              submittedOn: maxDate(f.claim.submittedOn, e.data.submittedOn)!,
            }
          : { claimId: e.data.claimId, claimType: e.data.claimType, submittedOn: e.data.submittedOn };
      return;
    case "claim.info-requested":
      draft.push(
        "claimLog",
        logEntry(t, e.data.claimId, "info-requested", t.date, {
          text: e.data.comment,
          ...(e.data.respondBy !== undefined ? { respondBy: e.data.respondBy } : {}),
        }),
      );
      withClaim(f, e.data.claimId, { infoRequestedOn: t.date, respondBy: e.data.respondBy });
      return;
    case "claim.resubmitted":
      // A resubmission carries no submittedOn; POE-2 stays measured at the submission's own date.
      draft.push("claimLog", logEntry(t, e.data.claimId, "resubmitted", t.date, textOf(e.data.comment)));
      withClaim(f, e.data.claimId, {});
      return;
    case "claim.approved":
      draft.push("claimLog", logEntry(t, e.data.claimId, "approved", e.data.approvedOn, {}));
      withClaim(f, e.data.claimId, { approvedOn: e.data.approvedOn, endedOn: undefined });
      return;
    case "claim.rejected":
    case "claim.declined":
    case "claim.disassociated": {
      const step = e.type.slice("claim.".length) as "rejected" | "declined" | "disassociated";
      draft.push("claimLog", logEntry(t, e.data.claimId, step, t.date, textOf(e.data.reason)));
      withClaim(f, e.data.claimId, { endedOn: t.date });
      return;
    }
    case "skilling.certification.recorded":
    case "event.voided":
      return;
  }
}

const eventKey = (t: TimedEvent) => ({ source: t.event.source, id: t.event.id });

function logEntry(
  t: TimedEvent,
  claimId: string,
  step: ClaimLogEntry["step"],
  on: CalendarDate,
  extra: Partial<ClaimLogEntry>,
): ClaimLogEntry {
  return { claimId, step, on, source: t.event.source, id: t.event.id, ...extra };
}
const textOf = (text: string | undefined) => (text !== undefined && /\S/.test(text) ? { text } : {});

/** Claim facts follow the claim named by the event; a claim first seen after its submission still counts. */
function withClaim(facts: Writable<PairFacts>, claimId: string, change: Partial<ClaimFacts>): void {
  const base: ClaimFacts = facts.claim?.claimId === claimId ? facts.claim : { claimId };
  facts.claim = { ...base, ...change };
}

export function anomalyOf(t: TimedEvent, message: string, rule?: RuleId): Anomaly {
  return {
    source: t.event.source,
    id: t.event.id,
    type: t.event.type,
    time: t.event.time,
    message,
    ...(rule ? { rule } : {}),
  };
}
