// Reconciliation (issue 17): what the rules make payable versus what Partner Center's exports report,
// per pair and month, with totals by reason; the CSV for a Microsoft contact one click away.
import { useEffect, useState } from "preact/hooks";
import { api, download, query } from "../api.ts";
import { ErrorNote, pairHref, Rule } from "./common.tsx";

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
  const save = async () => {
    try {
      const blob = await download(`reconciliation${query({ from, to, format: "csv" })}`);
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = `reconciliation-${from}-${to}.csv`;
      a.click();
      URL.revokeObjectURL(a.href);
    } catch (e) {
      setError(e);
    }
  };
  const lines = report?.lines.filter((l) => !gapsOnly || l.gap) ?? [];
  return (
    <section aria-labelledby="reconciliation-title">
      <h1 id="reconciliation-title">Reconciliation</h1>
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
        <button type="button" onClick={save}>
          Download CSV for your Microsoft contact
        </button>
      </form>
      <ErrorNote error={error} />
      {report && (
        <>
          <h2>Totals by reason</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Reason</th>
                <th scope="col">Months</th>
                <th scope="col">Expected units</th>
                <th scope="col">Reported units</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(report.totals)
                .filter(([, t]) => t.months > 0)
                .map(([reason, t]) => (
                  <tr key={reason}>
                    <th scope="row">{REASON[reason] ?? reason}</th>
                    <td>{t.months}</td>
                    <td>{t.expectedUnits}</td>
                    <td>{t.reportedUnits}</td>
                  </tr>
                ))}
            </tbody>
          </table>
          <h2>
            Per pair and month ({lines.length} of {report.lines.length})
          </h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Customer</th>
                <th scope="col">Workload</th>
                <th scope="col">Month</th>
                <th scope="col">Expected</th>
                <th scope="col">Reported</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {lines.map((l) => (
                <tr key={`${l.tenantId}|${l.workload}|${l.month}`}>
                  <td>
                    <a href={pairHref(l.tenantId, l.workload)}>{l.customerName ?? l.tenantId}</a>
                  </td>
                  <td>{l.workload}</td>
                  <td>{l.month}</td>
                  <td>{l.expectedUnits}</td>
                  <td>{l.reportedUnits ?? "—"}</td>
                  <td>
                    <strong>{REASON[l.reason] ?? l.reason}</strong>: {l.detail}{" "}
                    {l.rules.map((r) => (
                      <Rule key={r} id={r} />
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
