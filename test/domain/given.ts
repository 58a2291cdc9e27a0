// A tiny given/when/then DSL over the domain fold, in the style of emmett (event-driven-io):
//
//   given(deploymentStarted({ time: "2025-03-03", plannedEnd: "2025-04-11" }), ...readyPoe())
//     .when("2025-05-22")
//     .then((state) => expect(state.claim.eligibility).toBe("usage-incentive"));
//
// Builders produce CloudEvents of EVENTS.md with sensible defaults for the default pair
// (PARTNER × TENANT × WORKLOAD). Every built event goes through `validateEvent`, so a test can only
// feed the fold what the inbound contract accepts. Options: envelope overrides (`time`, `id`,
// `source`, `tenant`, `workload`, `partner`, `extensions`) and any `data` field.
import { type EngagementEvent, validateEvent } from "../../domain/events.ts";
import { evaluatePairs } from "../../domain/fold.ts";
import type { PairState } from "../../domain/pair-state.ts";

export const PARTNER = "4811223";
export const TENANT = "6f1c2a9e-3c4b-4f1e-9a51-2b7c0d9e8f10";
export const OTHER_TENANT = "0b7d5e3a-1c2f-4a6b-8d9e-0f1a2b3c4d5e";
export const WORKLOAD = "defender-endpoint";
export const SOURCE = "crm://dynamics365/contoso";

export interface Envelope {
  /** A calendar date `YYYY-MM-DD` (taken as 09:00 UTC that day) or a full RFC 3339 instant. */
  time?: string;
  id?: string;
  source?: string;
  tenant?: string;
  workload?: string;
  partner?: string;
  /** CloudEvents extension attributes to put on the envelope. */
  extensions?: Record<string, unknown>;
}

type Data = Record<string, unknown>;
type Options = Envelope & Data;

let sequence = 0;
let documents = 0;

const ENVELOPE_KEYS = new Set(["time", "id", "source", "tenant", "workload", "partner", "extensions"]);

/** `2025-03-03` → `2025-03-03T09:00:00Z`; a full instant is kept as given. */
export function instant(time: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(time) ? `${time}T09:00:00Z` : time;
}

function split(options: Options): { envelope: Envelope; data: Data } {
  const envelope: Envelope = {};
  const data: Data = {};
  for (const [k, v] of Object.entries(options)) {
    if (ENVELOPE_KEYS.has(k)) (envelope as Data)[k] = v;
    else data[k] = v;
  }
  return { envelope, data };
}

/** Builds the raw JSON of an event (not validated): for validation tests that break it on purpose. */
export function rawEvent(
  type: string,
  scope: "pair" | "tenant" | "partner",
  defaults: Data,
  options: Options = {},
): Record<string, unknown> {
  const { envelope, data } = split(options);
  const raw: Record<string, unknown> = {
    specversion: "1.0",
    id: envelope.id ?? `evt-${++sequence}`,
    source: envelope.source ?? SOURCE,
    type,
    time: instant(envelope.time ?? "2025-03-03"),
    partnerid: envelope.partner ?? PARTNER,
  };
  if (scope !== "partner") raw.tenantid = envelope.tenant ?? TENANT;
  if (scope === "pair") raw.workload = envelope.workload ?? WORKLOAD;
  // A field given as `undefined` is left out: `scopeDescribed({ usersInScope: undefined })`.
  raw.data = Object.fromEntries(Object.entries({ ...defaults, ...data }).filter(([, v]) => v !== undefined));
  return { ...raw, ...(envelope.extensions ?? {}) };
}

function build(type: string, scope: "pair" | "tenant" | "partner", defaults: Data, options: Options) {
  const raw = rawEvent(type, scope, defaults, options);
  const v = validateEvent(raw);
  if (!v.ok) throw new Error(`test builder made an invalid ${type}: ${JSON.stringify(v.errors)}`);
  return v.event;
}

const builder =
  (type: string, scope: "pair" | "tenant" | "partner", defaults: Data) =>
  (options: Options = {}): EngagementEvent =>
    build(type, scope, defaults, options);

// Tenant events.
export const tenantProfiled = builder("tenant.profiled", "tenant", {
  customerName: "Contoso Ltd",
  segment: "commercial",
  publicSector: false,
  country: "GB",
});

// Pair events.
export const presalesDelivered = builder("presales.engagement.delivered", "pair", {
  program: "MCI",
  engagement: "Threat Protection Engagement",
  startDate: "2025-02-10",
  endDate: "2025-03-07",
});
export const presalesMilestone = builder("presales.milestone.reached", "pair", {
  program: "CSI",
  milestone: "Milestone 2",
  paid: true,
});
export const deploymentStarted = builder("deployment.started", "pair", {
  activities: ["configuration", "policy-customization"],
  delivery: "remote",
});
export const deploymentCompleted = builder("deployment.completed", "pair", { completedOn: "2025-04-11" });
export const adoptionLogged = builder("adoption.activity.logged", "pair", {
  kind: "health-check",
  handsOn: true,
  audience: "admins",
  delivery: "remote",
  durationDays: 12,
  meetings: 5,
});
export const guidanceSession = builder("guidance.session.logged", "pair", {
  minutes: 30,
  topic: "Feature overview",
});
export const supportCase = builder("support.case.logged", "pair", { kind: "technical-support" });
export const managedServicesStarted = builder("managed-services.started", "pair", { offering: "MXDR" });
export const managedServicesEnded = builder("managed-services.ended", "pair", {});
export const scopeDescribed = builder("engagement.scope.described", "pair", {
  description: "Customer-specific rollout: policies tuned to their estate.",
  startDate: "2025-03-03",
  endDate: "2025-04-11",
  usersInScope: 1200,
  customerNeed: "Ransomware exposure on unmanaged endpoints",
  customerBenefit: "Unified policy and detection",
  meetingsHeld: 6,
});
export const acknowledged = (options: Options = {}) =>
  build(
    "acknowledgement.recorded",
    "pair",
    {
      signedOn: "2025-02-20",
      signer: { name: "Dana Customer", title: "CISO" },
      format: "signed-sow",
      workloads: [options.workload ?? WORKLOAD],
    },
    options,
  );
export const disclosed = builder("disclosure.recorded", "pair", { disclosedOn: "2025-02-20" });
export const documentAttached = (options: Options = {}) =>
  build(
    "poe.document.attached",
    "pair",
    {
      documentId: `doc-${++documents}`,
      kind: "sow",
      fileName: "sow.pdf",
      contentType: "application/pdf",
      size: 48213,
      sha256: "a".repeat(64),
      workloadsMentioned: [options.workload ?? WORKLOAD],
    },
    options,
  );
export const claimSubmitted = builder("claim.submitted", "pair", {
  claimId: "CLM-1",
  claimType: "usage-incentive",
  submittedOn: "2025-03-20",
});
export const infoRequested = builder("claim.info-requested", "pair", {
  claimId: "CLM-1",
  comment: "Please attach the signed SOW",
});
export const claimResubmitted = builder("claim.resubmitted", "pair", { claimId: "CLM-1" });
export const claimApproved = builder("claim.approved", "pair", {
  claimId: "CLM-1",
  approvedOn: "2025-04-10",
});
export const claimRejected = builder("claim.rejected", "pair", {
  claimId: "CLM-1",
  reason: "Insufficient POE",
});
export const claimDeclined = builder("claim.declined", "pair", { claimId: "CLM-1" });
export const claimDisassociated = builder("claim.disassociated", "pair", {
  claimId: "CLM-1",
  reason: "Partner of record changed",
});
export const usageReported = builder("usage.reported", "pair", { month: "2025-04", mau: 800, pau: 1000 });

// Partner events.
export const certificationRecorded = builder("skilling.certification.recorded", "partner", {
  person: "Ada",
  certification: "SC-200",
  earnedOn: "2025-03-01",
});

/**
 * A complete, approvable POE for a pair (POE-1..POE-11 all met): tenant profile, acknowledgement
 * naming the workload, a scope with dates, users, need, benefit and meetings, and a SOW document.
 */
export function readyPoe(options: { signedOn?: string; tenant?: string; workload?: string } = {}) {
  const signedOn = options.signedOn ?? "2025-02-20";
  const at = { tenant: options.tenant ?? TENANT, workload: options.workload ?? WORKLOAD };
  return [
    tenantProfiled({ time: "2025-01-10", tenant: at.tenant }),
    acknowledged({ ...at, time: signedOn, signedOn }),
    scopeDescribed({ ...at, time: signedOn }),
    documentAttached({ ...at, time: signedOn }),
  ];
}

/** `2025-05-22` → `2025-05-22T00:00:00Z` (the start of that UTC day, as in the shared scenarios). */
export function asOfInstant(asOf: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(asOf) ? `${asOf}T00:00:00Z` : asOf;
}

export interface Then {
  /** The default pair's state (or the pair named by `pair`). */
  then(expectation: (state: PairState) => void, pair?: { tenant?: string; workload?: string }): void;
  /** Every pair's state, as `evaluatePairs` returns it. */
  thenAll(expectation: (states: PairState[]) => void): void;
  /** The state itself, for comparisons between two givens. */
  state(pair?: { tenant?: string; workload?: string }): PairState;
}

export function given(...events: (EngagementEvent | readonly EngagementEvent[])[]) {
  const stream = events.flat() as EngagementEvent[];
  return {
    when(asOf: string): Then {
      const states = () => evaluatePairs(stream, asOfInstant(asOf));
      const pick = (pair: { tenant?: string; workload?: string } = {}) => {
        const tenant = (pair.tenant ?? TENANT).toLowerCase();
        const workload = pair.workload ?? WORKLOAD;
        const found = states().find((s) => s.tenantId === tenant && s.workload === workload);
        if (!found) throw new Error(`no state for ${tenant} × ${workload}`);
        return found;
      };
      return {
        then: (expectation, pair) => expectation(pick(pair)),
        thenAll: (expectation) => expectation(states()),
        state: pick,
      };
    },
  };
}

/** Codes of a state's reasons / windows, for terse assertions. */
export const reasonCodes = (s: PairState) => s.claim.reasons.map((r) => r.code);
export const windowCodes = (s: PairState) => s.windows.map((w) => w.code);
export const windowOf = (s: PairState, code: string) => s.windows.find((w) => w.code === code);

/**
 * A correction (`event.voided`) of `target`, on the target's own stream (pair, tenant or partner):
 * `voids(deployment, { time: "2025-06-01" })`.
 */
export function voids(target: EngagementEvent, options: Options = {}): EngagementEvent {
  const scope =
    target.type === "event.voided"
      ? target.workload
        ? "pair"
        : target.tenantid
          ? "tenant"
          : "partner"
      : target.type === "tenant.profiled"
        ? "tenant"
        : target.type === "skilling.certification.recorded"
          ? "partner"
          : "pair";
  const t = target as { tenantid?: string; workload?: string };
  return build(
    "event.voided",
    scope,
    { voidedSource: target.source, voidedId: target.id, reason: "typed in error", by: "ops@partner.example" },
    {
      ...(t.tenantid ? { tenant: t.tenantid } : {}),
      ...(t.workload ? { workload: t.workload } : {}),
      ...options,
    },
  );
}
