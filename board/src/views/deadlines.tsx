// Deadlines: every window closing in the next 90 days, as a timeline by month, and the alerts the
// claim-window timer raised.
import { useEffect, useState } from "preact/hooks";
import { allPages, api } from "../api.ts";
import { ErrorNote } from "../components/error-note.tsx";
import { pairHref, Rule } from "../components/marks.tsx";
import { Section } from "../components/section.tsx";
import { Table, type TableLayout } from "../components/table.tsx";
import { daysText, windowName } from "../text.ts";
import type { Pair } from "../types.ts";

interface Alert {
  id: string;
  tenantId: string;
  workload: string;
  code: string;
  closesOn: string;
  threshold: number;
  raisedAt: string;
  delivery: { status: string };
}

const HORIZON = 90;

const ALERTS_TABLE: TableLayout<Alert> = {
  empty: "The claim-window timer has raised no alert.",
  rowKey: (a) => a.id,
  columns: [
    { head: "Raised", cell: (a) => a.raisedAt.slice(0, 10) },
    { head: "Window", cell: (a) => `${windowName(a.code)} (${a.threshold} days before)` },
    { head: "Closes", cell: (a) => a.closesOn },
    {
      head: "Pair",
      cell: (a) => (
        <>
          <a href={pairHref(a.tenantId, a.workload)}>{a.workload}</a>{" "}
          <span class="muted mono">{a.tenantId.slice(0, 8)}</span>
        </>
      ),
    },
    { head: "Delivery", cell: (a) => a.delivery.status },
  ],
};

const monthName = (month: string) =>
  new Date(`${month}-01T00:00:00Z`).toLocaleDateString("en", {
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  });

export function DeadlinesView({ asOf }: { asOf: string }) {
  const [pairs, setPairs] = useState<Pair[] | null>(null);
  const [alerts, setAlerts] = useState<Alert[]>([]);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    allPages<Pair>("pairs", { windowWithinDays: HORIZON, asOf, limit: 200 })
      .then((p) => live && setPairs(p))
      .catch((e) => live && setError(e));
    api<{ items: Alert[] }>("alerts?limit=100")
      .then((a) => live && setAlerts(a.items))
      .catch((e) => live && setError(e));
    return () => {
      live = false;
    };
  }, [asOf]);

  const rows = (pairs ?? [])
    .flatMap((p) => p.windows.filter((w) => w.daysLeft <= HORIZON).map((w) => ({ p, w })))
    .sort((a, b) => a.w.closesOn.localeCompare(b.w.closesOn));
  const months = new Map<string, typeof rows>();
  for (const r of rows)
    months.set(r.w.closesOn.slice(0, 7), [...(months.get(r.w.closesOn.slice(0, 7)) ?? []), r]);

  return (
    <Section id="deadlines-title" title={`Deadlines: the next ${HORIZON} days`} level={1}>
      <ErrorNote error={error} />
      {pairs === null ? (
        <p aria-live="polite">Loading…</p>
      ) : rows.length === 0 ? (
        <p>No window closes in the next {HORIZON} days.</p>
      ) : (
        [...months].map(([month, list]) => (
          <Section key={month} id={`m-${month}`} class="month" title={monthName(month)}>
            <ol class="deadlines">
              {list.map(({ p, w }) => (
                <li key={`${p.tenantId}|${p.workload}|${w.code}`} class={w.daysLeft <= 14 ? "soon" : ""}>
                  <time dateTime={w.closesOn}>{w.closesOn}</time> <strong>{windowName(w.code)}</strong> (
                  {daysText(w.daysLeft)}) <Rule id={w.rule} /> ·{" "}
                  <a href={pairHref(p.tenantId, p.workload)}>
                    {p.customerName ?? p.tenantId} · {p.workload}
                  </a>
                </li>
              ))}
            </ol>
          </Section>
        ))
      )}
      <h2>Raised alerts</h2>
      <Table layout={ALERTS_TABLE} rows={alerts} />
    </Section>
  );
}
