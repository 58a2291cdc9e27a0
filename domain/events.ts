import { z } from "zod";
import { isCalendarDate } from "./dates.ts";
import { instantSchema } from "./instants.ts";
import { KNOWN_WORKLOADS } from "./rules/index.ts";
import { EVENT_VOIDED, type PartnerEventType, type TenantEventType } from "./streams.ts";
import { CLAIM_TYPES, DEPLOYMENT_ACTIVITIES, POE_DOCUMENT_KINDS, SEGMENTS } from "./value-sets.ts";

// Which stream an event belongs to (domain/streams.ts), re-exported where events are defined.
export * from "./streams.ts";
export { DEPLOYMENT_ACTIVITIES, POE_DOCUMENT_KINDS } from "./value-sets.ts";

// The inbound contract (contract/EVENTS.md) as zod schemas: one per type, types inferred from them.
// Unknown extra fields are kept (CloudEvents extensions on the envelope, new optional fields in data).

const calendarDate = z.string().refine(isCalendarDate, { message: "expected a calendar date YYYY-MM-DD" });
const count = z.number().int().nonnegative();
// Validation never transforms: a validated event serializes back to what was sent, so stores and the
// evaluator can keep the JSON text instead of the parsed object.
const nonEmpty = z.string().regex(/\S/, "must not be empty or blank");
const workloadId = z.string().refine((w) => KNOWN_WORKLOADS.has(w), {
  message: "unknown workload id (RULES WKL-4)",
});
const workloadList = z.array(workloadId);
const delivery = z.enum(["remote", "onsite", "hybrid"]);
const presalesProgram = z.enum(["MCI", "CSI"]);
const claimId = nonEmpty;

const envelope = {
  specversion: z.literal("1.0"),
  id: nonEmpty,
  source: nonEmpty,
  time: instantSchema,
  partnerid: z.string().regex(/^\d+$/, "expected the Partner (location) ID, digits"),
  // Reserved: the timeline marks a voided event with it (domain/voids.ts), so no CRM may send it.
  voided: z.never({ message: "reserved attribute: the tracker marks voided events with it" }).optional(),
};
const tenantid = z.guid({ message: "expected the customer's Entra tenant id (GUID)" });

/** A pair event's schema; a type listed as a tenant's or partner's in domain/streams.ts is refused here. */
function pairEvent<T extends string, D extends z.ZodType>(
  type: T extends TenantEventType | PartnerEventType ? never : T,
  data: D,
) {
  return z.looseObject({ ...envelope, type: z.literal(type), tenantid, workload: workloadId, data });
}
// Tenant events apply to every workload of the tenant, partner events to no tenant: a stray attribute
// would put the event in the wrong stream, so it is refused rather than ignored.
const absent = (message: string) => z.never({ message }).optional();

function tenantEvent<T extends TenantEventType, D extends z.ZodType>(type: T, data: D) {
  return z.looseObject({
    ...envelope,
    type: z.literal(type),
    tenantid,
    workload: absent("tenant events apply to every workload of the tenant and carry no workload"),
    data,
  });
}
function partnerEvent<T extends PartnerEventType, D extends z.ZodType>(type: T, data: D) {
  return z.looseObject({
    ...envelope,
    type: z.literal(type),
    tenantid: absent("partner events carry no tenantid"),
    workload: absent("partner events carry no workload"),
    data,
  });
}

export const TenantProfiled = tenantEvent(
  "tenant.profiled",
  z.looseObject({
    customerName: nonEmpty,
    segment: z.enum(SEGMENTS),
    publicSector: z.boolean(),
    country: z.string().regex(/^[A-Z]{2}$/, "expected an ISO 3166-1 alpha-2 country code"),
    paidSeats: count.optional(),
    studentSeats: count.optional(),
  }),
);

export const PresalesEngagementDelivered = pairEvent(
  "presales.engagement.delivered",
  z.looseObject({
    program: presalesProgram,
    engagement: nonEmpty,
    startDate: calendarDate,
    endDate: calendarDate,
  }),
);
export const PresalesMilestoneReached = pairEvent(
  "presales.milestone.reached",
  z.looseObject({ program: presalesProgram, milestone: nonEmpty, paid: z.boolean() }),
);
export const DeploymentStarted = pairEvent(
  "deployment.started",
  z.looseObject({
    activities: z.array(z.enum(DEPLOYMENT_ACTIVITIES)).min(1),
    delivery,
    plannedStart: calendarDate.optional(),
    plannedEnd: calendarDate.optional(),
    usersInScope: count.optional(),
  }),
);
export const DeploymentCompleted = pairEvent(
  "deployment.completed",
  z.looseObject({ completedOn: calendarDate, usersDeployed: count.optional() }),
);
export const AdoptionActivityLogged = pairEvent(
  "adoption.activity.logged",
  z.looseObject({
    kind: z.enum([
      "change-management",
      "admin-enablement",
      "health-check",
      "fasttrack-guidance",
      "end-user-training",
    ]),
    handsOn: z.boolean(),
    audience: z.enum(["admins", "end-users", "mixed"]),
    delivery,
    durationDays: count.optional(),
    meetings: count.optional(),
    recommendations: count.optional(),
  }),
);
export const GuidanceSessionLogged = pairEvent(
  "guidance.session.logged",
  z.looseObject({ minutes: count, topic: nonEmpty }),
);
export const SupportCaseLogged = pairEvent(
  "support.case.logged",
  z.looseObject({ kind: z.enum(["end-user-support", "technical-support"]), caseRef: z.string().optional() }),
);
export const ManagedServicesStarted = pairEvent(
  "managed-services.started",
  z.looseObject({ offering: z.enum(["MSS", "MXDR", "managed-soc", "other"]) }),
);
export const ManagedServicesEnded = pairEvent(
  "managed-services.ended",
  z.looseObject({ reason: z.string().optional() }),
);
export const EngagementScopeDescribed = pairEvent(
  "engagement.scope.described",
  z.looseObject({
    description: nonEmpty,
    startDate: calendarDate.optional(),
    endDate: calendarDate.optional(),
    usersInScope: count.optional(),
    customerNeed: z.string().optional(),
    customerBenefit: z.string().optional(),
    meetingsHeld: count.optional(),
    migratingFrom: z.string().optional(),
  }),
);
export const AcknowledgementRecorded = pairEvent(
  "acknowledgement.recorded",
  z.looseObject({
    signedOn: calendarDate,
    signer: z.looseObject({ name: nonEmpty, title: z.string().optional(), email: z.string().optional() }),
    format: z.enum(["signed-sow", "e-signature", "poe-template", "email"]),
    workloads: workloadList,
  }),
);
export const DisclosureRecorded = pairEvent(
  "disclosure.recorded",
  z.looseObject({ disclosedOn: calendarDate }),
);
export const PoeDocumentAttached = pairEvent(
  "poe.document.attached",
  z.looseObject({
    documentId: nonEmpty,
    kind: z.enum(POE_DOCUMENT_KINDS),
    fileName: nonEmpty,
    contentType: nonEmpty,
    size: count,
    sha256: z.string().regex(/^[0-9a-f]{64}$/i, "expected a SHA-256 in hex"),
    workloadsMentioned: workloadList,
    tenantIdOnDocument: z.string().optional(),
  }),
);
const claimType = z.enum(CLAIM_TYPES);
export const ClaimSubmitted = pairEvent(
  "claim.submitted",
  z.looseObject({ claimId, claimType, submittedOn: calendarDate }),
);
export const ClaimInfoRequested = pairEvent(
  "claim.info-requested",
  z.looseObject({ claimId, comment: z.string(), respondBy: calendarDate.optional() }),
);
export const ClaimResubmitted = pairEvent(
  "claim.resubmitted",
  z.looseObject({ claimId, comment: z.string().optional() }),
);
export const ClaimApproved = pairEvent(
  "claim.approved",
  z.looseObject({ claimId, approvedOn: calendarDate }),
);
export const ClaimRejected = pairEvent("claim.rejected", z.looseObject({ claimId, reason: z.string() }));
export const ClaimDeclined = pairEvent(
  "claim.declined",
  z.looseObject({ claimId, reason: z.string().optional() }),
);
export const ClaimDisassociated = pairEvent(
  "claim.disassociated",
  z.looseObject({ claimId, reason: z.string() }),
);
const usageMonth = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "expected a month YYYY-MM");
export const UsageReported = pairEvent(
  "usage.reported",
  z.looseObject({
    month: usageMonth,
    mau: count,
    pau: count,
  }),
);
// Partner Center's own reports, imported (docs/EVENTS-EXTENSIONS.md, issue 17): what Microsoft says it
// paid or refused for a pair's month. Facts for reconciliation only: the verdict does not fold them.
const columns = z.record(z.string(), z.string()).optional();
export const EarningReported = pairEvent(
  "earning.reported",
  z.looseObject({
    earningId: nonEmpty,
    earningDate: calendarDate,
    /** The usage month the earning pays for. */
    month: usageMonth,
    earningAmountUSD: z.number(),
    units: count.optional(),
    earningType: z.string().optional(),
    engagementName: z.string().optional(),
    lever: z.string().optional(),
    transactionId: z.string().optional(),
    /** The report's columns the tracker does not read, kept as downloaded. */
    columns,
  }),
);
export const UsageIneligible = pairEvent(
  "usage.ineligible",
  z.looseObject({
    month: usageMonth,
    compensableUnits: z.number().int(),
    reason: z.string().optional(),
    engagementName: z.string().optional(),
    partnerRole: z.string().optional(),
    columns,
  }),
);
// A correction (docs/EVENTS-EXTENSIONS.md): voids one earlier event of the same stream, named by its
// (source, id). It lives on the voided event's stream: pair (tenantid + workload), tenant (tenantid)
// or partner (neither). Stored events are never edited or deleted; the fold ignores voided ones.
export const EventVoided = z
  .looseObject({
    ...envelope,
    type: z.literal(EVENT_VOIDED),
    tenantid: tenantid.optional(),
    workload: workloadId.optional(),
    data: z.looseObject({
      voidedSource: nonEmpty,
      voidedId: nonEmpty,
      reason: nonEmpty,
      /** Who voided it: a person or the CRM user, for the audit trail. */
      by: nonEmpty,
    }),
  })
  .superRefine((e, ctx) => {
    if (e.workload !== undefined && e.tenantid === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["tenantid"],
        message: "a void of a pair event names the tenant too",
      });
    if (e.data.voidedSource === e.source && e.data.voidedId === e.id)
      ctx.addIssue({ code: "custom", path: ["data", "voidedId"], message: "an event cannot void itself" });
  });

export const SkillingCertificationRecorded = partnerEvent(
  "skilling.certification.recorded",
  z.looseObject({ person: nonEmpty, certification: nonEmpty, earnedOn: calendarDate }),
);

export const EVENT_SCHEMAS = [
  TenantProfiled,
  PresalesEngagementDelivered,
  PresalesMilestoneReached,
  DeploymentStarted,
  DeploymentCompleted,
  AdoptionActivityLogged,
  GuidanceSessionLogged,
  SupportCaseLogged,
  ManagedServicesStarted,
  ManagedServicesEnded,
  EngagementScopeDescribed,
  AcknowledgementRecorded,
  DisclosureRecorded,
  PoeDocumentAttached,
  ClaimSubmitted,
  ClaimInfoRequested,
  ClaimResubmitted,
  ClaimApproved,
  ClaimRejected,
  ClaimDeclined,
  ClaimDisassociated,
  UsageReported,
  EarningReported,
  UsageIneligible,
  SkillingCertificationRecorded,
  EventVoided,
] as const;

export const EngagementEventSchema = z.discriminatedUnion("type", EVENT_SCHEMAS);
export type EngagementEvent = z.infer<typeof EngagementEventSchema>;
export type EventType = EngagementEvent["type"];
export type EventOf<T extends EventType> = Extract<EngagementEvent, { type: T }>;
export type PairEvent = Exclude<
  EngagementEvent,
  { type: TenantEventType | PartnerEventType | typeof EVENT_VOIDED }
>;
export type VoidEvent = EventOf<typeof EVENT_VOIDED>;
export type TenantEvent = EventOf<TenantEventType>;
export type PartnerEvent = EventOf<PartnerEventType>;

export const EVENT_TYPES: readonly EventType[] = EVENT_SCHEMAS.map((s) =>
  "shape" in s ? s.shape.type.value : (EVENT_VOIDED as EventType),
);
export interface FieldError {
  /** JSON path of the failing field, e.g. `$.data.startDate`. */
  path: string;
  message: string;
}

export type Validation = { ok: true; event: EngagementEvent } | { ok: false; errors: FieldError[] };

/** Validates one CloudEvent; errors name each failing field by JSON path. */
export function validateEvent(input: unknown): Validation {
  const result = EngagementEventSchema.safeParse(input);
  if (result.success) return { ok: true, event: result.data };
  return { ok: false, errors: toFieldErrors(result.error, input) };
}

export function toFieldErrors(error: z.ZodError, input?: unknown): FieldError[] {
  return error.issues.map((issue) => {
    let message = issue.message;
    if (issue.code === "invalid_union" && issue.path.length === 1 && issue.path[0] === "type") {
      const got = (input as { type?: unknown } | null)?.type;
      message = `unknown event type ${JSON.stringify(got)}; expected one of ${EVENT_TYPES.join(", ")}`;
    }
    return { path: jsonPath(issue.path), message };
  });
}

/** JSONPath for a zod issue path: identifiers as `.name`, indexes as `[3]`, anything else as `['we ird']`. */
export function jsonPath(path: readonly PropertyKey[]): string {
  let out = "$";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else {
      const name = typeof segment === "symbol" ? (segment.description ?? "") : segment;
      out += /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name)
        ? `.${name}`
        : `['${name.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}']`;
    }
  }
  return out;
}
