// `npm run package [-- --out <dir>] [--node <another node binary>]`: the folder Azure runs, built the way a deployment builds it, and
// proven to load. `npm run build`, then in a temporary directory: copy dist/, host.json and the
// package files, `npm ci --omit=dev`, then import dist/functions/index.js in plain Node (no tsx) and
// compare the functions it registers with the ones the sources define. Prints size and package count.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const outIndex = process.argv.indexOf("--out");
const out = outIndex > 0 ? resolve(process.argv[outIndex + 1] ?? "") : undefined;
// `--node <binary>`: load-check with this Node too (e.g. Node 22, the Azure runtime, next to this one).
const nodeIndex = process.argv.indexOf("--node");
const nodes = [process.execPath, ...(nodeIndex > 0 ? [resolve(process.argv[nodeIndex + 1] ?? "")] : [])];
const work = mkdtempSync(join(tmpdir(), "tracker-package-"));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
}

function sizeOf(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
}

/** Installed packages: every node_modules entry with a package.json (scoped ones counted one by one). */
function packagesIn(modules: string): number {
  if (!existsSync(modules)) return 0;
  let count = 0;
  for (const name of readdirSync(modules)) {
    if (name.startsWith(".")) continue;
    const path = join(modules, name);
    if (name.startsWith("@")) count += packagesIn(path);
    else if (existsSync(join(path, "package.json"))) count += 1 + packagesIn(join(path, "node_modules"));
  }
  return count;
}

try {
  const started = performance.now();
  // The project's own build (compiled code and whatever else it emits into dist/), then a copy of it.
  run(npm, ["run", "--silent", "build"], root);
  cpSync(join(root, "dist"), join(work, "dist"), { recursive: true });
  for (const file of ["host.json", "package.json", "package-lock.json"])
    cpSync(join(root, file), join(work, file));
  run(npm, ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], work);

  // What the sources define (this process runs them through tsx) against what plain Node loads.
  const { definitions } = await import("../functions/index.ts");
  const expected = definitions()
    .map((d) => `${d.kind}:${d.name}`)
    .sort();
  const probe = `const m = await import("./dist/functions/index.js");
console.log(JSON.stringify(m.definitions().map((d) => d.kind + ":" + d.name).sort()));`;
  const missing: string[] = [];
  const extra: string[] = [];
  const loadedBy: string[] = [];
  let loaded: string[] = [];
  for (const node of nodes) {
    const version = run(node, ["--version"], work).trim();
    const text = run(node, ["--input-type=module", "-e", probe], work).trim().split("\n").at(-1) ?? "[]";
    loaded = JSON.parse(text) as string[];
    missing.push(...expected.filter((name) => !loaded.includes(name)).map((n) => `${n} (${version})`));
    extra.push(...loaded.filter((name) => !expected.includes(name)).map((n) => `${n} (${version})`));
    loadedBy.push(version);
  }

  const bytes = sizeOf(work);
  const packages = packagesIn(join(work, "node_modules"));
  console.log(`package: ${work}`);
  console.log(
    `  functions loaded in plain Node ${loadedBy.join(" and ")}: ${loaded.length} (${loaded.join(", ")})`,
  );
  console.log(`  size: ${(bytes / 1024 / 1024).toFixed(1)} MiB, packages: ${packages}`);
  console.log(`  built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (missing.length > 0 || extra.length > 0) {
    console.error(`  MISMATCH: missing ${JSON.stringify(missing)}, unexpected ${JSON.stringify(extra)}`);
    process.exitCode = 1;
  } else if (out) {
    rmSync(out, { recursive: true, force: true });
    cpSync(work, out, { recursive: true });
    console.log(`  copied to ${out}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
