// The forms of "Record by hand": one per event type a partner records without a CRM
// (contract/EVENTS.md), each field named as in the event's `data` ("signer.name" is `data.signer.name`).
import { CLAIM_TYPES, DEPLOYMENT_ACTIVITIES, SEGMENTS } from "../../../../domain/value-sets.ts";

type Plain = "text" | "date" | "number" | "textarea" | "email";
export type FormField =
  | { name: string; label: string; kind: Plain; optional?: boolean }
  | { name: string; label: string; kind: "select"; options: readonly string[]; optional?: boolean }
  | { name: string; label: string; kind: "bool" }
  | { name: string; label: string; kind: "multi"; options: readonly string[] }
  | { name: string; label: string; kind: "list"; optional?: boolean };

export interface EventForm {
  title: string;
  /** The event is about the tenant, so every workload of it: the form asks for no workload. */
  tenant?: boolean;
  fields: FormField[];
}

/** Marks a field that may be left empty: it is then left out of the event. */
const OPTIONAL = true;

const plain =
  (kind: Plain) =>
  (name: string, label: string, optional?: boolean): FormField => ({ name, label, kind, optional });
const text = plain("text");
const date = plain("date");
const number = plain("number");
const prose = plain("textarea");
const email = plain("email");
const oneOf = (name: string, label: string, options: readonly string[]): FormField => ({
  name,
  label,
  kind: "select",
  options,
});
const yesNo = (name: string, label: string): FormField => ({ name, label, kind: "bool" });

/** Marks a form whose event is about the tenant, not one workload. */
const TENANT = true;
const form = (title: string, fields: FormField[], tenant?: typeof TENANT): EventForm => ({
  title,
  fields,
  tenant,
});

const DELIVERY = oneOf("delivery", "Delivery", ["remote", "onsite", "hybrid"]);
const CLAIM_ID = text("claimId", "Claim id");

export const FORMS: Record<string, EventForm> = {
  "tenant.profiled": form(
    "Tenant profile",
    [
      text("customerName", "Customer name"),
      oneOf("segment", "Segment", SEGMENTS),
      yesNo("publicSector", "Public sector"),
      text("country", "Country (ISO code, e.g. US)"),
      number("paidSeats", "Paid seats", OPTIONAL),
    ],
    TENANT,
  ),
  "deployment.started": form("Deployment started", [
    { name: "activities", label: "Activities", kind: "multi", options: DEPLOYMENT_ACTIVITIES },
    DELIVERY,
    date("plannedStart", "Planned start", OPTIONAL),
    date("plannedEnd", "Planned end", OPTIONAL),
    number("usersInScope", "Users in scope", OPTIONAL),
  ]),
  "deployment.completed": form("Deployment completed", [
    date("completedOn", "Completed on"),
    number("usersDeployed", "Users deployed", OPTIONAL),
  ]),
  "adoption.activity.logged": form("Adoption activity", [
    oneOf("kind", "Kind", [
      "change-management",
      "admin-enablement",
      "health-check",
      "fasttrack-guidance",
      "end-user-training",
    ]),
    yesNo("handsOn", "Hands-on"),
    oneOf("audience", "Audience", ["admins", "end-users", "mixed"]),
    DELIVERY,
    number("durationDays", "Duration (days)", OPTIONAL),
    number("meetings", "Meetings", OPTIONAL),
  ]),
  "engagement.scope.described": form("Scope", [
    prose("description", "Customer-specific description"),
    date("startDate", "Start date", OPTIONAL),
    date("endDate", "End date", OPTIONAL),
    number("usersInScope", "Users in scope", OPTIONAL),
    text("customerNeed", "Customer need", OPTIONAL),
    text("customerBenefit", "Customer benefit", OPTIONAL),
    number("meetingsHeld", "Meetings held", OPTIONAL),
  ]),
  "acknowledgement.recorded": form("Acknowledgement", [
    date("signedOn", "Signed on"),
    text("signer.name", "Signer's name"),
    text("signer.title", "Signer's title", OPTIONAL),
    email("signer.email", "Signer's email", OPTIONAL),
    oneOf("format", "Format", ["signed-sow", "e-signature", "poe-template", "email"]),
    { name: "workloads", label: "Workloads acknowledged (comma-separated)", kind: "list" },
  ]),
  "disclosure.recorded": form("Public-sector disclosure", [date("disclosedOn", "Disclosed on")]),
  "claim.submitted": form("Claim submitted", [
    CLAIM_ID,
    oneOf("claimType", "Claim type", CLAIM_TYPES),
    date("submittedOn", "Submitted on"),
  ]),
  "claim.info-requested": form("Reviewer asked for information", [
    CLAIM_ID,
    prose("comment", "Reviewer's comment"),
    date("respondBy", "Respond by", OPTIONAL),
  ]),
  "claim.resubmitted": form("Claim resubmitted", [CLAIM_ID, prose("comment", "Comment", OPTIONAL)]),
  "claim.approved": form("Claim approved", [CLAIM_ID, date("approvedOn", "Approved on")]),
  "claim.rejected": form("Claim rejected", [CLAIM_ID, prose("reason", "Reviewer's reason")]),
};

export type FieldValue = string | boolean | string[];

/** What a field shows before the partner touches it: today for a required date, the first option… */
export function defaultsOf(form: EventForm, today: string, workload: string): Record<string, FieldValue> {
  const d: Record<string, FieldValue> = {};
  for (const f of form.fields) {
    if (f.kind === "date" && !f.optional) d[f.name] = today;
    if (f.kind === "select" && !f.optional) d[f.name] = f.options[0]!;
    if (f.kind === "bool") d[f.name] = false;
    if (f.kind === "list" && f.name === "workloads") d[f.name] = workload;
    if (f.kind === "multi") d[f.name] = [];
  }
  return d;
}

/** The event's `data` from the form's values: numbers as numbers, lists split, "a.b" nested. */
export function dataOf(form: EventForm, value: (name: string) => FieldValue): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const f of form.fields) {
    const v = value(f.name);
    if (v === "" || (Array.isArray(v) && v.length === 0 && f.kind !== "multi")) continue;
    let out: unknown = v;
    if (f.kind === "number") out = Number(v);
    if (f.kind === "list")
      out = String(v)
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
    const [head, tail] = f.name.split(".") as [string, string | undefined];
    if (tail) data[head] = { ...((data[head] as object) ?? {}), [tail]: out };
    else data[head] = out;
  }
  return data;
}
