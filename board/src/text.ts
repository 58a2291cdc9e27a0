import { CLAIM_STATUSES, ELIGIBILITIES, STAGE_VALUES } from "../../domain/value-sets.ts";

// Words the board shows for the contract's codes. The verdict's own `message` fields come from the
// service (they explain themselves); these only name codes and say what to provide.
/** Stages furthest first, as the board lists them. */
export const STAGES = [...STAGE_VALUES].reverse();
export const STAGE_LABEL: Record<string, string> = {
  "managed-services": "Managed services",
  adoption: "Adoption",
  deployment: "Deployment",
  presales: "Presales",
  none: "No engagement yet",
};
export const ELIGIBILITY: string[] = [...ELIGIBILITIES];
export const STATUSES: string[] = [...CLAIM_STATUSES];

export const label = (code: string) => code.replace(/-/g, " ");

/** What to provide for each POE item (RULES POE-1..POE-11). */
export const POE_ADVICE: Record<string, string> = {
  "customer-acknowledgement":
    "Record the customer's acknowledgement (signed SOW, e-signature, POE template or email) naming this workload.",
  "acknowledgement-stale":
    "The newest acknowledgement is more than 12 months old at submission: get a fresh one signed.",
  "workload-not-in-poe":
    "Attach or record proof that names this workload (the acknowledgement's workloads or a document's).",
  "scope-description": "Describe the engagement's scope in customer-specific words.",
  "engagement-dates": "Give the engagement's start and end dates (scope, planned dates or completion).",
  "customer-mismatch": "A document names another tenant: attach proof for this customer's tenant.",
  "public-sector-disclosure": "Record the public-sector fee disclosure.",
  "user-count": "Recommended: state how many users were in scope or deployed.",
  "customer-need": "Recommended: state the customer's need in the scope.",
  "customer-benefit": "Recommended: state the benefit the customer got.",
  "meeting-count": "Recommended: record how many meetings were held.",
  "supporting-document": "Recommended: attach a supporting document (roadmap, architecture, meeting notes).",
};

export const WINDOW_LABEL: Record<string, string> = {
  "claim-early": "claim early",
  "program-year-end": "program year ends",
  "acknowledgement-expiry": "acknowledgement expires",
  "info-request-response": "answer the reviewer",
  "engagement-recency": "engagement goes stale",
};
export const windowName = (code: string) => WINDOW_LABEL[code] ?? code;

export const daysText = (n: number) => (n === 0 ? "today" : n === 1 ? "1 day left" : `${n} days left`);
