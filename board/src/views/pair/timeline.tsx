// The pair's events in business time, the tenant's included. A mistaken event is voided (an
// `event.voided` recorded beside it, with the reason): it stays in the timeline, marked, and stops
// counting; nothing is deleted.
import { useState } from "preact/hooks";
import { api } from "../../api.ts";
import { ErrorNote } from "../../components/error-note.tsx";
import { Section } from "../../components/section.tsx";
import type { CloudEvent, Pair } from "../../types.ts";

/** The `event.voided` that voids `e`, recorded by the board. */
const voidOf = (e: CloudEvent, reason: string) => ({
  id: crypto.randomUUID(),
  type: "event.voided",
  time: new Date().toISOString(),
  tenantid: e.tenantid,
  ...(e.workload ? { workload: e.workload } : {}),
  data: { voidedSource: e.source, voidedId: e.id, reason, by: "board" },
});

export function Timeline({
  pair,
  timeline,
  onChange,
}: {
  pair: Pair;
  timeline: CloudEvent[];
  onChange: () => void;
}) {
  const [voiding, setVoiding] = useState<CloudEvent | null>(null);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!voiding) return;
    try {
      await api("recorded-events", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(voidOf(voiding, reason)),
      });
      setVoiding(null);
      setReason("");
      onChange();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Section id="timeline" title="Timeline">
      <p class="muted">In business time (when things happened), the tenant's events included.</p>
      <ol class="timeline">
        {timeline.map((e) => (
          <li key={e.source + e.id} class={e.voided ? "voided" : ""} data-event={e.id}>
            <time dateTime={e.time}>{e.time.slice(0, 16).replace("T", " ")}</time> <strong>{e.type}</strong>{" "}
            <span class="muted">from {e.source}</span>
            {e.voided ? (
              <div>
                Voided: {e.voided.reason} (by {e.voided.by})
              </div>
            ) : e.type !== "event.voided" ? (
              <button
                type="button"
                class="link"
                onClick={() => setVoiding(e)}
                aria-label={`Void ${e.type} of ${e.time.slice(0, 10)}`}
              >
                Void
              </button>
            ) : (
              <div>
                voids {String(e.data.voidedId)}: {String(e.data.reason)}
              </div>
            )}
          </li>
        ))}
      </ol>
      {voiding && (
        <form class="void-form" onSubmit={submit} aria-label="Void an event">
          <p>
            Void <strong>{voiding.type}</strong> of {voiding.time.slice(0, 10)} on {pair.workload}? It stays
            in the timeline, marked void, and stops counting.
          </p>
          <label for="void-reason">Why is it a mistake?</label>
          <input id="void-reason" required value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          <button type="submit">Void the event</button>{" "}
          <button type="button" class="link" onClick={() => setVoiding(null)}>
            Cancel
          </button>
        </form>
      )}
      <ErrorNote error={error} />
    </Section>
  );
}
