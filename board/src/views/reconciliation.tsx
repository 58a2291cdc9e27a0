// Reconciliation (issue 17): what the rules make payable versus what Partner Center's exports report,
// per pair and month, with totals by reason; the CSV for a Microsoft contact one click away.
import { useEffect, useState } from "preact/hooks";
import { api, download, query, save } from "../api.ts";
import { ErrorNote } from "../components/error-note.tsx";
import { pairHref, Rule } from "../components/marks.tsx";
import { Section } from "../components/section.tsx";
import { Table, type TableLayout } from "../components/table.tsx";

interface Line {
  tenantId: string;
  workload: string;
  customerName: string | null;
  month: string;
  expectedUnits: number;
  reportedUnits: number | null;
  reason: string;
  gap: boolean;
  detail: string;
  rules: string[];
}
interface Report {
  from: string;
  to: string;
  pairs: number;
  lines: Line[];
  totals: Record<string, { months: number; expectedUnits: number; reportedUnits: number }>;
}

const REASON: Record<string, string> = {
  "missing-payout": "Missing payout",
  "reported-ineligible": "Reported ineligible",
  "units-differ": "Units differ",
  "reported-not-expected": "Reported, not expected",
  "students-inflate-high-water-mark": "Students inflate the high-water mark",
  "below-high-water-mark": "Below the high-water mark",
  "not-approved": "Not approved that month",
  "excluded-segment": "Excluded segment",
  "no-usage-reported": "No usage reported",
  paid: "Paid",
};

type Total = [reason: string, total: Report["totals"][string]];
const TOTALS_TABLE: TableLayout<Total> = {
  rowKey: ([reason]) => reason,
  columns: [
    { head: "Reason", cell: ([reason]) => REASON[reason] ?? reason, namesRow: true },
    { head: "Months", cell: ([, t]) => t.months },
    { head: "Expected units", cell: ([, t]) => t.expectedUnits },
    { head: "Reported units", cell: ([, t]) => t.reportedUnits },
  ],
};

const LINES_TABLE: TableLayout<Line> = {
  rowKey: (l) => `${l.tenantId}|${l.workload}|${l.month}`,
  columns: [
    {
      head: "Customer",
      cell: (l) => <a href={pairHref(l.tenantId, l.workload)}>{l.customerName ?? l.tenantId}</a>,
    },
    { head: "Workload", cell: (l) => l.workload },
    { head: "Month", cell: (l) => l.month },
    { head: "Expected", cell: (l) => l.expectedUnits },
    { head: "Reported", cell: (l) => l.reportedUnits ?? "—" },
    {
      head: "Reason",
      cell: (l) => (
        <>
          <strong>{REASON[l.reason] ?? l.reason}</strong>: {l.detail}{" "}
          {l.rules.map((r) => (
            <Rule key={r} id={r} />
          ))}
        </>
      ),
    },
  ],
};

const thisMonth = () => new Date().toISOString().slice(0, 7);
const yearBefore = (m: string) => `${Number(m.slice(0, 4)) - 1}${m.slice(4)}`;

export function ReconciliationView() {
  const [to, setTo] = useState(thisMonth());
  const [from, setFrom] = useState(yearBefore(thisMonth()));
  const [gapsOnly, setGapsOnly] = useState(true);
  const [report, setReport] = useState<Report>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    setError(undefined);
    api<Report>(`reconciliation${query({ from, to })}`).then(setReport, setError);
  }, [from, to]);
  const saveCsv = async () => {
    try {
      const blob = await download(`reconciliation${query({ from, to, format: "csv" })}`);
      save(blob, `reconciliation-${from}-${to}.csv`);
    } catch (e) {
      setError(e);
    }
  };
  const lines = report?.lines.filter((l) => !gapsOnly || l.gap) ?? [];
  return (
    <Section id="reconciliation-title" title="Reconciliation" level={1}>
      <p>
        Expected units (the rules: <Rule id="HWM-2" /> <Rule id="SEG-1" /> <Rule id="SEG-2" />) against what
        Partner Center reported. Import its exports with <code>npm run reconcile -- FILE…</code> or{" "}
        <code>POST /api/reconciliation/imports</code>.
      </p>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          From <input type="month" value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
        </label>
        <label>
          To <input type="month" value={to} onChange={(e) => setTo(e.currentTarget.value)} />
        </label>
        <label>
          <input type="checkbox" checked={gapsOnly} onChange={(e) => setGapsOnly(e.currentTarget.checked)} />{" "}
          Gaps only
        </label>
        <button type="button" onClick={saveCsv}>
          Download CSV for your Microsoft contact
        </button>
      </form>
      <ErrorNote error={error} />
      {report && (
        <>
          <h2>Totals by reason</h2>
          <Table layout={TOTALS_TABLE} rows={Object.entries(report.totals).filter(([, t]) => t.months > 0)} />
          <h2>
            Per pair and month ({lines.length} of {report.lines.length})
          </h2>
          <Table layout={LINES_TABLE} rows={lines} />
        </>
      )}
    </Section>
  );
}
