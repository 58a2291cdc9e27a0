// Offline evaluator (contract/API.md): folds an NDJSON file of CloudEvents with the service's own
// domain code and prints every pair's state at --as-of. No storage, no network.
import { evaluateFile, EvaluateUsageError } from "../application/evaluate-file.ts";

try {
  const result = await evaluateFile(process.argv.slice(2));
  if (result.ok) {
    process.stdout.write(`${JSON.stringify(result.states, null, 2)}\n`);
  } else {
    for (const line of result.report) process.stderr.write(`${line}\n`);
    process.exitCode = 2;
  }
} catch (error) {
  if (error instanceof EvaluateUsageError) {
    process.stderr.write(`${error.message}\nusage: npm run --silent evaluate -- --as-of <RFC 3339 instant> <file.ndjson>\n`);
    process.exitCode = 2;
  } else throw error;
}
