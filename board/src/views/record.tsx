// Record by hand: the events a partner records without a CRM, sent to POST /api/recorded-events with
// the API key. Each form carries its own event id, so submitting twice stores the event once.
import { useEffect, useMemo, useState } from "preact/hooks";
import { DEPLOYMENT_ACTIVITIES } from "../../../domain/value-sets.ts";
import { api } from "../api.ts";
import { label } from "../text.ts";
import { ErrorNote, pairHref } from "./common.tsx";

type Field =
  | {
      name: string;
      label: string;
      kind: "text" | "date" | "number" | "textarea" | "email";
      optional?: boolean;
    }
  | { name: string; label: string; kind: "select"; options: readonly string[]; optional?: boolean }
  | { name: string; label: string; kind: "bool" }
  | { name: string; label: string; kind: "multi"; options: readonly string[] }
  | { name: string; label: string; kind: "list"; optional?: boolean };

const DELIVERY = {
  name: "delivery",
  label: "Delivery",
  kind: "select",
  options: ["remote", "onsite", "hybrid"],
} as const;
const CLAIM_ID = { name: "claimId", label: "Claim id", kind: "text" } as const;

/** One form per event type (contract/EVENTS.md); `tenant` types apply to every workload of the tenant. */
const FORMS: Record<string, { title: string; tenant?: boolean; fields: Field[] }> = {
  "tenant.profiled": {
    title: "Tenant profile",
    tenant: true,
    fields: [
      { name: "customerName", label: "Customer name", kind: "text" },
      {
        name: "segment",
        label: "Segment",
        kind: "select",
        options: ["commercial", "education", "government-gcc", "government-gcc-high", "government-dod"],
      },
      { name: "publicSector", label: "Public sector", kind: "bool" },
      { name: "country", label: "Country (ISO code, e.g. US)", kind: "text" },
      { name: "paidSeats", label: "Paid seats", kind: "number", optional: true },
    ],
  },
  "deployment.started": {
    title: "Deployment started",
    fields: [
      {
        name: "activities",
        label: "Activities",
        kind: "multi",
        options: DEPLOYMENT_ACTIVITIES,
      },
      DELIVERY,
      { name: "plannedStart", label: "Planned start", kind: "date", optional: true },
      { name: "plannedEnd", label: "Planned end", kind: "date", optional: true },
      { name: "usersInScope", label: "Users in scope", kind: "number", optional: true },
    ],
  },
  "deployment.completed": {
    title: "Deployment completed",
    fields: [
      { name: "completedOn", label: "Completed on", kind: "date" },
      { name: "usersDeployed", label: "Users deployed", kind: "number", optional: true },
    ],
  },
  "adoption.activity.logged": {
    title: "Adoption activity",
    fields: [
      {
        name: "kind",
        label: "Kind",
        kind: "select",
        options: [
          "change-management",
          "admin-enablement",
          "health-check",
          "fasttrack-guidance",
          "end-user-training",
        ],
      },
      { name: "handsOn", label: "Hands-on", kind: "bool" },
      { name: "audience", label: "Audience", kind: "select", options: ["admins", "end-users", "mixed"] },
      DELIVERY,
      { name: "durationDays", label: "Duration (days)", kind: "number", optional: true },
      { name: "meetings", label: "Meetings", kind: "number", optional: true },
    ],
  },
  "engagement.scope.described": {
    title: "Scope",
    fields: [
      { name: "description", label: "Customer-specific description", kind: "textarea" },
      { name: "startDate", label: "Start date", kind: "date", optional: true },
      { name: "endDate", label: "End date", kind: "date", optional: true },
      { name: "usersInScope", label: "Users in scope", kind: "number", optional: true },
      { name: "customerNeed", label: "Customer need", kind: "text", optional: true },
      { name: "customerBenefit", label: "Customer benefit", kind: "text", optional: true },
      { name: "meetingsHeld", label: "Meetings held", kind: "number", optional: true },
    ],
  },
  "acknowledgement.recorded": {
    title: "Acknowledgement",
    fields: [
      { name: "signedOn", label: "Signed on", kind: "date" },
      { name: "signer.name", label: "Signer's name", kind: "text" },
      { name: "signer.title", label: "Signer's title", kind: "text", optional: true },
      { name: "signer.email", label: "Signer's email", kind: "email", optional: true },
      {
        name: "format",
        label: "Format",
        kind: "select",
        options: ["signed-sow", "e-signature", "poe-template", "email"],
      },
      { name: "workloads", label: "Workloads acknowledged (comma-separated)", kind: "list" },
    ],
  },
  "disclosure.recorded": {
    title: "Public-sector disclosure",
    fields: [{ name: "disclosedOn", label: "Disclosed on", kind: "date" }],
  },
  "claim.submitted": {
    title: "Claim submitted",
    fields: [
      CLAIM_ID,
      {
        name: "claimType",
        label: "Claim type",
        kind: "select",
        options: ["usage-incentive", "usage-recognition"],
      },
      { name: "submittedOn", label: "Submitted on", kind: "date" },
    ],
  },
  "claim.info-requested": {
    title: "Reviewer asked for information",
    fields: [
      CLAIM_ID,
      { name: "comment", label: "Reviewer's comment", kind: "textarea" },
      { name: "respondBy", label: "Respond by", kind: "date", optional: true },
    ],
  },
  "claim.resubmitted": {
    title: "Claim resubmitted",
    fields: [CLAIM_ID, { name: "comment", label: "Comment", kind: "textarea", optional: true }],
  },
  "claim.approved": {
    title: "Claim approved",
    fields: [CLAIM_ID, { name: "approvedOn", label: "Approved on", kind: "date" }],
  },
  "claim.rejected": {
    title: "Claim rejected",
    fields: [CLAIM_ID, { name: "reason", label: "Reviewer's reason", kind: "textarea" }],
  },
};

const newId = () => `board-${crypto.randomUUID()}`;

/** The service's "now" (TRACKER_NOW may move it): events default to it, so they are in effect at once. */
async function serviceNow(): Promise<string> {
  try {
    const page = await api<{ items: { asOf: string }[] }>("pairs?limit=1");
    if (page.items[0]) return page.items[0].asOf;
  } catch {
    // fall back to this browser's clock
  }
  return new Date().toISOString();
}

export function RecordView() {
  const params = new URLSearchParams(location.hash.split("?")[1] ?? "");
  const [type, setType] = useState(params.get("type") ?? "acknowledgement.recorded");
  const [tenantId, setTenantId] = useState(params.get("tenant") ?? "");
  const [workload, setWorkload] = useState(params.get("workload") ?? "");
  const [when, setWhen] = useState("");
  const [values, setValues] = useState<Record<string, string | boolean | string[]>>({});
  const [eventId, setEventId] = useState(newId);
  const [result, setResult] = useState("");
  const [error, setError] = useState<unknown>(null);
  const form = FORMS[type]!;

  useEffect(() => {
    void serviceNow().then((now) => setWhen(now.slice(0, 16)));
  }, []);
  const today = when.slice(0, 10);
  const defaults = useMemo(() => {
    const d: Record<string, string | boolean | string[]> = {};
    for (const f of form.fields) {
      if (f.kind === "date" && !f.optional) d[f.name] = today;
      if (f.kind === "select" && !f.optional) d[f.name] = f.options[0]!;
      if (f.kind === "bool") d[f.name] = false;
      if (f.kind === "list" && f.name === "workloads") d[f.name] = workload;
      if (f.kind === "multi") d[f.name] = [];
    }
    return d;
  }, [type, today, workload]);
  const value = (name: string) => values[name] ?? defaults[name] ?? "";

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setResult("");
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
    const body = {
      id: eventId,
      type,
      time: new Date(`${when}:00Z`).toISOString(),
      tenantid: tenantId.trim(),
      ...(form.tenant ? {} : { workload: workload.trim() }),
      data,
    };
    try {
      const answer = await api<{ accepted: number; duplicates: number }>("recorded-events", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      setResult(
        answer.accepted > 0
          ? `Recorded: ${form.title.toLowerCase()} (${eventId}).`
          : `Already recorded (${eventId}); stored once.`,
      );
      setEventId(newId());
      setValues({});
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section aria-labelledby="record-title">
      <h1 id="record-title">Record by hand</h1>
      <p>
        For partners without a CRM integration: each event is stored exactly like a CRM's, with the board and
        you named as its source.
      </p>
      <form class="record" onSubmit={submit}>
        <div class="field">
          <label for="r-type">What happened</label>
          <select
            id="r-type"
            value={type}
            onChange={(e) => {
              setType(e.currentTarget.value);
              setValues({});
            }}
          >
            {Object.entries(FORMS).map(([t, f]) => (
              <option key={t} value={t}>
                {f.title}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="r-tenant">Tenant id</label>
          <input
            id="r-tenant"
            required
            value={tenantId}
            onInput={(e) => setTenantId(e.currentTarget.value)}
          />
        </div>
        {!form.tenant && (
          <div class="field">
            <label for="r-workload">Workload</label>
            <input
              id="r-workload"
              required
              value={workload}
              onInput={(e) => setWorkload(e.currentTarget.value)}
            />
          </div>
        )}
        <div class="field">
          <label for="r-when">When it happened (UTC)</label>
          <input
            id="r-when"
            type="datetime-local"
            required
            value={when}
            onInput={(e) => setWhen(e.currentTarget.value)}
          />
        </div>
        <fieldset>
          <legend>{form.title}</legend>
          {form.fields.map((f) => (
            <FieldInput
              key={type + f.name}
              field={f}
              value={value(f.name)}
              onChange={(v) => setValues({ ...values, [f.name]: v })}
            />
          ))}
        </fieldset>
        <button type="submit">Record</button>
      </form>
      <p role="status">{result}</p>
      {result && tenantId && workload && !form.tenant && (
        <p>
          <a href={pairHref(tenantId.trim(), workload.trim())}>Open the pair</a>
        </p>
      )}
      <ErrorNote error={error} />
    </section>
  );
}

function FieldInput({
  field: f,
  value,
  onChange,
}: {
  field: Field;
  value: string | boolean | string[];
  onChange: (v: string | boolean | string[]) => void;
}) {
  const id = `r-${f.name.replace(".", "-")}`;
  if (f.kind === "bool")
    return (
      <div class="field check">
        <input
          id={id}
          type="checkbox"
          checked={value === true}
          onChange={(e) => onChange(e.currentTarget.checked)}
        />
        <label for={id}>{f.label}</label>
      </div>
    );
  if (f.kind === "multi") {
    const list = Array.isArray(value) ? value : [];
    return (
      <fieldset class="multi">
        <legend>{f.label}</legend>
        {f.options.map((o) => (
          <div class="field check" key={o}>
            <input
              id={`${id}-${o}`}
              type="checkbox"
              checked={list.includes(o)}
              onChange={(e) => onChange(e.currentTarget.checked ? [...list, o] : list.filter((x) => x !== o))}
            />
            <label for={`${id}-${o}`}>{label(o)}</label>
          </div>
        ))}
      </fieldset>
    );
  }
  const optional = "optional" in f && f.optional;
  const text = `${f.label}${optional ? " (optional)" : ""}`;
  if (f.kind === "select")
    return (
      <div class="field">
        <label for={id}>{text}</label>
        <select id={id} value={String(value)} onChange={(e) => onChange(e.currentTarget.value)}>
          {optional && <option value="">—</option>}
          {f.options.map((o) => (
            <option key={o} value={o}>
              {label(o)}
            </option>
          ))}
        </select>
      </div>
    );
  if (f.kind === "textarea")
    return (
      <div class="field wide">
        <label for={id}>{text}</label>
        <textarea
          id={id}
          required={!optional}
          value={String(value)}
          onInput={(e) => onChange(e.currentTarget.value)}
        />
      </div>
    );
  return (
    <div class="field">
      <label for={id}>{text}</label>
      <input
        id={id}
        type={(f.kind === "list" ? "text" : f.kind) as "text"}
        required={!optional}
        min={f.kind === "number" ? 0 : undefined}
        value={String(value)}
        onInput={(e) => onChange(e.currentTarget.value)}
      />
    </div>
  );
}
