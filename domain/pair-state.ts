import { addDays, addMonths, type CalendarDate, daysBetween } from "./dates.ts";
import { recentWork } from "./engagement-machine.ts";
import type { Anomaly, PairFacts } from "./facts.ts";
import { programYearOf, type RuleId, ruleSetOn } from "./rules/index.ts";
import { type PairUsage, pairUsage } from "./usage.ts";

// The outbound contract (contract/STATE.md), derived from a folded snapshot at an instant.

export type Stage = "none" | "presales" | "deployment" | "adoption" | "managed-services";
export type Eligibility = "usage-incentive" | "usage-recognition" | "not-claimable" | "excluded";
export type ClaimStatus =
  | "unclaimed"
  | "submitted"
  | "info-requested"
  | "resubmitted"
  | "approved"
  | "rejected"
  | "declined"
  | "disassociated";
export type WindowCode =
  | "claim-early"
  | "program-year-end"
  | "acknowledgement-expiry"
  | "info-request-response"
  | "engagement-recency";
export type PoeMissingCode =
  | "customer-acknowledgement"
  | "acknowledgement-stale"
  | "workload-not-in-poe"
  | "scope-description"
  | "engagement-dates"
  | "customer-mismatch"
  | "public-sector-disclosure";
export type PoeRecommendedCode =
  | "user-count"
  | "customer-need"
  | "customer-benefit"
  | "meeting-count"
  | "supporting-document";

export interface Reason {
  code: string;
  rule: RuleId | null;
  message: string;
}
export interface ClaimWindow {
  code: WindowCode;
  closesOn: CalendarDate;
  rule: RuleId;
  /** Days from `asOf`'s date to `closesOn` (0 = closes today). */
  daysLeft: number;
}
export interface PairState {
  partnerId: string;
  tenantId: string;
  workload: string;
  asOf: string;
  stage: Stage;
  programYear: string;
  /** The rule set the verdict was judged under. */
  ruleSet: string;
  claim: {
    eligibility: Eligibility;
    status: ClaimStatus;
    claimableNow: boolean;
    reasons: Reason[];
    claimId?: string;
    claimType?: string;
  };
  poe: {
    ready: boolean;
    missing: PoeMissingCode[];
    recommended: PoeRecommendedCode[];
    rules: Record<string, RuleId>;
  };
  windows: ClaimWindow[];
  /** Events the lifecycle could not take in their place; kept, never dropped silently. */
  anomalies: Anomaly[];
  /** Usage against the high-water mark (RULES HWM-*, SEG-2); present once the pair has reported usage. */
  usage?: PairUsage;
  timeline?: unknown[];
}

export interface PairKey {
  partnerId: string;
  tenantId: string;
  workload: string;
}

const STAGES: Record<string, Stage> = {
  none: "none",
  presales: "presales",
  deployment: "deployment",
  adoption: "adoption",
  managedServices: "managed-services",
};
const STATUSES: Record<string, ClaimStatus> = {
  unclaimed: "unclaimed",
  submitted: "submitted",
  infoRequested: "info-requested",
  resubmitted: "resubmitted",
  approved: "approved",
  rejected: "rejected",
  declined: "declined",
  disassociated: "disassociated",
};
const ELIGIBILITY: Record<string, Eligibility> = {
  excluded: "excluded",
  notClaimable: "not-claimable",
  usageIncentive: "usage-incentive",
  usageRecognition: "usage-recognition",
};

export const POE_RULES: Record<PoeMissingCode | PoeRecommendedCode, RuleId> = {
  "customer-acknowledgement": "POE-1",
  "acknowledgement-stale": "POE-2",
  "workload-not-in-poe": "POE-3",
  "scope-description": "POE-4",
  "engagement-dates": "POE-5",
  "customer-mismatch": "POE-6",
  "public-sector-disclosure": "POE-7",
  "user-count": "POE-8",
  "customer-need": "POE-9",
  "customer-benefit": "POE-9",
  "meeting-count": "POE-10",
  "supporting-document": "POE-11",
};

/** The machine's state value per region, after it has taken `verdict.requested`. */
export interface DecidedValue {
  stage: string;
  claim: string;
  eligibility: string;
}

/** Reads the verdict off the machine's decided state value and its facts at `asOf`. */
export function pairStateOf(
  value: DecidedValue,
  facts: PairFacts,
  key: PairKey,
  asOf: string,
  asOfDate: CalendarDate,
): PairState {
  const stage = STAGES[value.stage]!;
  const status = STATUSES[value.claim]!;
  const eligibility = ELIGIBILITY[value.eligibility]!;
  const reasons = reasonsFor(eligibility, facts, key.workload, asOfDate);
  const missing = poeMissing(facts, key, status, asOfDate);
  const recommended = poeRecommended(facts);
  const eligible = eligibility === "usage-incentive" || eligibility === "usage-recognition";
  const claimableNow = eligible && missing.length === 0 && (status === "unclaimed" || status === "rejected");
  const rules: Record<string, RuleId> = {};
  for (const code of [...missing, ...recommended]) rules[code] = POE_RULES[code];
  return {
    partnerId: key.partnerId,
    tenantId: key.tenantId,
    workload: key.workload,
    asOf,
    stage,
    programYear: programYearOf(asOfDate).name,
    ruleSet: ruleSetOn(asOfDate).programYear,
    claim: {
      eligibility,
      status,
      claimableNow,
      reasons,
      ...(facts.claim && status !== "unclaimed" ? { claimId: facts.claim.claimId } : {}),
      ...(facts.claim?.claimType && status !== "unclaimed" ? { claimType: facts.claim.claimType } : {}),
    },
    poe: { ready: missing.length === 0, missing, recommended, rules },
    windows: windowsFor(facts, eligibility, status, key.workload, asOfDate),
    anomalies: [...facts.anomalies],
    // Only pairs with reported usage carry it: the derivation stays off the path of every other pair.
    ...(hasUsage(facts) ? { usage: pairUsage({ facts, asOf: asOfDate }) } : {}),
  };
}

function hasUsage(facts: PairFacts): boolean {
  for (const _ in facts.usage) return true;
  return false;
}

function reasonsFor(
  eligibility: Eligibility,
  facts: PairFacts,
  workload: string,
  asOf: CalendarDate,
): Reason[] {
  const rules = ruleSetOn(asOf);
  if (eligibility === "excluded") {
    return [
      reason(
        "excluded-segment",
        "SEG-1",
        `${facts.tenant?.segment} tenants are excluded: Microsoft has no usage telemetry for them`,
      ),
    ];
  }
  if (eligibility === "not-claimable" && rules.workloads.retired.value.includes(workload)) {
    return [
      reason(
        "retired-workload",
        "WKL-3",
        `${workload} was retired from the usage incentive in ${rules.programYear}`,
      ),
    ];
  }
  const recent = recentWork(facts, asOf);
  const workReasons: Reason[] = [];
  const deployment = recent.find((w) => w.kind === "deployment");
  if (deployment) {
    workReasons.push(
      reason(
        "deployment-activity",
        "ACT-1",
        `deployment work through ${latest(recent, "deployment")} is within the past ${rules.engagementRecencyMonths.value} months; remote delivery counts the same as on-site (ACT-2)`,
      ),
    );
  }
  const adoption = recent.find((w) => w.kind === "adoption");
  if (adoption) {
    workReasons.push(
      reason(
        "adoption-activity",
        adoption.rule,
        `substantial hands-on adoption work on ${adoption.date} is within the past ${rules.engagementRecencyMonths.value} months`,
      ),
    );
  }
  if (workReasons.length > 0) {
    if (eligibility === "usage-recognition") {
      return [
        reason(
          "usage-only-workload",
          "WKL-2",
          `${workload} earns recognition toward designations, not an incentive payment`,
        ),
        ...workReasons,
      ];
    }
    return workReasons;
  }
  if (eligibility === "usage-recognition") {
    return [
      reason(
        "managed-services-only",
        "ACT-6",
        `managed services (${facts.managedServices?.offering}) can be claimed for recognition, not for the incentive payment`,
      ),
    ];
  }
  if (facts.eligibleWork.length > 0 || facts.managedServices) {
    const last = [
      ...facts.eligibleWork.map((w) => w.lastDay),
      facts.managedServices?.endedOn ?? "0000-00-00",
    ].reduce((a, d) => (d > a ? d : a), "0000-00-00");
    return [
      reason(
        "engagement-stale",
        "TIM-1",
        `the last eligible work ended ${last}, more than ${rules.engagementRecencyMonths.value} months before ${asOf}`,
      ),
    ];
  }
  const out: Reason[] = [];
  if (facts.presales > 0)
    out.push(
      reason(
        "presales-only",
        "ACT-7",
        "only presales (MCI/CSI) work so far; it qualifies once deployment or adoption work follows",
      ),
    );
  if (facts.lightweightGuidance > 0)
    out.push(
      reason(
        "lightweight-guidance-only",
        "ACT-4",
        "only short or generic guidance so far, or adoption work that is not hands-on and substantial (ACT-3, ACT-8)",
      ),
    );
  if (facts.supportCases > 0) out.push(reason("support-only", "ACT-5", "customer support is not eligible"));
  if (out.length === 0) out.push(reason("no-activity", null, "nothing but profile or paperwork events yet"));
  return out;
}

function latest(work: readonly { kind: string; lastDay: CalendarDate }[], kind: string): CalendarDate {
  return work.filter((w) => w.kind === kind).reduce((a, w) => (w.lastDay > a ? w.lastDay : a), "0000-00-00");
}

function reason(code: string, rule: RuleId | null, message: string): Reason {
  return { code, rule, message };
}

/** POE-2 measures the acknowledgement at the live claim's latest submission, else at `asOf`. */
function acknowledgementReferenceDate(
  facts: PairFacts,
  status: ClaimStatus,
  asOf: CalendarDate,
): CalendarDate {
  const live =
    status === "submitted" ||
    status === "info-requested" ||
    status === "resubmitted" ||
    status === "approved";
  return live && facts.claim?.submittedOn ? facts.claim.submittedOn : asOf;
}

function newestAcknowledgement(facts: PairFacts) {
  let newest: (typeof facts.acknowledgements)[number] | undefined;
  for (const a of facts.acknowledgements) if (!newest || a.signedOn > newest.signedOn) newest = a;
  return newest;
}

export function poeMissing(
  facts: PairFacts,
  key: PairKey,
  status: ClaimStatus,
  asOf: CalendarDate,
): PoeMissingCode[] {
  const rules = ruleSetOn(asOf);
  const missing: PoeMissingCode[] = [];
  const ack = newestAcknowledgement(facts);
  if (!ack) missing.push("customer-acknowledgement");
  else {
    // Forward from the signature (CAL-3), the same arithmetic as the acknowledgement-expiry window.
    const ref = acknowledgementReferenceDate(facts, status, asOf);
    if (addMonths(ack.signedOn, rules.acknowledgementMaxAgeMonths.value) < ref)
      missing.push("acknowledgement-stale");
  }
  const named =
    facts.acknowledgements.some((a) => a.workloads.includes(key.workload)) ||
    facts.documents.some((d) => d.workloadsMentioned.includes(key.workload));
  if (!named) missing.push("workload-not-in-poe");
  if (!facts.scope.description) missing.push("scope-description");
  if (!engagementStart(facts) || !engagementEnd(facts)) missing.push("engagement-dates");
  const tenant = key.tenantId.toLowerCase();
  if (
    facts.documents.some(
      (d) => d.tenantIdOnDocument !== undefined && d.tenantIdOnDocument.toLowerCase() !== tenant,
    )
  ) {
    missing.push("customer-mismatch");
  }
  const t = facts.tenant;
  if (
    t?.publicSector &&
    rules.disclosureCountries.value.includes(t.country) &&
    facts.disclosedOn === undefined
  ) {
    missing.push("public-sector-disclosure");
  }
  return missing;
}

export const engagementStart = (f: PairFacts) => f.scope.startDate ?? f.plannedStart;
export const engagementEnd = (f: PairFacts) => f.scope.endDate ?? f.plannedEnd ?? f.completedOn;

export function poeRecommended(facts: PairFacts): PoeRecommendedCode[] {
  const out: PoeRecommendedCode[] = [];
  if (facts.scope.usersInScope === undefined && facts.usersInScope === undefined) out.push("user-count");
  if (!facts.scope.customerNeed) out.push("customer-need");
  if (!facts.scope.customerBenefit) out.push("customer-benefit");
  if (facts.scope.meetingsHeld === undefined && facts.meetings === 0) out.push("meeting-count");
  if (!facts.documents.some((d) => d.kind !== "acknowledgement")) out.push("supporting-document");
  return out;
}

function windowsFor(
  facts: PairFacts,
  eligibility: Eligibility,
  status: ClaimStatus,
  workload: string,
  asOf: CalendarDate,
): ClaimWindow[] {
  const rules = ruleSetOn(asOf);
  // A pair that can never be claimed has no deadline worth a partner's attention.
  if (eligibility === "excluded" || rules.workloads.retired.value.includes(workload)) return [];
  const out: ClaimWindow[] = [];
  const add = (code: WindowCode, closesOn: CalendarDate, rule: RuleId) => {
    if (closesOn >= asOf) out.push({ code, closesOn, rule, daysLeft: daysBetween(asOf, closesOn) });
  };
  const eligible = eligibility === "usage-incentive" || eligibility === "usage-recognition";
  const recent = recentWork(facts, asOf);
  if (eligible && status === "unclaimed" && recent.length > 0) {
    // STATE.md: the first eligible activity over all deployment and substantial adoption work.
    const first = facts.eligibleWork.reduce((a, w) => (w.date < a ? w.date : a), recent[0]!.date);
    add("claim-early", addDays(first, ruleSetOn(first).claimEarlyDays.value), "TIM-3");
    const last = recent.reduce((a, w) => (w.lastDay > a ? w.lastDay : a), recent[0]!.lastDay);
    add("engagement-recency", addMonths(last, rules.engagementRecencyMonths.value), "TIM-1");
  }
  if (eligibility === "usage-incentive" && (status === "unclaimed" || status === "rejected")) {
    add("program-year-end", programYearOf(asOf).end, "CAL-1");
  }
  const ack = newestAcknowledgement(facts);
  if (ack && status !== "approved") {
    add("acknowledgement-expiry", addMonths(ack.signedOn, rules.acknowledgementMaxAgeMonths.value), "POE-2");
  }
  if (status === "info-requested" && facts.claim?.infoRequestedOn) {
    add(
      "info-request-response",
      facts.claim.respondBy ?? addDays(facts.claim.infoRequestedOn, rules.infoRequestResponseDays.value),
      "CLM-2",
    );
  }
  return out.sort((a, b) =>
    a.closesOn < b.closesOn ? -1 : a.closesOn > b.closesOn ? 1 : a.code < b.code ? -1 : 1,
  );
}
