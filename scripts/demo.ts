// `npm run demo`: posts the shared scenarios' events, signed, to a running tracker (`npm start`) and
// prints a table of the pairs. The scenarios are dated 2025, so each pair is shown as of its
// scenario's own asOf. Finds the running `npm start` through its data folder (TRACKER_URL, DEV_WEBHOOK_SECRET
// and DEV_API_KEY override).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { dataFolderFromEnv, runningHost } from "../infra/devhost/data-folder.ts";
import { TrackerClient } from "./tracker-client.ts";

const dir = process.env.SCENARIOS_DIR ?? join(import.meta.dirname, "../../shared/scenarios");
// The running `npm start` on the data folder publishes its URL and the dev identity; variables override.
const running = runningHost(dataFolderFromEnv());
const secret = process.env.DEV_WEBHOOK_SECRET || running?.identity.webhookSecret;
const apiKey = process.env.DEV_API_KEY || running?.identity.apiKey;
if (!secret || !apiKey) {
  console.error(
    "No running npm start found (same TRACKER_DATA_DIR); start it, or set TRACKER_URL, DEV_WEBHOOK_SECRET and DEV_API_KEY.",
  );
  process.exit(2);
}
const client = new TrackerClient({
  url: process.env.TRACKER_URL || running?.url || "http://127.0.0.1:7071",
  webhookSecret: secret,
  apiKey,
});

const rows: string[][] = [
  ["scenario", "tenant", "workload", "stage", "eligibility", "claimable now", "next window"],
];
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith(".ndjson"))
  .sort()) {
  const name = file.replace(/\.ndjson$/, "");
  const events = readFileSync(join(dir, file), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
  const posted = await client.post(events);
  if (posted.status >= 300) {
    rows.push([name, `refused: ${posted.status} ${posted.body?.title ?? ""}`, "", "", "", "", ""]);
    continue;
  }
  const expected = JSON.parse(readFileSync(join(dir, `${name}.expected.json`), "utf8"));
  const seen = new Set<string>();
  for (const e of events) {
    if (!e.workload || seen.has(`${e.tenantid}|${e.workload}`)) continue;
    seen.add(`${e.tenantid}|${e.workload}`);
    const { status, body } = await client.get(
      `pairs/${e.tenantid}/${e.workload}?asOf=${encodeURIComponent(expected.asOf)}`,
    );
    if (status !== 200) continue;
    const next = body.windows[0];
    rows.push([
      name,
      body.tenantId.slice(0, 8),
      body.workload,
      body.stage,
      body.claim.eligibility,
      body.claim.claimableNow
        ? "yes"
        : `no${body.poe.missing.length ? ` (${body.poe.missing.join(", ")})` : ""}`,
      next ? `${next.code} ${next.closesOn}` : "-",
    ]);
  }
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
// The scenarios were written for one date: the board shows them as of it (or start with TRACKER_NOW).
const asOfDates = readdirSync(dir)
  .filter((f) => f.endsWith(".expected.json"))
  .map((f) => String(JSON.parse(readFileSync(join(dir, f), "utf8")).asOf).slice(0, 10))
  .sort();
const dataDate = asOfDates.at(-1);
for (const [i, row] of rows.entries()) {
  console.log(row.map((c, j) => c.padEnd(widths[j]!)).join("  "));
  if (i === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
}
if (dataDate) {
  const base = client.options.url;
  console.log(`
Open the partner board at the date this data was written for (enter the API key when asked):
  ${base}/api/board/?asOf=${dataDate}
or run the whole service on that date:  TRACKER_NOW=${dataDate}T09:00:00Z npm start`);
}
