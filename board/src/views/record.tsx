// Record by hand: the events a partner records without a CRM, sent to POST /api/recorded-events with
// the API key. Each form carries its own event id, so submitting twice stores the event once. The forms
// themselves are data, in ./record/forms.ts.
import { useEffect, useMemo, useState } from "preact/hooks";
import { api } from "../api.ts";
import { ErrorNote } from "../components/error-note.tsx";
import { Choice, TextField } from "../components/field.tsx";
import { pairHref } from "../components/marks.tsx";
import { Section } from "../components/section.tsx";
import { FieldInput } from "./record/field-input.tsx";
import { dataOf, defaultsOf, type FieldValue, FORMS } from "./record/forms.ts";

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

const TITLES = Object.fromEntries(Object.entries(FORMS).map(([type, form]) => [type, form.title]));

export function RecordView() {
  const params = new URLSearchParams(location.hash.split("?")[1] ?? "");
  const [type, setType] = useState(params.get("type") ?? "acknowledgement.recorded");
  const [tenantId, setTenantId] = useState(params.get("tenant") ?? "");
  const [workload, setWorkload] = useState(params.get("workload") ?? "");
  const [when, setWhen] = useState("");
  const [values, setValues] = useState<Record<string, FieldValue>>({});
  const [eventId, setEventId] = useState(newId);
  const [result, setResult] = useState("");
  const [error, setError] = useState<unknown>(null);
  const form = FORMS[type]!;

  useEffect(() => {
    void serviceNow().then((now) => setWhen(now.slice(0, 16)));
  }, []);
  const today = when.slice(0, 10);
  const defaults = useMemo(() => defaultsOf(form, today, workload), [type, today, workload]);
  const value = (name: string) => values[name] ?? defaults[name] ?? "";

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setResult("");
    const body = {
      id: eventId,
      type,
      time: new Date(`${when}:00Z`).toISOString(),
      tenantid: tenantId.trim(),
      ...(form.tenant ? {} : { workload: workload.trim() }),
      data: dataOf(form, value),
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
    <Section id="record-title" title="Record by hand" level={1}>
      <p>
        For partners without a CRM integration: each event is stored exactly like a CRM's, with the board and
        you named as its source.
      </p>
      <form class="record" onSubmit={submit}>
        <Choice
          id="r-type"
          label="What happened"
          value={type}
          options={Object.keys(FORMS)}
          names={TITLES}
          onValue={(t) => {
            setType(t);
            setValues({});
          }}
        />
        <TextField id="r-tenant" label="Tenant id" required value={tenantId} onValue={setTenantId} />
        {!form.tenant && (
          <TextField id="r-workload" label="Workload" required value={workload} onValue={setWorkload} />
        )}
        <TextField
          id="r-when"
          label="When it happened (UTC)"
          type="datetime-local"
          required
          value={when}
          onValue={setWhen}
        />
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
    </Section>
  );
}
