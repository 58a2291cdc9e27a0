// Offline evaluator (contract/API.md): folds an NDJSON file of CloudEvents with the service's own
// domain code and prints every pair's state at --as-of as a JSON array. No storage, no network.
// Bad lines: exit 2 with a report on stderr, nothing on stdout.
import { once } from "node:events";
import { EvaluateUsageError, evaluateFile } from "../application/evaluate-file.ts";

let refused = false;
try {
  const states = await evaluateFile(process.argv.slice(2), (report) => {
    refused = true;
    process.stderr.write(`${report.join("\n")}\n`);
  });
  // States are written as they are derived (one per line), so output never piles up in memory.
  let first = true;
  for await (const state of states) {
    const chunk = `${first ? "[\n" : ",\n"}${JSON.stringify(state)}`;
    first = false;
    if (!process.stdout.write(chunk)) await once(process.stdout, "drain");
  }
  if (refused) process.exitCode = 2;
  else process.stdout.write(first ? "[]\n" : "\n]\n");
} catch (error) {
  if (!(error instanceof EvaluateUsageError)) throw error;
  process.stderr.write(
    `${error.message}\nusage: npm run --silent evaluate -- --as-of <RFC 3339 instant> <file.ndjson>\n`,
  );
  process.exitCode = 2;
}
