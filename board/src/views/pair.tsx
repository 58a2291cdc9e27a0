// Pair: timeline in business time, the verdict with its reasons (the service's own messages and rule
// ids), the POE checklist, documents (drag-and-drop upload, download), the POE summary to copy, and
// the claim's history with the reviewer. A mistaken event is voided from the timeline, never deleted.
// Each section is its own component in ./pair/.
import { useCallback, useEffect, useState } from "preact/hooks";
import { api, pairPath, query } from "../api.ts";
import { ErrorNote } from "../components/error-note.tsx";
import type { Pair } from "../types.ts";
import { ClaimHistory } from "./pair/claim-history.tsx";
import { Documents } from "./pair/documents.tsx";
import { PoeChecklist, PoeSummary } from "./pair/poe.tsx";
import { Timeline } from "./pair/timeline.tsx";
import { PairDeadlines, Verdict } from "./pair/verdict.tsx";

/** The POE summary as text, whichever way the service answers it (text, or JSON with a `text`). */
const summaryText = (s: unknown) =>
  typeof s === "string" ? s : ((s as { text?: string }).text ?? JSON.stringify(s, null, 2));

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
      .then((s) => live && setSummary(summaryText(s)))
      .catch(() => live && setSummary(""));
    return () => {
      live = false;
    };
  }, [path, asOf, version]);

  if (error) return <ErrorNote error={error} />;
  if (!pair) return <p aria-live="polite">Loading the pair…</p>;
  const timeline = pair.timeline ?? [];
  const profile = timeline.filter((e) => e.type === "tenant.profiled" && !e.voided).at(-1);
  const customerName = pair.customerName ?? (profile ? String(profile.data.customerName) : null);
  const documents = timeline.filter((e) => e.type === "poe.document.attached" && !e.voided);

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
      <Verdict pair={pair} />
      <PairDeadlines windows={pair.windows} />
      <PoeChecklist poe={pair.poe} />
      <Documents path={path} workload={pair.workload} documents={documents} onChange={reload} />
      <PoeSummary text={summary} />
      <ClaimHistory pair={pair} timeline={timeline} />
      <Timeline pair={pair} timeline={timeline} onChange={reload} />
    </article>
  );
}
