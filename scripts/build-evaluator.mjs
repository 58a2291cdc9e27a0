// Bundles the offline evaluator (scripts/evaluate.ts and everything it imports) into one ES module,
// so `npm run evaluate` starts without compiling TypeScript. Built on demand by scripts/evaluate.mjs
// whenever the bundle is missing or older than any of its inputs (listed by esbuild's metafile), so a
// fresh clone needs nothing beyond `npm ci`. `node scripts/build-evaluator.mjs [--force]` builds it now.
import { mkdirSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
// Under node_modules: ignored by git, and thrown away with the dependencies it was built from.
const DIR = join(ROOT, "node_modules", ".cache", "tracker-evaluator");
export const BUNDLE = join(DIR, "evaluate.mjs");
const INPUTS = join(DIR, "inputs.json");

/** True when the bundle exists and no input changed after it was written. */
export function bundleIsFresh() {
  let built;
  let inputs;
  try {
    built = statSync(BUNDLE).mtimeMs;
    inputs = JSON.parse(readFileSync(INPUTS, "utf8"));
  } catch {
    return false;
  }
  for (const input of inputs) {
    try {
      if (statSync(join(ROOT, input)).mtimeMs > built) return false;
    } catch {
      return false; // an input was removed or renamed
    }
  }
  return true;
}

export async function buildEvaluator() {
  const { build } = await import("esbuild");
  mkdirSync(DIR, { recursive: true });
  const started = new Date(Date.now() - 1000);
  const temp = `${BUNDLE}.${process.pid}.tmp`;
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ["scripts/evaluate.ts"],
    outfile: temp,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    metafile: true,
    logLevel: "warning",
    // Bundled CommonJS dependencies may call require(): give the ES module one.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
  });
  writeFileSync(INPUTS, JSON.stringify(Object.keys(result.metafile.inputs)));
  // Dated from before the build: a source saved while esbuild ran makes the next run rebuild.
  utimesSync(temp, started, started);
  renameSync(temp, BUNDLE); // atomic: a concurrent run sees the old bundle or the new one, never half
  return BUNDLE;
}

export async function ensureEvaluator() {
  return bundleIsFresh() ? BUNDLE : buildEvaluator();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(process.argv.includes("--force") ? await buildEvaluator() : await ensureEvaluator());
}
