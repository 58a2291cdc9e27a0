// `npm run evaluate`: runs the bundled evaluator (scripts/evaluate.ts), building it first when it is
// missing or older than its sources, so no run compiles TypeScript unless the code changed.
import { pathToFileURL } from "node:url";
import { ensureEvaluator } from "./build-evaluator.mjs";

await import(pathToFileURL(await ensureEvaluator()).href);
