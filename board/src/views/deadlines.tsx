// Deadlines: every window closing in the next 90 days, as a timeline by month, and the alerts the
// claim-window timer raised.
import { useEffect, useState } from "preact/hooks";
import { allPages, api } from "../api.ts";
import { daysText, WINDOW_LABEL } from "../text.ts";
import type { Pair } from "../types.ts";
import { ErrorNote, pairHref, Rule } from "./common.tsx";

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
    <section aria-labelledby="deadlines-title">
      <h1 id="deadlines-title">Deadlines: the next {HORIZON} days</h1>
      <ErrorNote error={error} />
      {pairs === null ? (
        <p aria-live="polite">Loading…</p>
      ) : rows.length === 0 ? (
        <p>No window closes in the next {HORIZON} days.</p>
      ) : (
        [...months].map(([month, list]) => (
          <section key={month} aria-labelledby={`m-${month}`} class="month">
            <h2 id={`m-${month}`}>
              {new Date(`${month}-01T00:00:00Z`).toLocaleDateString("en", {
                month: "long",
                year: "numeric",
                timeZone: "UTC",
              })}
            </h2>
            <ol class="deadlines">
              {list.map(({ p, w }) => (
                <li key={`${p.tenantId}|${p.workload}|${w.code}`} class={w.daysLeft <= 14 ? "soon" : ""}>
                  <time dateTime={w.closesOn}>{w.closesOn}</time>{" "}
                  <strong>{WINDOW_LABEL[w.code] ?? w.code}</strong> ({daysText(w.daysLeft)}){" "}
                  <Rule id={w.rule} /> ·{" "}
                  <a href={pairHref(p.tenantId, p.workload)}>
                    {p.customerName ?? p.tenantId} · {p.workload}
                  </a>
                </li>
              ))}
            </ol>
          </section>
        ))
      )}
      <h2>Raised alerts</h2>
      {alerts.length === 0 ? (
        <p class="muted">The claim-window timer has raised no alert.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Raised</th>
              <th scope="col">Window</th>
              <th scope="col">Closes</th>
              <th scope="col">Pair</th>
              <th scope="col">Delivery</th>
            </tr>
          </thead>
          <tbody>
            {alerts.map((a) => (
              <tr key={a.id}>
                <td>{a.raisedAt.slice(0, 10)}</td>
                <td>
                  {WINDOW_LABEL[a.code] ?? a.code} ({a.threshold} days before)
                </td>
                <td>{a.closesOn}</td>
                <td>
                  <a href={pairHref(a.tenantId, a.workload)}>{a.workload}</a>{" "}
                  <span class="muted mono">{a.tenantId.slice(0, 8)}</span>
                </td>
                <td>{a.delivery.status}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
