// Import: drop an NDJSON export, see the verdicts it gives (the evaluator's own code, dry run) and
// any bad line named; then store it. A file with a bad line is refused whole: nothing is stored.
import { useState } from "preact/hooks";
import { api } from "../api.ts";
import { DropZone } from "../components/drop-zone.tsx";
import { ErrorNote } from "../components/error-note.tsx";
import { pairHref } from "../components/marks.tsx";
import { Section } from "../components/section.tsx";
import { Table, type TableLayout } from "../components/table.tsx";
import { label } from "../text.ts";
import type { Pair } from "../types.ts";

/** The verdicts the dry run gives, one row a pair, in words (no links: nothing is stored yet). */
const VERDICTS_TABLE: TableLayout<Pair> = {
  testId: "import-preview",
  rowKey: (p) => p.tenantId + p.workload,
  columns: [
    { head: "Tenant", cell: (p) => p.tenantId.slice(0, 8), marks: { class: "mono" } },
    { head: "Workload", cell: (p) => p.workload },
    { head: "Stage", cell: (p) => label(p.stage) },
    { head: "Eligibility", cell: (p) => label(p.claim.eligibility) },
    { head: "Claimable now", cell: (p) => (p.claim.claimableNow ? "yes" : "no") },
    { head: "Why", cell: (p) => p.claim.reasons.map((r) => r.message).join("; ") },
    { head: "Blocking POE", cell: (p) => p.poe.missing.map(label).join(", ") || "none" },
  ],
};

export function ImportView() {
  const [file, setFile] = useState<{ name: string; text: string } | null>(null);
  const [preview, setPreview] = useState<{ events: number; asOf: string; pairs: Pair[] } | null>(null);
  const [stored, setStored] = useState("");
  const [error, setError] = useState<unknown>(null);

  const post = (text: string, dryRun: boolean) =>
    api<{ events: number; asOf: string; pairs: Pair[]; accepted: number; duplicates: number }>(
      `imports${dryRun ? "?dryRun=true" : ""}`,
      { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: text },
    );
  const choose = async (f: File) => {
    setError(null);
    setPreview(null);
    setStored("");
    const text = await f.text();
    setFile({ name: f.name, text });
    try {
      setPreview(await post(text, true));
    } catch (e) {
      setError(e);
    }
  };

  return (
    <Section id="import-title" title="Import an export" level={1}>
      <p>
        One CloudEvent per line (NDJSON), as a CRM exports them. You see the verdicts first; nothing is stored
        until you say so.
      </p>
      <DropZone
        label="Drop an NDJSON file here, or choose one"
        accept=".ndjson,.jsonl,.json,application/x-ndjson"
        onFile={(f) => void choose(f)}
      />
      <ErrorNote error={error} />
      {file && error !== null && <p data-testid="import-refused">Nothing from {file.name} was stored.</p>}
      {preview && file && (
        <>
          <h2>
            Dry run: {preview.events} events, {preview.pairs.length} pairs as of {preview.asOf.slice(0, 10)}
          </h2>
          <Table layout={VERDICTS_TABLE} rows={preview.pairs} />
          <button
            type="button"
            disabled={stored !== ""}
            onClick={async () => {
              try {
                const r = await post(file.text, false);
                setStored(`Stored ${r.accepted} new event(s); ${r.duplicates} were already stored.`);
              } catch (e) {
                setError(e);
              }
            }}
          >
            Store {preview.events} events
          </button>
          <p role="status">{stored}</p>
          {stored && preview.pairs[0] && (
            <p>
              <a href={pairHref(preview.pairs[0].tenantId, preview.pairs[0].workload)}>Open the first pair</a>{" "}
              or go back to the <a href="#/">board</a>.
            </p>
          )}
        </>
      )}
    </Section>
  );
}
