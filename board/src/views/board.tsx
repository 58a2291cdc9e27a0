// Board: every pair grouped by stage, with the filters GET /api/pairs offers and a search.
import { useEffect, useMemo, useState } from "preact/hooks";
import { allPages } from "../api.ts";
import { ErrorNote } from "../components/error-note.tsx";
import { Choice, TextField } from "../components/field.tsx";
import { ClaimableBadge, pairHref } from "../components/marks.tsx";
import { Section } from "../components/section.tsx";
import { Table, type TableLayout } from "../components/table.tsx";
import { daysText, ELIGIBILITY, label, STAGE_LABEL, STAGES, STATUSES, windowName } from "../text.ts";
import type { Pair } from "../types.ts";

interface Filters {
  stage: string;
  eligibility: string;
  status: string;
  claimableNow: string;
  windowWithinDays: string;
  search: string;
}
const NO_FILTERS: Filters = {
  stage: "",
  eligibility: "",
  status: "",
  claimableNow: "",
  windowWithinDays: "",
  search: "",
};
/** The filters GET /api/pairs offers, each a choice with "any" first. */
const FILTER_CHOICES: {
  name: Exclude<keyof Filters, "search">;
  id: string;
  label: string;
  options: string[];
  names?: Record<string, string>;
}[] = [
  { name: "stage", id: "f-stage", label: "Stage", options: [...STAGES] },
  { name: "eligibility", id: "f-elig", label: "Eligibility", options: ELIGIBILITY },
  { name: "status", id: "f-status", label: "Status", options: STATUSES },
  {
    name: "claimableNow",
    id: "f-claimable",
    label: "Claimable now",
    options: ["true", "false"],
    names: { true: "yes", false: "no" },
  },
  {
    name: "windowWithinDays",
    id: "f-window",
    label: "Window closes within",
    options: ["7", "14", "30", "90"],
    names: { 7: "7 days", 14: "14 days", 30: "30 days", 90: "90 days" },
  },
];
/** Rows shown per stage before "Show all": the page stays quick with thousands of pairs. */
const FIRST_ROWS = 100;

export function BoardView({ asOf }: { asOf: string }) {
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [search, setSearch] = useState("");
  const [pairs, setPairs] = useState<Pair[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    const signal = { cancelled: false };
    setPairs([]);
    setLoading(true);
    setError(null);
    let seen: Pair[] = [];
    allPages<Pair>(
      "pairs",
      { ...filters, asOf, limit: 200 },
      (page) => {
        seen = seen.concat(page);
        setPairs(seen);
      },
      signal,
      50,
    )
      .then(() => {
        if (!signal.cancelled) {
          setLoading(false);
          document.documentElement.dataset.boardComplete = String(Math.round(performance.now()));
        }
      })
      .catch((e) => {
        if (!signal.cancelled) {
          setError(e);
          setLoading(false);
        }
      });
    return () => {
      signal.cancelled = true;
    };
  }, [filters, asOf]);

  useEffect(() => {
    if (pairs.length > 0 && !document.documentElement.dataset.boardFirstRender)
      document.documentElement.dataset.boardFirstRender = String(Math.round(performance.now()));
  }, [pairs.length > 0]);

  const groups = useMemo(() => {
    const by = new Map<string, Pair[]>();
    for (const p of pairs) {
      const list = by.get(p.stage) ?? [];
      list.push(p);
      by.set(p.stage, list);
    }
    return STAGES.filter((s) => by.has(s)).map((s) => [s, by.get(s)!] as const);
  }, [pairs]);

  const claimable = pairs.filter((p) => p.claim.claimableNow).length;

  return (
    <Section id="board-title" title="Board" level={1}>
      <form
        class="filters"
        aria-label="Filter pairs"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters({ ...filters, search });
        }}
      >
        {FILTER_CHOICES.map((c) => (
          <Choice
            key={c.name}
            {...c}
            value={filters[c.name]}
            none="any"
            onValue={(v) => setFilters({ ...filters, [c.name]: v })}
          />
        ))}
        <TextField
          id="f-search"
          label="Search customer or tenant id"
          type="search"
          value={search}
          onValue={setSearch}
        />
        <button type="submit">Search</button>
      </form>
      <p class="summary" aria-live="polite">
        {loading
          ? `Loading… ${pairs.length} pairs so far`
          : `${pairs.length} pairs, ${claimable} claimable now`}
      </p>
      <ErrorNote error={error} />
      {groups.map(([stage, list]) => (
        <StageGroup key={stage} stage={stage} pairs={list} />
      ))}
      {!loading && pairs.length === 0 && !error && <p>No pairs match.</p>}
    </Section>
  );
}

/** A pair's row: its customer links to the pair; the rest is the verdict at a glance. */
const PAIRS_TABLE: TableLayout<Pair> = {
  class: "pairs",
  labelCells: true,
  rowKey: (p) => `${p.tenantId}|${p.workload}`,
  rowMarks: (p) => ({
    "data-pair": `${p.tenantId}|${p.workload}`,
    "data-claimable": String(p.claim.claimableNow),
  }),
  columns: [
    {
      head: "Customer",
      cell: (p) => (
        <>
          <a href={pairHref(p.tenantId, p.workload)}>{p.customerName ?? "(no profile)"}</a>
          <div class="muted mono">{p.tenantId}</div>
        </>
      ),
    },
    { head: "Workload", cell: (p) => p.workload },
    { head: "Eligibility", cell: (p) => label(p.claim.eligibility) },
    { head: "Claimable now", cell: (p) => <ClaimableBadge now={p.claim.claimableNow} /> },
    { head: "Status", cell: (p) => label(p.claim.status) },
    { head: "Next window", cell: (p) => <NextWindow pair={p} /> },
    { head: "Blocking POE", cell: (p) => <BlockingPoe pair={p} /> },
  ],
};

function StageGroup({ stage, pairs }: { stage: string; pairs: Pair[] }) {
  const [all, setAll] = useState(false);
  const shown = all ? pairs : pairs.slice(0, FIRST_ROWS);
  return (
    <Section
      id={`stage-${stage}`}
      class="stage"
      title={
        <>
          {STAGE_LABEL[stage] ?? stage} <span class="count">({pairs.length})</span>
        </>
      }
    >
      <Table layout={PAIRS_TABLE} rows={shown} />
      {pairs.length > shown.length && (
        <button type="button" onClick={() => setAll(true)}>
          Show all {pairs.length} {STAGE_LABEL[stage]?.toLowerCase()} pairs
        </button>
      )}
    </Section>
  );
}

function NextWindow({ pair }: { pair: Pair }) {
  const next = pair.windows[0];
  if (!next) return <span class="muted">none</span>;
  return (
    <>
      {windowName(next.code)} <time dateTime={next.closesOn}>{next.closesOn}</time>{" "}
      <span class={next.daysLeft <= 14 ? "soon" : "muted"}>({daysText(next.daysLeft)})</span>
    </>
  );
}

function BlockingPoe({ pair }: { pair: Pair }) {
  if (pair.poe.missing.length === 0) return <span class="muted">none</span>;
  return (
    <ul class="chips">
      {pair.poe.missing.map((m) => (
        <li key={m} class="chip" data-missing={m}>
          {label(m)}
        </li>
      ))}
    </ul>
  );
}
