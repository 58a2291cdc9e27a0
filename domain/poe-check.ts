import { addMonths, type CalendarDate, maxDate } from "./dates.ts";
import type { Acknowledgement, PairFacts } from "./facts.ts";
import type { RuleId } from "./rules/index.ts";
import { ruleSetOn } from "./rules/index.ts";
import { formatWord, plural, quoteList, signerWords } from "./verdict-text.ts";

// Proof of execution (RULES POE-1..POE-11): which codes are missing or recommended, and for each a
// plain-language item saying what was seen, what the rule needs and what to do, with the facts it was
// judged on. The POE summary prints these same messages (one source of wording).

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
export type PoeCode = PoeMissingCode | PoeRecommendedCode;

export const POE_RULES: Record<PoeCode, RuleId> = {
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

/** One missing (blocking) or recommended POE item, in words, with what it was judged on. */
export interface PoeItem {
  code: PoeCode;
  rule: RuleId;
  /** true for POE-1..7 (the claim cannot be submitted), false for POE-8..11 (approvability). */
  blocking: boolean;
  message: string;
  facts: Record<string, unknown>;
}

export interface PoeContext {
  readonly facts: PairFacts;
  readonly tenantId: string;
  readonly workload: string;
  /** The date POE-2 measures the acknowledgement at, and what that date is. */
  readonly reference: {
    readonly on: CalendarDate;
    readonly what: "asOf" | "submittedOn";
    readonly claimId?: string;
  };
  readonly asOf: CalendarDate;
}

/** STATE.md: POE-5's start is the earliest of the scope's startDate, a plannedStart, and the work's dates. */
export function engagementStart(f: PairFacts): CalendarDate | undefined {
  return [f.scope.startDate, f.plannedStart, f.workStart].reduce<CalendarDate | undefined>(
    (a, d) => (d === undefined ? a : a === undefined || d < a ? d : a),
    undefined,
  );
}

/** STATE.md: POE-5's end is the latest of the scope's endDate, a plannedEnd, a completedOn, an adoption's last day. */
export function engagementEnd(f: PairFacts): CalendarDate | undefined {
  return [f.scope.endDate, f.plannedEnd, f.completedOn, f.adoptionEnd].reduce<CalendarDate | undefined>(
    (a, d) => maxDate(a, d),
    undefined,
  );
}

/** Where each POE-5 date came from, for the partner to check. */
function dateSources(f: PairFacts, date: CalendarDate | undefined, start: boolean): string[] {
  if (date === undefined) return [];
  const named: [CalendarDate | undefined, string][] = start
    ? [
        [f.scope.startDate, "the scope's start date"],
        [f.plannedStart, "a deployment's planned start"],
        [f.workStart, "the first deployment or adoption activity"],
      ]
    : [
        [f.scope.endDate, "the scope's end date"],
        [f.plannedEnd, "a deployment's planned end"],
        [f.completedOn, "a deployment's completion"],
        [f.adoptionEnd, "the last adoption activity's last day"],
      ];
  return named.filter(([d]) => d === date).map(([, what]) => what);
}

export function newestAcknowledgement(facts: PairFacts): Acknowledgement | undefined {
  let newest: Acknowledgement | undefined;
  for (const a of facts.acknowledgements) if (!newest || a.signedOn > newest.signedOn) newest = a;
  return newest;
}

const mismatched = (facts: PairFacts, tenantId: string) => {
  const tenant = tenantId.toLowerCase();
  return facts.documents.filter(
    (d) => d.tenantIdOnDocument !== undefined && d.tenantIdOnDocument.toLowerCase() !== tenant,
  );
};

/** The blocking codes (POE-1..7), in rule order. */
export function poeMissing(ctx: PoeContext): PoeMissingCode[] {
  const { facts, workload } = ctx;
  const rules = ruleSetOn(ctx.asOf);
  const missing: PoeMissingCode[] = [];
  const ack = newestAcknowledgement(facts);
  if (!ack) missing.push("customer-acknowledgement");
  // Forward from the signature (CAL-3), the same arithmetic as the acknowledgement-expiry window.
  else if (addMonths(ack.signedOn, rules.acknowledgementMaxAgeMonths.value) < ctx.reference.on)
    missing.push("acknowledgement-stale");
  const named =
    facts.acknowledgements.some((a) => a.workloads.includes(workload)) ||
    facts.documents.some((d) => d.workloadsMentioned.includes(workload));
  if (!named) missing.push("workload-not-in-poe");
  if (!facts.scope.description) missing.push("scope-description");
  if (!engagementStart(facts) || !engagementEnd(facts)) missing.push("engagement-dates");
  if (mismatched(facts, ctx.tenantId).length > 0) missing.push("customer-mismatch");
  const t = facts.tenant;
  if (
    t?.publicSector &&
    rules.disclosureCountries.value.includes(t.country) &&
    facts.disclosedOn === undefined
  )
    missing.push("public-sector-disclosure");
  return missing;
}

/** The approvability codes (POE-8..11). */
export function poeRecommended(facts: PairFacts): PoeRecommendedCode[] {
  const out: PoeRecommendedCode[] = [];
  if (facts.scope.usersInScope === undefined && facts.usersInScope === undefined) out.push("user-count");
  if (!facts.scope.customerNeed) out.push("customer-need");
  if (!facts.scope.customerBenefit) out.push("customer-benefit");
  if (facts.scope.meetingsHeld === undefined && facts.meetings === 0) out.push("meeting-count");
  if (!facts.documents.some((d) => d.kind !== "acknowledgement")) out.push("supporting-document");
  return out;
}

/** The item for one code: seen → needed → to do. */
export function poeItem(code: PoeCode, ctx: PoeContext): PoeItem {
  const rule = POE_RULES[code];
  const blocking = Number(rule.slice(4)) <= 7;
  const { facts, workload } = ctx;
  const item = (message: string, judged: Record<string, unknown>): PoeItem => ({
    code,
    rule,
    blocking,
    message,
    facts: judged,
  });
  const months = ruleSetOn(ctx.asOf).acknowledgementMaxAgeMonths.value;
  switch (code) {
    case "customer-acknowledgement":
      return item(
        `No customer acknowledgement is recorded. ${rule} needs one (a signature, e-signature, signed SOW, ` +
          `acknowledgement email or the POE template). Have the customer acknowledge the ${workload} work and record it.`,
        { acknowledgements: 0 },
      );
    case "acknowledgement-stale": {
      const ack = newestAcknowledgement(facts)!;
      const expiredOn = addMonths(ack.signedOn, months);
      const at =
        ctx.reference.what === "submittedOn"
          ? `the claim's submission on ${ctx.reference.on}`
          : `today (${ctx.reference.on}), when a new submission would be judged`;
      return item(
        `The newest customer acknowledgement (${formatWord(ack.format)}, signed on ${ack.signedOn} by ` +
          `${signerWords(ack.signer)}) expired on ${expiredOn}. ${rule} needs it signed within the ${months} months ` +
          `before ${at}. Get a newly signed acknowledgement naming ${workload} and record it` +
          (ctx.reference.what === "submittedOn"
            ? ", then answer the reviewer with it."
            : " before you claim."),
        {
          signedOn: ack.signedOn,
          expiredOn,
          format: ack.format,
          signer: ack.signer.name,
          measuredAt: ctx.reference.on,
          measuredAtWhat: ctx.reference.what,
          ...(ctx.reference.claimId ? { claimId: ctx.reference.claimId } : {}),
          event: { source: ack.source, id: ack.id },
        },
      );
    }
    case "workload-not-in-poe": {
      const acknowledged = [...new Set(facts.acknowledgements.flatMap((a) => a.workloads))];
      const documents = facts.documents.map((d) => ({
        fileName: d.fileName,
        workloadsMentioned: d.workloadsMentioned,
      }));
      const seen =
        facts.acknowledgements.length + facts.documents.length === 0
          ? "No acknowledgement or document is recorded yet"
          : `The acknowledgements name ${quoteList(acknowledged)} and the attached documents (${facts.documents.length}) ` +
            `name ${quoteList([...new Set(facts.documents.flatMap((d) => d.workloadsMentioned))])}, not ${workload}`;
      return item(
        `${seen}. ${rule} needs the POE to connect to the workload claimed. ` +
          `Have the acknowledgement or an attached document (SOW, POE template) name ${workload}.`,
        { workload, acknowledgedWorkloads: acknowledged, documents },
      );
    }
    case "scope-description":
      return item(
        `No scope description is recorded. ${rule} needs a customer-specific description of the work ` +
          `(what you configure or adopt for this customer, not a generic feature list). Describe the scope.`,
        { scopeDescribed: false },
      );
    case "engagement-dates": {
      const start = engagementStart(facts);
      const end = engagementEnd(facts);
      const seen =
        start === undefined && end === undefined
          ? "No engagement dates are recorded"
          : start === undefined
            ? `An end (${end}, from ${dateSources(facts, end, false).join(" and ")}) is recorded but no start`
            : `A start (${start}, from ${dateSources(facts, start, true).join(" and ")}) is recorded but no end`;
      return item(
        `${seen}. ${rule} needs the engagement's start and its end, planned or actual (the work need not be ` +
          `finished, TIM-1). Give the ${start === undefined ? (end === undefined ? "start and planned end dates" : "start date") : "planned end date"} in the scope ` +
          `or on the deployment.`,
        { start: start ?? null, end: end ?? null },
      );
    }
    case "customer-mismatch": {
      const wrong = mismatched(facts, ctx.tenantId);
      const named = wrong.map(
        (d) => `${d.fileName} (attached ${d.attachedOn}) names tenant ${d.tenantIdOnDocument}`,
      );
      return item(
        `${named.join("; ")}, not this customer (${ctx.tenantId}). ${rule} needs every document on the pair ` +
          `to be for this tenant. Void the wrong attachment (event.voided) and attach this customer's document.`,
        {
          tenantId: ctx.tenantId,
          documents: wrong.map((d) => ({
            documentId: d.documentId,
            fileName: d.fileName,
            tenantIdOnDocument: d.tenantIdOnDocument,
            attachedOn: d.attachedOn,
          })),
        },
      );
    }
    case "public-sector-disclosure":
      return item(
        `${facts.tenant?.customerName ?? "The customer"} is a public-sector customer in ${facts.tenant?.country}. ` +
          `${rule} needs a disclosure to the customer that the partner may earn fees. Give the disclosure and record it.`,
        { country: facts.tenant?.country, publicSector: true, disclosedOn: null },
      );
    case "user-count":
      return item(
        `No number of users in scope is given. ${rule}: reviewers use it to judge the engagement's impact, ` +
          `and its absence is a common cause of "more information" requests. State the users in scope.`,
        { usersInScope: null },
      );
    case "customer-need":
      return item(
        `The customer's need is not described. ${rule}: say why this customer needs the work ` +
          `(e.g. ransomware exposure, moving from another provider).`,
        { customerNeed: null },
      );
    case "customer-benefit":
      return item(
        `The benefit to the customer is not described. ${rule}: say what the customer gains from the work.`,
        { customerBenefit: null },
      );
    case "meeting-count":
      return item(
        `No number of meetings held is given. ${rule}: state how many meetings were held with the customer; ` +
          `it shows a deep engagement rather than a single call.`,
        { meetingsHeld: null },
      );
    case "supporting-document":
      return item(
        `${facts.documents.length === 0 ? "No document is attached" : `Only acknowledgement documents are attached (${plural(facts.documents.length, "document")})`}. ` +
          `${rule}: documents are judged in their totality; attach a SOW, POE template, roadmap or architecture map.`,
        { supportingDocuments: 0, documents: facts.documents.length },
      );
  }
}
