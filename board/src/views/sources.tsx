// CRM sources (issue 15): what GET /api/sources answers — each source's format, how it authenticates
// (the mode only; secrets never leave the service), its delivery counts and the records it had refused,
// each with the CRM field at fault, so the partner can fix the CRM side.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api.ts";
import { ErrorNote } from "../components/error-note.tsx";
import { Section } from "../components/section.tsx";
import { type Column, Table, type TableLayout } from "../components/table.tsx";

interface Refusal {
  id: string;
  source: string;
  at: string;
  record: string;
  errors: { path: string; message: string }[];
}
interface Source {
  name: string;
  format: string;
  auth: string;
  deliveries: string;
  activity: {
    since: string;
    lastDeliveryAt: string | null;
    delivered: number;
    duplicates: number;
    refused: number;
    unauthorized?: number;
  };
  refusalLog: { count: number; newest: Refusal[] };
}

const FORMAT: Record<string, string> = {
  cloudevents: "CloudEvents",
  dataverse: "Dynamics 365 / Dataverse",
  hubspot: "HubSpot",
  "salesforce-outbound": "Salesforce Outbound Message",
};
const AUTH: Record<string, string> = {
  "standard-webhooks": "Standard Webhooks signature",
  "http-header": "Secret in a header (Dataverse HttpHeader)",
  "query-code": "Secret as ?code= (Dataverse WebhookKey)",
  "hubspot-v3": "X-HubSpot-Signature-v3",
  "salesforce-org": "Organization id and ?code=",
};

const when = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace("T", " ")} UTC` : "never");

/** A count of deliveries, marked with what it counts (`data-count`). */
const count = (
  head: string,
  name: "delivered" | "duplicates" | "refused" | "unauthorized",
): Column<Source> => ({
  head,
  cell: (s) => s.activity[name] ?? "—",
  marks: { "data-count": name },
});

const SOURCES_TABLE: TableLayout<Source> = {
  class: "sources",
  testId: "sources-table",
  caption: "Your sources and their deliveries",
  rowKey: (s) => s.name,
  rowMarks: (s) => ({ "data-source": s.name }),
  columns: [
    { head: "Source", cell: (s) => s.name, namesRow: true },
    { head: "Format", cell: (s) => FORMAT[s.format] ?? s.format },
    { head: "Authentication", cell: (s) => AUTH[s.auth] ?? s.auth },
    { head: "Last delivery", cell: (s) => when(s.activity.lastDeliveryAt) },
    count("Delivered", "delivered"),
    count("Duplicates", "duplicates"),
    count("Refused", "refused"),
    count("Unauthorized", "unauthorized"),
  ],
};

/** One row a field at fault: a refused record has one or more. */
interface RefusedField {
  refusal: Refusal;
  error: Refusal["errors"][number];
  index: number;
}
const REFUSALS_TABLE: TableLayout<RefusedField> = {
  class: "sources",
  testId: "refusals-table",
  caption:
    "Records that made no valid event and were not stored: fix the CRM field named, then let the CRM deliver again",
  empty: "No record refused.",
  rowKey: (f) => `${f.refusal.id}|${f.index}`,
  rowMarks: (f) => ({ "data-refusal": f.refusal.source }),
  columns: [
    { head: "When", cell: (f) => when(f.refusal.at) },
    { head: "Source", cell: (f) => f.refusal.source },
    { head: "Record", cell: (f) => <code>{f.refusal.record}</code> },
    { head: "CRM field", cell: (f) => <code>{f.error.path}</code> },
    { head: "Reason", cell: (f) => f.error.message },
  ],
};

export function SourcesView() {
  const [sources, setSources] = useState<Source[]>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    api<{ sources: Source[] }>("sources").then((r) => setSources(r.sources), setError);
  }, []);
  const refusals = (sources ?? [])
    .flatMap((s) => s.refusalLog.newest.map((r) => ({ ...r, source: s.name })))
    .sort((a, b) => b.at.localeCompare(a.at))
    .flatMap((refusal) => refusal.errors.map((error, index) => ({ refusal, error, index })));
  const since = sources?.[0]?.activity.since;
  return (
    <Section id="sources-title" title="CRM sources" level={1}>
      <p>
        The sources your CRMs deliver to (<code>POST /api/sources/&#123;source&#125;/deliveries</code>) and
        what each delivered. Counts are this service instance's{since ? ` since ${when(since)}` : ""}; the
        refused records are kept until you fix them in the CRM.
      </p>
      <ErrorNote error={error} />
      {sources && (
        <>
          <Table layout={SOURCES_TABLE} rows={sources} />
          <h2>Recently refused records</h2>
          <Table layout={REFUSALS_TABLE} rows={refusals} />
        </>
      )}
    </Section>
  );
}
