// Evaluator benchmark (issue 12): the real command, `npm run --silent evaluate`, end to end (npm and
// node start-up included, output to a file) on a generated export of 500,000 realistic events.
// Baseline measured in the same run: a bare JSON.parse of the same lines (file read included).
// Also: peak RSS of the evaluate process, and the fold alternatives the design chose between.

import { spawn } from "node:child_process";
import { once } from "node:events";
import {
  closeSync,
  createWriteStream,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type EngagementEvent, validateEvent } from "../domain/events.ts";
import { distinctInBusinessOrder, foldEvents, foldWithMachine } from "../domain/fold.ts";
import { engagementExport } from "./generate-events.ts";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 500_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const AS_OF = "2025-09-01T00:00:00Z";
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TIME = "/usr/bin/time"; // GNU time: max RSS of the waited-for process tree (the node process)

/** Writes the first `events` lines of the generated export (~19 events a pair); returns the pair count. */
async function writeExport(file: string, events: number): Promise<number> {
  const out = createWriteStream(file);
  const pairs = new Set<string>();
  let n = 0;
  for (const line of engagementExport(Math.ceil(events / 15))) {
    if (n++ === events) break;
    const m = /"tenantid":"([^"]+)","workload":"([^"]+)"/.exec(line);
    if (m) pairs.add(`${m[1]}|${m[2]}`);
    if (!out.write(`${line}\n`)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  return pairs.size;
}

interface Run {
  ms: number;
  code: number | null;
  peakRssKiB?: number;
  /** user + system CPU seconds of the whole command (npm, node and its worker threads) */
  cpuSeconds?: number;
  stderr: string;
}

/** Spawns `npm run --silent evaluate` with stdout to a file; wall time from spawn to exit. */
async function evaluateOnce(file: string, outFile: string, rssFile: string): Promise<Run> {
  const hasTime = (() => {
    try {
      return statSync(TIME).isFile();
    } catch {
      return false;
    }
  })();
  const cmd = ["npm", "run", "--silent", "evaluate", "--", "--as-of", AS_OF, file];
  const out = openSync(outFile, "w");
  const t = performance.now();
  const child = spawn(
    hasTime ? TIME : cmd[0]!,
    hasTime ? ["-f", "%M %U %S", "-o", rssFile, ...cmd] : cmd.slice(1),
    {
      cwd: ROOT,
      stdio: ["ignore", out, "pipe"],
    },
  );
  let stderr = "";
  child.stderr!.on("data", (d) => {
    stderr += d;
  });
  const [code] = (await once(child, "exit")) as [number | null];
  const ms = performance.now() - t;
  closeSync(out);
  if (!hasTime) return { ms, code, stderr };
  const [rss, user, system] = readFileSync(rssFile, "utf8").trim().split("\n").pop()!.split(" ").map(Number);
  return { ms, code, peakRssKiB: rss, cpuSeconds: user! + system!, stderr };
}

function bareJsonParse(file: string): { ms: number; lines: number } {
  const t = performance.now();
  let lines = 0;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line === "") continue;
    JSON.parse(line);
    lines++;
  }
  return { ms: performance.now() - t, lines };
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "evaluate-bench-"));
  try {
    await measure(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(dir: string): Promise<void> {
  const file = join(dir, "export.ndjson");
  const pairs = await writeExport(file, EVENTS);
  console.log(
    `evaluate: ${EVENTS.toLocaleString("en-US")} events over ${pairs.toLocaleString("en-US")} pairs (${(statSync(file).size / 2 ** 20).toFixed(0)} MiB), as of ${AS_OF}; ${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(1)} (other processes take cores from the figures below)`,
  );
  // A first run on a one-line file builds the evaluator's bundle if the sources changed, so the
  // timed runs measure what a user sees on every run after the first.
  const tiny = join(dir, "tiny.ndjson");
  const tinyOut = join(dir, "tiny.json");
  writeFileSync(tiny, "");
  const warm = await evaluateOnce(tiny, tinyOut, join(dir, "rss-tiny"));
  if (warm.code !== 0) throw new Error(`evaluate failed on an empty file: ${warm.stderr}`);
  const startMs = (await evaluateOnce(tiny, tinyOut, join(dir, "rss-tiny"))).ms;

  const rates: number[] = [];
  const rss: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await evaluateOnce(file, join(dir, "states.json"), join(dir, "rss"));
    if (r.code !== 0) throw new Error(`evaluate exited ${r.code}: ${r.stderr.slice(0, 2000)}`);
    rates.push(EVENTS / (r.ms / 1000));
    if (r.peakRssKiB !== undefined) rss.push(r.peakRssKiB);
    if (r.cpuSeconds !== undefined) cpu.push(r.cpuSeconds);
    console.log(
      `  run ${i + 1}: ${(r.ms / 1000).toFixed(2)} s, ${fmt(EVENTS / (r.ms / 1000))} events/s${r.peakRssKiB === undefined ? "" : `, peak RSS ${(r.peakRssKiB / 1024).toFixed(0)} MiB, CPU ${r.cpuSeconds!.toFixed(2)} s`}`,
    );
  }
  const outBytes = statSync(join(dir, "states.json")).size;
  const base = bareJsonParse(file);
  const baseRate = base.lines / (base.ms / 1000);
  const rate = median(rates);
  console.log(
    `  bare JSON.parse baseline (file read + split + parse, in this process): ${fmt(baseRate)} lines/s (${(base.ms / 1000).toFixed(2)} s)`,
  );
  console.log(
    `  evaluate end to end (npm run --silent evaluate, median of ${RUNS}): ${fmt(rate)} events/s; ${(outBytes / 2 ** 20).toFixed(0)} MiB of JSON written to a file; start-up alone (empty file) ${startMs.toFixed(0)} ms`,
  );
  console.log(
    `  ratio evaluate/JSON.parse: ${(rate / baseRate).toFixed(2)}  (absolute goal >= 100,000 events/s)`,
  );
  // On a busy machine the wall time measures the other processes too; the CPU time does not.
  if (cpu.length > 0)
    console.log(
      `  CPU per run ${median(cpu).toFixed(2)} s (median): with all ${availableParallelism()} cores to itself the command could reach at most ${fmt(EVENTS / (median(cpu) / availableParallelism()))} events/s (a bound, not a measurement)`,
    );
  console.log(
    rss.length > 0
      ? `  peak RSS of the evaluate process: ${(Math.max(...rss) / 1024).toFixed(0)} MiB (goal < 1024)`
      : `  peak RSS: ${TIME} not found, not measured`,
  );
  foldAlternatives(file);
}

/** XState's pure `transition` for every event vs the memoized machine, on the first 2,000 pairs. */
function foldAlternatives(file: string): void {
  const byPair = new Map<string, EngagementEvent[]>();
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line === "") continue;
    const v = validateEvent(JSON.parse(line));
    if (!v.ok || v.event.type === "tenant.profiled" || v.event.type === "skilling.certification.recorded")
      continue;
    const k = `${v.event.tenantid}|${v.event.workload}`;
    let list = byPair.get(k);
    if (!list) {
      if (byPair.size >= 2000) break;
      list = [];
      byPair.set(k, list);
    }
    list.push(v.event);
  }
  const ordered = [...byPair.values()].map(distinctInBusinessOrder);
  const n = ordered.reduce((s, l) => s + l.length, 0);
  let t = performance.now();
  for (const l of ordered) foldWithMachine(l);
  const machineMs = performance.now() - t;
  t = performance.now();
  for (const l of ordered) foldEvents(l);
  const memoMs = performance.now() - t;
  console.log(
    `  fold alternatives on ${n.toLocaleString("en-US")} events: XState transition per event ${fmt(n / (machineMs / 1000))} events/s; memoized machine ${fmt(n / (memoMs / 1000))} events/s (x${(machineMs / memoMs).toFixed(0)})`,
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

if (import.meta.url === `file://${process.argv[1]}`) await run();
