// Board: every pair grouped by stage, with the filters GET /api/pairs offers and a search.
import { useEffect, useMemo, useState } from "preact/hooks";
import { allPages } from "../api.ts";
import { daysText, ELIGIBILITY, label, STAGE_LABEL, STAGES, STATUSES, WINDOW_LABEL } from "../text.ts";
import type { Pair } from "../types.ts";
import { Badge, ErrorNote, pairHref } from "./common.tsx";

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

  const set = (name: keyof Filters) => (e: Event) =>
    setFilters({ ...filters, [name]: (e.currentTarget as HTMLSelectElement).value });
  const claimable = pairs.filter((p) => p.claim.claimableNow).length;

  return (
    <section aria-labelledby="board-title">
      <h1 id="board-title">Board</h1>
      <form
        class="filters"
        aria-label="Filter pairs"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters({ ...filters, search });
        }}
      >
        <Select
          id="f-stage"
          label="Stage"
          value={filters.stage}
          options={[...STAGES]}
          onChange={set("stage")}
        />
        <Select
          id="f-elig"
          label="Eligibility"
          value={filters.eligibility}
          options={ELIGIBILITY}
          onChange={set("eligibility")}
        />
        <Select
          id="f-status"
          label="Status"
          value={filters.status}
          options={STATUSES}
          onChange={set("status")}
        />
        <Select
          id="f-claimable"
          label="Claimable now"
          value={filters.claimableNow}
          options={["true", "false"]}
          names={{ true: "yes", false: "no" }}
          onChange={set("claimableNow")}
        />
        <Select
          id="f-window"
          label="Window closes within"
          value={filters.windowWithinDays}
          options={["7", "14", "30", "90"]}
          names={{ 7: "7 days", 14: "14 days", 30: "30 days", 90: "90 days" }}
          onChange={set("windowWithinDays")}
        />
        <div class="field search">
          <label for="f-search">Search customer or tenant id</label>
          <input
            id="f-search"
            type="search"
            value={search}
            onInput={(e) => setSearch(e.currentTarget.value)}
          />
        </div>
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
    </section>
  );
}

function Select(props: {
  id: string;
  label: string;
  value: string;
  options: string[];
  names?: Record<string, string>;
  onChange: (e: Event) => void;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select id={props.id} value={props.value} onChange={props.onChange}>
        <option value="">any</option>
        {props.options.map((o) => (
          <option key={o} value={o}>
            {props.names?.[o] ?? label(o)}
          </option>
        ))}
      </select>
    </div>
  );
}

function StageGroup({ stage, pairs }: { stage: string; pairs: Pair[] }) {
  const [all, setAll] = useState(false);
  const shown = all ? pairs : pairs.slice(0, FIRST_ROWS);
  const id = `stage-${stage}`;
  return (
    <section class="stage" aria-labelledby={id}>
      <h2 id={id}>
        {STAGE_LABEL[stage] ?? stage} <span class="count">({pairs.length})</span>
      </h2>
      <table class="pairs">
        <thead>
          <tr>
            <th scope="col">Customer</th>
            <th scope="col">Workload</th>
            <th scope="col">Eligibility</th>
            <th scope="col">Claimable now</th>
            <th scope="col">Status</th>
            <th scope="col">Next window</th>
            <th scope="col">Blocking POE</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((p) => (
            <Row key={`${p.tenantId}|${p.workload}`} pair={p} />
          ))}
        </tbody>
      </table>
      {pairs.length > shown.length && (
        <button type="button" onClick={() => setAll(true)}>
          Show all {pairs.length} {STAGE_LABEL[stage]?.toLowerCase()} pairs
        </button>
      )}
    </section>
  );
}

function Row({ pair: p }: { pair: Pair }) {
  const next = p.windows[0];
  return (
    <tr data-pair={`${p.tenantId}|${p.workload}`} data-claimable={String(p.claim.claimableNow)}>
      <td data-label="Customer">
        <a href={pairHref(p.tenantId, p.workload)}>{p.customerName ?? "(no profile)"}</a>
        <div class="muted mono">{p.tenantId}</div>
      </td>
      <td data-label="Workload">{p.workload}</td>
      <td data-label="Eligibility">{label(p.claim.eligibility)}</td>
      <td data-label="Claimable now">
        {p.claim.claimableNow ? <Badge kind="ok">yes</Badge> : <Badge kind="no">no</Badge>}
      </td>
      <td data-label="Status">{label(p.claim.status)}</td>
      <td data-label="Next window">
        {next ? (
          <>
            {WINDOW_LABEL[next.code] ?? next.code} <time dateTime={next.closesOn}>{next.closesOn}</time>{" "}
            <span class={next.daysLeft <= 14 ? "soon" : "muted"}>({daysText(next.daysLeft)})</span>
          </>
        ) : (
          <span class="muted">none</span>
        )}
      </td>
      <td data-label="Blocking POE">
        {p.poe.missing.length === 0 ? (
          <span class="muted">none</span>
        ) : (
          <ul class="chips">
            {p.poe.missing.map((m) => (
              <li key={m} class="chip" data-missing={m}>
                {label(m)}
              </li>
            ))}
          </ul>
        )}
      </td>
    </tr>
  );
}
