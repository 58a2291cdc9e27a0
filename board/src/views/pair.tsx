// Pair: timeline in business time, the verdict with its reasons (the service's own messages and rule
// ids), the POE checklist, documents (drag-and-drop upload, download), the POE summary to copy, and
// the claim's history with the reviewer. A mistaken event is voided from the timeline, never deleted.
import { useCallback, useEffect, useState } from "preact/hooks";
import { POE_DOCUMENT_KINDS } from "../../../domain/value-sets.ts";
import { api, download, pairPath, query } from "../api.ts";
import { daysText, label, POE_ADVICE, WINDOW_LABEL } from "../text.ts";
import type { CloudEvent, Pair } from "../types.ts";
import { Badge, DropZone, ErrorNote, Rule } from "./common.tsx";

interface PoeItem {
  code: string;
  rule: string;
  blocking: boolean;
  message: string;
}
interface Round {
  round: number;
  submittedOn: string;
  comment?: string;
  reviewer?: { step: string; on: string; days: number; comment?: string; respondBy?: string };
}
interface Review {
  claimId: string;
  rounds: Round[];
  message: string;
  rejection?: { on: string; reason: string };
  ending?: { step: string; on: string; reason?: string };
}

export function PairView({ tenantId, workload, asOf }: { tenantId: string; workload: string; asOf: string }) {
  const [pair, setPair] = useState<Pair | null>(null);
  const [summary, setSummary] = useState<string>("");
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  const reload = useCallback(() => setVersion((v) => v + 1), []);
  const path = pairPath(tenantId, workload);

  useEffect(() => {
    let live = true;
    setError(null);
    api<Pair>(path + query({ asOf }))
      .then((p) => live && setPair(p))
      .catch((e) => live && setError(e));
    api<unknown>(`${path}/poe-summary`)
      .then(
        (s) =>
          live &&
          setSummary(
            typeof s === "string" ? s : ((s as { text?: string }).text ?? JSON.stringify(s, null, 2)),
          ),
      )
      .catch(() => live && setSummary(""));
    return () => {
      live = false;
    };
  }, [path, asOf, version]);

  if (error) return <ErrorNote error={error} />;
  if (!pair) return <p aria-live="polite">Loading the pair…</p>;
  const items = (pair.poe.items as PoeItem[] | undefined) ?? [
    ...pair.poe.missing.map((code) => ({
      code,
      rule: pair.poe.rules?.[code] ?? "",
      blocking: true,
      message: POE_ADVICE[code] ?? code,
    })),
    ...pair.poe.recommended.map((code) => ({
      code,
      rule: pair.poe.rules?.[code] ?? "",
      blocking: false,
      message: POE_ADVICE[code] ?? code,
    })),
  ];
  const timeline = pair.timeline ?? [];
  const profile = timeline.filter((e) => e.type === "tenant.profiled" && !e.voided).at(-1);
  const customerName = pair.customerName ?? (profile ? String(profile.data.customerName) : null);
  const documents = timeline.filter((e) => e.type === "poe.document.attached" && !e.voided);
  const review = (pair.claim as { review?: Review }).review;
  const advice = (pair.advice as { code: string; rule: string; message: string }[] | undefined) ?? [];
  const history =
    (pair.claim as { history?: { eligibility: string; from: string; until?: string; message: string }[] })
      .history ?? [];

  return (
    <article aria-labelledby="pair-title">
      <p>
        <a href="#/">← Board</a>
      </p>
      <h1 id="pair-title">
        {customerName ?? "(no profile)"} · {pair.workload}
      </h1>
      <p class="muted mono">
        tenant {pair.tenantId} · as of {pair.asOf.slice(0, 10)} · program year {pair.programYear}
      </p>

      <section aria-labelledby="verdict">
        <h2 id="verdict">Verdict</h2>
        <dl class="facts">
          <dt>Stage</dt>
          <dd>{label(pair.stage)}</dd>
          <dt>Eligibility</dt>
          <dd>{label(pair.claim.eligibility)}</dd>
          <dt>Claimable now</dt>
          <dd data-testid="claimable">
            {pair.claim.claimableNow ? <Badge kind="ok">yes</Badge> : <Badge kind="no">no</Badge>}
          </dd>
          <dt>Claim status</dt>
          <dd>
            {label(pair.claim.status)}
            {pair.claim.claimId ? ` (${pair.claim.claimId})` : ""}
          </dd>
        </dl>
        <h3>Why</h3>
        <ul class="reasons">
          {pair.claim.reasons.map((r) => (
            <li key={r.code}>
              {r.message} <Rule id={r.rule} />
            </li>
          ))}
        </ul>
        {advice.length > 0 && (
          <>
            <h3>Advice</h3>
            <ul class="reasons">
              {advice.map((a) => (
                <li key={a.code}>
                  {a.message} <Rule id={a.rule} />
                </li>
              ))}
            </ul>
          </>
        )}
        {history.length > 1 && (
          <>
            <h3>Eligibility over time</h3>
            <ul class="reasons">
              {history.map((h) => (
                <li key={h.from}>{h.message}</li>
              ))}
            </ul>
          </>
        )}
      </section>

      <section aria-labelledby="windows">
        <h2 id="windows">Deadlines</h2>
        {pair.windows.length === 0 ? (
          <p class="muted">No open window.</p>
        ) : (
          <ul>
            {pair.windows.map((w) => (
              <li key={w.code}>
                {WINDOW_LABEL[w.code] ?? w.code} on <time dateTime={w.closesOn}>{w.closesOn}</time> (
                {daysText(w.daysLeft)}) <Rule id={w.rule} />
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="poe">
        <h2 id="poe">POE checklist</h2>
        <p>
          {pair.poe.ready
            ? "Nothing blocking: the proof of execution is complete."
            : `${pair.poe.missing.length} item(s) block the claim.`}
        </p>
        <ul class="checklist" data-testid="poe-checklist">
          {items.map((i) => (
            <li
              key={i.code}
              data-poe={i.code}
              data-blocking={String(i.blocking)}
              class={i.blocking ? "missing" : "recommended"}
            >
              <strong>
                {i.blocking ? "Missing" : "Recommended"}: {label(i.code)}
              </strong>{" "}
              <Rule id={i.rule} />
              <div>{i.message}</div>
              {POE_ADVICE[i.code] && i.message !== POE_ADVICE[i.code] && (
                <div class="muted">{POE_ADVICE[i.code]}</div>
              )}
            </li>
          ))}
        </ul>
      </section>

      <Documents path={path} workload={pair.workload} documents={documents} onChange={reload} />

      <section aria-labelledby="summary">
        <h2 id="summary">POE summary</h2>
        <CopyText text={summary} />
      </section>

      <section aria-labelledby="claim-history">
        <h2 id="claim-history">Claim history</h2>
        <ClaimHistory review={review} timeline={timeline} />
      </section>

      <Timeline pair={pair} timeline={timeline} onChange={reload} />
    </article>
  );
}

function CopyText({ text }: { text: string }) {
  const [copied, setCopied] = useState("");
  if (!text) return <p class="muted">No summary yet.</p>;
  return (
    <>
      <textarea class="summary-text" readOnly rows={12} aria-label="POE summary text" value={text} />
      <button
        type="button"
        onClick={async () => {
          try {
            await navigator.clipboard.writeText(text);
            setCopied("Copied to the clipboard.");
          } catch {
            setCopied("Copying was refused by the browser: select the text and copy it.");
          }
        }}
      >
        Copy summary
      </button>
      <span role="status">{copied}</span>
    </>
  );
}

function ClaimHistory({ review, timeline }: { review: Review | undefined; timeline: CloudEvent[] }) {
  const events = timeline.filter((e) => e.type.startsWith("claim."));
  if (events.length === 0) return <p class="muted">Not claimed yet.</p>;
  return (
    <>
      {review && <p>{review.message}</p>}
      <ol class="history">
        {events.map((e) => (
          <li key={e.source + e.id} class={e.voided ? "voided" : ""}>
            <time dateTime={e.time}>{e.time.slice(0, 10)}</time>{" "}
            <strong>{label(e.type.replace("claim.", ""))}</strong> {String(e.data.claimId ?? "")}
            {["comment", "reason"].map((k) =>
              e.data[k] ? <blockquote key={k}>{String(e.data[k])}</blockquote> : null,
            )}
            {e.data.respondBy ? <div>Respond by {String(e.data.respondBy)}</div> : null}
          </li>
        ))}
      </ol>
    </>
  );
}

function Documents(props: { path: string; workload: string; documents: CloudEvent[]; onChange: () => void }) {
  const [kind, setKind] = useState("sow");
  const [mentioned, setMentioned] = useState(props.workload);
  const [status, setStatus] = useState("");
  const [error, setError] = useState<unknown>(null);
  const upload = async (file: File) => {
    setError(null);
    setStatus(`Uploading ${file.name}…`);
    const form = new FormData();
    form.set("kind", kind);
    form.set("workloadsMentioned", mentioned);
    form.set("file", file, file.name);
    try {
      await api(`${props.path}/documents`, { method: "POST", body: form });
      setStatus(`${file.name} is attached.`);
      props.onChange();
    } catch (e) {
      setStatus("");
      setError(e);
    }
  };
  return (
    <section aria-labelledby="documents">
      <h2 id="documents">Documents</h2>
      {props.documents.length === 0 ? (
        <p class="muted">No document attached.</p>
      ) : (
        <ul>
          {props.documents.map((d) => (
            <li key={String(d.data.documentId)}>
              <button
                type="button"
                class="link"
                onClick={async () => {
                  const blob = await download(
                    `${props.path}/documents/${encodeURIComponent(String(d.data.documentId))}`,
                  );
                  const a = document.createElement("a");
                  a.href = URL.createObjectURL(blob);
                  a.download = String(d.data.fileName ?? "document");
                  a.click();
                  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
                }}
              >
                Download {String(d.data.fileName)}
              </button>{" "}
              <span class="muted">
                {String(d.data.kind)} · names{" "}
                {(d.data.workloadsMentioned as string[] | undefined)?.join(", ")}
              </span>
            </li>
          ))}
        </ul>
      )}
      <div class="upload-fields">
        <div class="field">
          <label for="doc-kind">Kind</label>
          <select id="doc-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
            {POE_DOCUMENT_KINDS.map((k) => (
              <option key={k} value={k}>
                {label(k)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="doc-workloads">Workloads it names (comma-separated)</label>
          <input id="doc-workloads" value={mentioned} onInput={(e) => setMentioned(e.currentTarget.value)} />
        </div>
      </div>
      <DropZone label="Drop a document here, or choose a file" onFile={(file) => void upload(file)} />
      <p role="status">{status}</p>
      <ErrorNote error={error} />
    </section>
  );
}

function Timeline({
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
        body: JSON.stringify({
          id: crypto.randomUUID(),
          type: "event.voided",
          time: new Date().toISOString(),
          tenantid: voiding.tenantid,
          ...(voiding.workload ? { workload: voiding.workload } : {}),
          data: { voidedSource: voiding.source, voidedId: voiding.id, reason, by: "board" },
        }),
      });
      setVoiding(null);
      setReason("");
      onChange();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section aria-labelledby="timeline">
      <h2 id="timeline">Timeline</h2>
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
    </section>
  );
}
