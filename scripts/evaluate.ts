// Offline evaluator (contract/API.md): folds an NDJSON file of CloudEvents with the service's own
// domain code and prints every pair's state at --as-of as a JSON array. No storage, no network.
// Bad lines: exit 2 with a report on stderr, nothing on stdout.
// `npm run evaluate` runs this file bundled (scripts/evaluate.mjs builds the bundle when the sources
// change); the bundle is also each worker thread's code, which isPartitionWorker() tells apart.
import { once } from "node:events";
import { statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { EvaluateUsageError, parseArgs } from "../application/evaluate-file.ts";
import { evaluateInParallel, partitionsFor } from "../application/evaluate-parallel.ts";
import { isPartitionWorker, runPartitionWorker } from "../application/evaluate-partition.ts";

const bundled = !import.meta.url.endsWith(".ts");

async function main(): Promise<void> {
  try {
    const { asOf, file } = parseArgs(process.argv.slice(2));
    let size: number;
    try {
      size = statSync(file).size;
    } catch (error) {
      throw new EvaluateUsageError(`cannot read ${file}: ${(error as Error).message}`);
    }
    await evaluateInParallel({
      file,
      asOf,
      // Run unbundled (tsx scripts/evaluate.ts), a worker could not load TypeScript: one partition.
      partitions: bundled ? partitionsFor(size, availableParallelism(), process.env.EVALUATE_PARTITIONS) : 1,
      workerUrl: new URL(import.meta.url),
      onBadLines: (report) => {
        process.stderr.write(`${report.join("\n")}\n`);
        process.exitCode = 2;
      },
      // States are written as they are merged, so output never piles up in memory.
      write: (chunk) => (process.stdout.write(chunk) ? undefined : once(process.stdout, "drain")),
    });
  } catch (error) {
    if (!(error instanceof EvaluateUsageError)) throw error;
    process.stderr.write(
      `${error.message}\nusage: npm run --silent evaluate -- --as-of <YYYY-MM-DD | RFC 3339 instant> <file.ndjson>\n`,
    );
    process.exitCode = 2;
  }
}

if (isPartitionWorker()) runPartitionWorker();
else await main();
