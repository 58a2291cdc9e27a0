// Reconciliation import benchmark (issue 17): a 1,000,000-row Earnings – Default export streamed into
// the store through ingestion, the Cosmos emulator in its own process (it keeps every document in
// memory, so in this process it would hide the importer's own footprint). Prints, in one run:
// - a bare CSV parse of the same file (csv-parse, every record read, nothing else): rows/s, the baseline;
// - the import: rows/s and its ratio to the bare parse, with progress lines as it goes;
// - the importer's peak RSS (this process, sampled through the import) against the RSS before it and
//   the file's size: bounded memory means the peak does not grow with the file.
// BENCH_RECONCILE_ROWS (default 1,000,000) and BENCH_RECONCILE_PAIRS (default 20,000) size the file.

import { once } from "node:events";
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse";
import { importExport } from "../application/reconciliation/import.ts";
import { buildServices } from "../composition/services.ts";
import { connectCosmos, ensureContainers } from "../infra/cosmos/client.ts";
import { startCosmosEmulator } from "../infra/emulators/cosmos.ts";
import { withPeakRss } from "./rss.ts";

const ROWS = Number(process.env.BENCH_RECONCILE_ROWS ?? 1_000_000);
const PAIRS = Number(process.env.BENCH_RECONCILE_PAIRS ?? 20_000);
const ORDER = process.env.BENCH_RECONCILE_ORDER ?? "customer";
const PARTNER = "4811223";
const WORKLOADS = ["defender-endpoint", "defender-office365", "entra-id-p2", "purview-dlp"];
const HEADER =
  "participantId,participantIdType,programName,earningId,earningDate,calculationDate,earningAmount,earningAmountUSD,earningType,earningRate,engagementName,lever,customerId,customerIdType,customerName,productName,workload,transactionDate,quantity,quantityType,baseline,baselineType,paymentStatus,estimatedPaymentMonth";

const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
const tenantOf = (i: number) =>
  `${(0x10000000 + i).toString(16)}-0000-4000-8000-${String(i).padStart(12, "0")}`;

/**
 * By customer (default), each pair's months together; BENCH_RECONCILE_ORDER=month lists every pair's
 * earnings month by month instead (each row then a separate append: see docs/DECISIONS.md, issue 17).
 */
async function writeExport(path: string): Promise<void> {
  const perPair = Math.ceil(ROWS / PAIRS);
  const out = createWriteStream(path);
  out.write(`${HEADER}\n`);
  for (let r = 0; r < ROWS; r++) {
    const byMonth = ORDER === "month";
    const pair = byMonth ? r % PAIRS : Math.floor(r / perPair);
    const monthIndex = byMonth ? Math.floor(r / PAIRS) : r % perPair;
    const y = 2020 + Math.floor(monthIndex / 12);
    const m = String((monthIndex % 12) + 1).padStart(2, "0");
    const units = 10 + (r % 90);
    const line = `${PARTNER},PartnerID,Microsoft Commerce Incentives,E-${r},${y}-${m}-28,${y}-${m}-27,${units * 5}.00,${units * 5}.00,Fee,,Modern Work Security Usage,Usage,${tenantOf(pair)},Tenant ID,Customer ${pair},,${WORKLOADS[pair % WORKLOADS.length]},${y}-${m}-28,${units},Compensable units,${units * 3},HWM,Paid,${y}-${m}\n`;
    if (!out.write(line)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "bench-reconcile-"));
  const file = join(dir, "earnings-default.csv");
  const emulator = await startCosmosEmulator({ separateProcess: true });
  const cosmos = connectCosmos({
    endpoint: emulator.endpoint,
    key: emulator.key,
    databaseId: "bench-reconcile",
  });
  try {
    const containers = await ensureContainers(cosmos.database);
    await writeExport(file);
    console.log(
      `export: ${ROWS.toLocaleString("en")} rows over ${PAIRS.toLocaleString("en")} pairs (ordered by ${ORDER}), ${mib(statSync(file).size)}; Cosmos emulator in process ${emulator.pid}`,
    );

    let parsed = 0;
    const parseStart = performance.now();
    for await (const _ of createReadStream(file).pipe(parse({ columns: true, bom: true, info: true })))
      parsed++;
    const parseSeconds = (performance.now() - parseStart) / 1000;
    const parseRate = parsed / parseSeconds;
    console.log(
      `bare csv-parse (baseline): ${parsed.toLocaleString("en")} rows in ${parseSeconds.toFixed(1)} s, ${Math.round(parseRate).toLocaleString("en")} rows/s`,
    );

    const services = buildServices({ cosmos, containers, access: { sources: [], apiKeys: [] } });
    const started = performance.now();
    const {
      result,
      seconds,
      baseline: rssBefore,
      growth,
    } = await withPeakRss(
      () =>
        importExport(services.ingestion, createReadStream(file), {
          partnerId: PARTNER,
          fileName: "earnings-default.csv",
          progressEvery: 100_000,
          onProgress: (p) => {
            const s = (performance.now() - started) / 1000;
            console.log(
              `  ${p.rows.toLocaleString("en")} rows, ${p.stored.toLocaleString("en")} stored, ${Math.round(p.rows / s).toLocaleString("en")} rows/s, RSS ${mib(process.memoryUsage().rss)}`,
            );
          },
        }),
      { gc: global.gc, everyMs: 50 },
    );
    const peak = rssBefore + growth;
    const rate = result.rows / seconds;
    console.log(
      `import: ${result.rows.toLocaleString("en")} rows, ${result.accepted.toLocaleString("en")} events stored, ${result.badRows} bad, ${result.unplacedRows} unplaced, in ${seconds.toFixed(1)} s: ${Math.round(rate).toLocaleString("en")} rows/s = ${(rate / parseRate).toFixed(3)}x the bare parse`,
    );
    console.log(
      `importer peak RSS (this process, store in process ${emulator.pid}): ${mib(peak)}; before the import ${mib(rssBefore)} (+${mib(peak - rssBefore)}) for a ${mib(statSync(file).size)} file`,
    );
  } finally {
    cosmos.close();
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
