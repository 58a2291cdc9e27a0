// The partner board: one page, views chosen by the URL's hash, data from the public API.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { apiKey, setApiKey } from "./api.ts";
import "./style.css";
import { BoardView } from "./views/board.tsx";
import { DeadlinesView } from "./views/deadlines.tsx";
import { DesignationView } from "./views/designation.tsx";
import { ImportView } from "./views/import.tsx";
import { PairView } from "./views/pair.tsx";
import { ReconciliationView } from "./views/reconciliation.tsx";
import { RecordView } from "./views/record.tsx";
import { SourcesView } from "./views/sources.tsx";

const VIEWS = [
  ["#/", "Board"],
  ["#/deadlines", "Deadlines"],
  ["#/designation", "Designation"],
  ["#/record", "Record by hand"],
  ["#/import", "Import"],
  ["#/reconciliation", "Reconciliation"],
  ["#/sources", "Sources"],
] as const;

const useHash = () => {
  const [hash, setHash] = useState(location.hash || "#/");
  useEffect(() => {
    const on = () => setHash(location.hash || "#/");
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return hash;
};

/** `?asOf=YYYY-MM-DD` in the page's URL, or chosen in the header: every read is then at that date. */
const initialAsOf = () => new URLSearchParams(location.search).get("asOf") ?? "";

function KeyForm({ onKey }: { onKey: (key: string) => void }) {
  const [value, setValue] = useState("");
  return (
    <form
      class="key-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (value.trim()) onKey(value.trim());
      }}
    >
      <h1>Partner board</h1>
      <p>Enter your partner API key once; it is kept for this browser session only.</p>
      <label for="api-key">API key</label>
      <input
        id="api-key"
        name="api-key"
        type="password"
        autocomplete="off"
        value={value}
        onInput={(e) => setValue(e.currentTarget.value)}
        required
      />
      <button type="submit">Open the board</button>
    </form>
  );
}

function App() {
  const [key, setKey] = useState(apiKey());
  const [asOf, setAsOf] = useState(initialAsOf());
  const hash = useHash();
  useEffect(() => {
    const url = new URL(location.href);
    if (asOf) url.searchParams.set("asOf", asOf);
    else url.searchParams.delete("asOf");
    history.replaceState(null, "", url);
  }, [asOf]);
  if (!key)
    return (
      <main id="main">
        <KeyForm
          onKey={(k) => {
            setApiKey(k);
            setKey(k);
          }}
        />
      </main>
    );
  const route = hash.replace(/^#/, "").split("?")[0]!.split("/").filter(Boolean);
  let view = <BoardView asOf={asOf} />;
  if (route[0] === "pair" && route[1] && route[2])
    view = (
      <PairView tenantId={decodeURIComponent(route[1])} workload={decodeURIComponent(route[2])} asOf={asOf} />
    );
  else if (route[0] === "deadlines") view = <DeadlinesView asOf={asOf} />;
  else if (route[0] === "designation") view = <DesignationView asOf={asOf} />;
  else if (route[0] === "record") view = <RecordView />;
  else if (route[0] === "import") view = <ImportView />;
  else if (route[0] === "reconciliation") view = <ReconciliationView />;
  else if (route[0] === "sources") view = <SourcesView />;
  const current = `#/${route[0] ?? ""}`;
  return (
    <>
      <button type="button" class="skip" onClick={() => document.getElementById("main")?.focus()}>
        Skip to content
      </button>
      <header class="top">
        <span class="brand">Partner board</span>
        <nav aria-label="Views">
          <ul>
            {VIEWS.map(([href, name]) => (
              <li key={href}>
                <a href={href} aria-current={current === href ? "page" : undefined}>
                  {name}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="tools">
          <label>
            As of{" "}
            <input
              type="date"
              value={asOf}
              onChange={(e) => setAsOf(e.currentTarget.value)}
              aria-describedby="asof-help"
            />
          </label>
          <span id="asof-help" class="sr-only">
            Leave empty for today
          </span>
          {asOf && (
            <button type="button" class="link" onClick={() => setAsOf("")}>
              Today
            </button>
          )}
          <button
            type="button"
            class="link"
            onClick={() => {
              setApiKey(null);
              setKey(null);
            }}
          >
            Forget key
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {view}
      </main>
    </>
  );
}

const root = document.getElementById("app")!;
root.textContent = ""; // the static "Loading" note
render(<App />, root);
