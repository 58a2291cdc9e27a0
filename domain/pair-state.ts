import { type Advice, adviceFor, type RulesCarriedOver, rulesCarriedOver } from "./advice.ts";
import { addDays, addMonths, type CalendarDate, daysBetween } from "./dates.ts";
import type { Anomaly, PairFacts } from "./facts.ts";
import { ELIGIBILITY_OF_STATE, type EligibilityGuard } from "./guards.ts";
import { type ClaimReview, claimReview, type EligibilityPeriod, eligibilityHistory } from "./history.ts";
import {
  newestAcknowledgement,
  POE_RULES,
  type PoeContext,
  type PoeItem,
  type PoeMissingCode,
  type PoeRecommendedCode,
  poeItem,
  poeMissing,
  poeRecommended,
} from "./poe-check.ts";
import { type Eligibility, type Reason, reasonsFor } from "./reasons.ts";
import { programYearOf, type RuleId, ruleSetOn } from "./rules/index.ts";
import { type PairUsage, pairUsage } from "./usage.ts";
import type { CLAIM_STATUSES, STAGE_VALUES } from "./value-sets.ts";
import { recentWork } from "./work-recency.ts";

export { engagementEnd, engagementStart, POE_RULES, poeMissing, poeRecommended } from "./poe-check.ts";
export { ELIGIBILITIES } from "./reasons.ts";
export type {
  Advice,
  ClaimReview,
  Eligibility,
  EligibilityPeriod,
  PoeItem,
  PoeMissingCode,
  PoeRecommendedCode,
  Reason,
};

// The outbound contract (contract/STATE.md), derived from a folded snapshot at an instant.

// Each closed set of values is declared once here; zod, OpenAPI and handlers take it from these lists.
export { STAGE_VALUES } from "./value-sets.ts";
export type Stage = (typeof STAGE_VALUES)[number];
export { CLAIM_STATUSES } from "./value-sets.ts";
export type ClaimStatus = (typeof CLAIM_STATUSES)[number];
export const WINDOW_CODES = [
  "claim-early",
  "program-year-end",
  "acknowledgement-expiry",
  "info-request-response",
  "engagement-recency",
] as const;
export type WindowCode = (typeof WINDOW_CODES)[number];

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
    /** When the eligibility changed and why, oldest first; the last period is the one in force. */
    history: EligibilityPeriod[];
    /** The current claim's rounds with the reviewer (CLM-2), its rejection reason, the days each side took. */
    review?: ClaimReview;
  };
  poe: {
    ready: boolean;
    missing: PoeMissingCode[];
    recommended: PoeRecommendedCode[];
    rules: Record<string, RuleId>;
    /** `missing` then `recommended`, in the same order, each in words with the facts it was judged on. */
    items: PoeItem[];
  };
  /** Set when the verdict is judged under rule values carried forward from an earlier program year. */
  rulesCarriedOver?: RulesCarriedOver;
  /** What else the rules make knowable: claim type, high-water mark, designation, payable usage. */
  advice: Advice[];
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
const ELIGIBILITY: Record<string, Eligibility> = ELIGIBILITY_OF_STATE;

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
  decidedBy: EligibilityGuard | undefined,
): PairState {
  const stage = STAGES[value.stage]!;
  const status = STATUSES[value.claim]!;
  const eligibility = ELIGIBILITY[value.eligibility]!;
  const reasons = reasonsFor(facts, key.workload, asOfDate, decidedBy ?? "none");
  const poe: PoeContext = {
    facts,
    tenantId: key.tenantId,
    workload: key.workload,
    reference: acknowledgementReference(facts, status, asOfDate),
    asOf: asOfDate,
  };
  const missing = poeMissing(poe);
  const recommended = poeRecommended(facts);
  const review = claimReview(facts);
  const carried = rulesCarriedOver(asOfDate);
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
      history: eligibilityHistory(facts, key.workload, asOfDate),
      ...(review && status !== "unclaimed" ? { review } : {}),
    },
    poe: {
      ready: missing.length === 0,
      missing,
      recommended,
      rules,
      items: [...missing, ...recommended].map((code) => poeItem(code, poe)),
    },
    ...(carried ? { rulesCarriedOver: carried } : {}),
    advice: adviceFor({ facts, workload: key.workload, eligibility, status, asOf: asOfDate }),
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

/** POE-2 measures the acknowledgement at the live claim's latest submission, else at `asOf` (STATE.md). */
function acknowledgementReference(
  facts: PairFacts,
  status: ClaimStatus,
  asOf: CalendarDate,
): PoeContext["reference"] {
  const live =
    status === "submitted" ||
    status === "info-requested" ||
    status === "resubmitted" ||
    status === "approved";
  return live && facts.claim?.submittedOn
    ? { on: facts.claim.submittedOn, what: "submittedOn", claimId: facts.claim.claimId }
    : { on: asOf, what: "asOf" };
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
