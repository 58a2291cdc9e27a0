// Designation: the Solutions Partner for Security score now, the monthly series 12 months ahead as a
// chart (uPlot, bundled), and what expires when; every point traces to its pair or person.
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { api, query } from "../api.ts";
import { ErrorNote } from "../components/error-note.tsx";
import { pairHref, Rule } from "../components/marks.tsx";
import { Section } from "../components/section.tsx";
import { Table, type TableLayout } from "../components/table.tsx";

interface Contribution {
  tenantId?: string;
  workload?: string;
  person?: string;
  contributor: string;
  points: number;
  earnedOn: string;
  countsUntil: string;
  via?: string;
}
interface Metric {
  points: number;
  max: number;
  rule: string;
  contributions: Contribution[];
}
interface Score {
  asOf: string;
  total: number;
  minimumScore: number;
  met: boolean;
  metrics: Record<string, Metric>;
}
interface Point {
  date: string;
  total: number;
  points: Record<string, number>;
  dropped: (Contribution & { metric: string })[];
}

const METRIC_LABEL: Record<string, string> = {
  netCustomerAdds: "Net customer adds",
  deployments: "Deployments",
  usageGrowth: "Usage growth",
  skilling: "Skilling",
};

const addMonths = (date: string, n: number) => {
  const d = new Date(`${date.slice(0, 7)}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + n);
  return d.toISOString().slice(0, 10);
};

function Who({ c }: { c: Contribution }) {
  if (c.person) return <span>{c.person}</span>;
  if (c.tenantId && (c.workload || c.via))
    return (
      <a href={pairHref(c.tenantId, (c.workload ?? c.via)!)}>
        {c.tenantId.slice(0, 8)} · {c.workload ?? c.via}
      </a>
    );
  return <span class="mono">{c.tenantId ?? c.contributor}</span>;
}

const metricName = (metric: string) => METRIC_LABEL[metric] ?? metric;

const MONTHS_TABLE: TableLayout<Point> = {
  testId: "series-table",
  caption: "Score on the first of each month, and what stops counting that month",
  rowKey: (p) => p.date,
  rowMarks: (p) => ({ "data-month": p.date }),
  columns: [
    { head: "Month", cell: (p) => p.date },
    { head: "Score", cell: (p) => p.total },
    {
      head: "Stops counting",
      cell: (p) =>
        p.dropped.length === 0
          ? "—"
          : p.dropped.map((d) => (
              <div key={d.metric + d.contributor}>
                {metricName(d.metric)}: <Who c={d} />
              </div>
            )),
    },
  ],
};

type Counted = Contribution & { metric: string };
const EXPIRIES_TABLE: TableLayout<Counted> = {
  empty: "Nothing counts toward the score yet.",
  rowKey: (c) => c.metric + c.contributor,
  columns: [
    { head: "Counts until", cell: (c) => c.countsUntil },
    { head: "Metric", cell: (c) => metricName(c.metric) },
    { head: "Points", cell: (c) => c.points },
    { head: "From", cell: (c) => <Who c={c} /> },
    { head: "Earned", cell: (c) => c.earnedOn },
  ],
};

export function DesignationView({ asOf }: { asOf: string }) {
  const [score, setScore] = useState<Score | null>(null);
  const [series, setSeries] = useState<Point[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    (async () => {
      const now = await api<Score>(`designations/security${query({ asOf })}`);
      if (!live) return;
      setScore(now);
      const from = `${now.asOf.slice(0, 7)}-01`;
      const s = await api<{ series: Point[] }>(
        `designations/security${query({ from, to: addMonths(from, 12) })}`,
      );
      if (live) setSeries(s.series);
    })().catch((e) => live && setError(e));
    return () => {
      live = false;
    };
  }, [asOf]);

  const contributions: Counted[] = score
    ? Object.entries(score.metrics)
        .flatMap(([m, metric]) => metric.contributions.map((c) => ({ ...c, metric: m })))
        .sort((a, b) => a.countsUntil.localeCompare(b.countsUntil))
    : [];
  return (
    <Section id="designation-title" title="Solutions Partner for Security" level={1}>
      <ErrorNote error={error} />
      {score && (
        <>
          <p class="score" data-testid="score-now">
            Score on {score.asOf}: <strong>{score.total}</strong> of the {score.minimumScore} needed{" "}
            {score.met ? "(met)" : `(${score.minimumScore - score.total} short)`}
          </p>
          <ul class="metrics">
            {Object.entries(score.metrics).map(([m, metric]) => (
              <li key={m}>
                {metricName(m)}: {metric.points} / {metric.max} <Rule id={metric.rule} />
              </li>
            ))}
          </ul>
        </>
      )}
      <h2>The next 12 months</h2>
      {series ? (
        <Chart series={series} minimum={score?.minimumScore ?? 70} />
      ) : (
        <p aria-live="polite">Loading…</p>
      )}
      {series && <Table layout={MONTHS_TABLE} rows={series} />}
      <h2>What expires when</h2>
      <Table layout={EXPIRIES_TABLE} rows={contributions} />
    </Section>
  );
}

function Chart({ series, minimum }: { series: Point[]; minimum: number }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const width = Math.min(900, el.current.clientWidth || 600);
    const xs = series.map((p) => Date.parse(`${p.date}T00:00:00Z`) / 1000);
    const plot = new uPlot(
      {
        width,
        height: 260,
        title: "Security score by month",
        scales: { y: { range: [0, Math.max(100, minimum)] } },
        series: [
          {},
          { label: "Score", stroke: "#0b5cad", width: 2, points: { size: 6 } },
          { label: "Needed", stroke: "#a4262c", dash: [6, 4] },
        ],
        axes: [{}, { label: "points" }],
      },
      [xs, series.map((p) => p.total), series.map(() => minimum)],
      el.current,
    );
    el.current.dataset.points = String(series.length);
    return () => plot.destroy();
  }, [series, minimum]);
  return (
    <figure>
      <div
        ref={el}
        class="chart"
        data-testid="designation-chart"
        role="img"
        aria-label={`Score by month: ${series.map((p) => `${p.date.slice(0, 7)} ${p.total}`).join(", ")}`}
      />
      <figcaption class="muted">
        The table below lists every point and what leaves the score that month.
      </figcaption>
    </figure>
  );
}
