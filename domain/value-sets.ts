// Closed sets of contract values that the board shows as choices. Kept free of imports so the
// browser bundle can take them without zod or the rules (events.ts and pair-state.ts re-export them).

export const CLAIM_STATUSES = [
  "unclaimed",
  "submitted",
  "info-requested",
  "resubmitted",
  "approved",
  "rejected",
  "declined",
  "disassociated",
] as const;

export const POE_DOCUMENT_KINDS = [
  "sow",
  "poe-template",
  "roadmap",
  "architecture",
  "meeting-notes",
  "acknowledgement",
  "other",
] as const;

/** What a deployment.started event may name as its hands-on work (EVENTS.md). */
export const DEPLOYMENT_ACTIVITIES = [
  "provisioning",
  "configuration",
  "policy-customization",
  "migration",
  "integration",
  "pilot",
] as const;

/** A customer tenant's segment (EVENTS.md tenant.profiled; SEG-1 excludes some by rule set). */
export const SEGMENTS = [
  "commercial",
  "education",
  "government-gcc",
  "government-gcc-high",
  "government-dod",
] as const;

/** What a claim is for (CLM-3). */
export const CLAIM_TYPES = ["usage-incentive", "usage-recognition"] as const;

/** A pair's stage (ACT-9), furthest last. */
export const STAGE_VALUES = ["none", "presales", "deployment", "adoption", "managed-services"] as const;

/** What the verdict says the pair can be claimed for (STATE.md). */
export const ELIGIBILITIES = ["usage-incentive", "usage-recognition", "not-claimable", "excluded"] as const;
