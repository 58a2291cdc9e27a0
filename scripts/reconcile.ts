// `npm run reconcile -- [--from YYYY-MM] [--to YYYY-MM] [--out FILE.csv] [--partner ID] FILE…`: imports
// Partner Center exports (claims first, so their TPIDs place the earnings rows) into the configured
// store (COSMOS_ENDPOINT / COSMOS_KEY, else the running `npm start`'s), streaming each file with
// progress on stderr, then prints the reconciliation's totals by reason and writes the CSV for the
// partner's Microsoft contact. Exit 2 on a usage error or a file that is not an export.
import { closeSync, createReadStream, existsSync, openSync, readSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { importExport } from "../application/reconciliation/import.ts";
import {
  isMonth,
  reconciliationOf,
  reportWindow,
  totalsText,
  tpidsOf,
} from "../application/reconciliation/report.ts";
import { reportKindOf } from "../application/reconciliation/rows.ts";
import { servicesFromEnv } from "../composition/from-env.ts";
import { reconciliationCsv } from "../domain/reconciliation.ts";
import {
  dataFolderFromEnv,
  envForRunningHost,
  loadIdentity,
  NO_RUNNING_HOST,
} from "../infra/devhost/data-folder.ts";

const USAGE =
  "usage: npm run reconcile -- [--from YYYY-MM] [--to YYYY-MM] [--out reconciliation.csv] [--partner ID] export.csv…";

const args = process.argv.slice(2).filter((a) => a !== "--");
const flags = new Map<string, string>();
const files: string[] = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (a.startsWith("--")) {
    const value = args[++i];
    if (value === undefined) fail(`${a} needs a value`);
    flags.set(a.slice(2), value!);
  } else files.push(a);
}
for (const name of flags.keys())
  if (!["from", "to", "out", "partner"].includes(name)) fail(`unknown option --${name}`);
const now = new Date().toISOString();
const { from, to } = reportWindow(new Date(now), flags.get("from"), flags.get("to"));
if (!isMonth(from) || !isMonth(to) || from > to)
  fail(`--from ${from} --to ${to}: expected months YYYY-MM, from <= to`);
for (const f of files) if (!existsSync(f)) fail(`${f}: no such file`);

// Claims first: the TPIDs they name place the earnings rows that carry a TPID, not a tenant id.
const kinds = new Map(files.map((f) => [f, reportKindOf(headerOf(f))]));
const notExports = files.filter((f) => kinds.get(f) === undefined);
if (notExports.length > 0)
  fail(
    `${notExports.join(", ")}: not a Partner Center export the tracker reads (Earnings – Default, Ineligible revenue usage, customer claims)`,
  );
const ordered = [...files].sort(
  (a, b) => Number(kinds.get(a) !== "claims") - Number(kinds.get(b) !== "claims"),
);

const env = envForRunningHost();
if (!env) fail(NO_RUNNING_HOST);
const partnerId = flags.get("partner") ?? loadIdentity(dataFolderFromEnv(env!), env).partnerId;
const services = await servicesFromEnv(env!);
const tpids = new Map<string, string>();
let exit = 0;
try {
  for (const file of ordered) {
    const started = performance.now();
    const progress = (p: { rows: number; stored: number }) => {
      const s = (performance.now() - started) / 1000;
      process.stderr.write(
        `${basename(file)}: ${p.rows.toLocaleString("en")} rows read, ${p.stored.toLocaleString("en")} events stored, ${Math.round(p.rows / s).toLocaleString("en")} rows/s, RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB\n`,
      );
    };
    const result = await importExport(services.ingestion, createReadStream(file), {
      partnerId,
      fileName: basename(file),
      tpids,
      knownTpids: () => tpidsOf(services.projections, partnerId),
      onProgress: progress,
    });
    console.log(
      `${file} (${result.report}): ${result.rows} rows, ${result.accepted} events stored, ${result.duplicates} already stored, ${result.badRows} bad, ${result.unplacedRows} not placed`,
    );
    for (const p of result.problems) console.log(`  line ${p.line}, ${p.column}: ${p.message}`);
    for (const u of result.unplaced)
      console.log(`  line ${u.line} not placed (${u.customerId}): ${u.reason}`);
    if (result.badRows > 0) exit = 1;
  }
  const report = await reconciliationOf(services.projections, { partnerId, from, to, asOf: now });
  const out = flags.get("out") ?? `reconciliation-${from}-${to}.csv`;
  writeFileSync(out, reconciliationCsv(report.lines));
  console.log(
    `\nReconciliation ${from}..${to}, partner ${partnerId}: ${report.pairs} pair(s), ${report.lines.length} month(s)`,
  );
  console.log(totalsText(report) || "nothing reported or expected in these months");
  console.log(`evidence for your Microsoft contact: ${out}`);
} finally {
  services.cosmos.close();
}
process.exit(exit);

function headerOf(file: string): string[] {
  const fd = openSync(file, "r");
  const buffer = Buffer.alloc(8192);
  const n = readSync(fd, buffer, 0, buffer.length, 0);
  closeSync(fd);
  const first =
    buffer
      .subarray(0, n)
      .toString("utf8")
      .replace(/^\uFEFF/, "")
      .split(/\r?\n/)[0] ?? "";
  return first.split(",").map((h) => h.trim().replace(/^"|"$/g, ""));
}

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}
