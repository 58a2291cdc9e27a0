// Evaluator benchmark (issue 2): a generated export of ~1,000,000 events over 50,000 pairs.
// Prints events/s for `evaluate` and for a baseline that only parses and validates the same lines,
// their ratio, and the evaluator's peak RSS. Also measures the alternative folds the design chose
// between (XState's pure `transition` for every event vs the memoized machine), on a sample.

import { once } from "node:events";
import { createReadStream, createWriteStream, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { evaluateLines } from "../application/evaluate-file.ts";
import { type EngagementEvent, validateEvent } from "../domain/events.ts";
import { distinctInBusinessOrder, foldEvents, foldWithMachine } from "../domain/fold.ts";
import { engagementExport } from "./generate-events.ts";

const PAIRS = Number(process.env.BENCH_PAIRS ?? 50_000);
const AS_OF = "2025-09-01T00:00:00Z";

async function writeExport(file: string): Promise<number> {
  const out = createWriteStream(file);
  let n = 0;
  for (const line of engagementExport(PAIRS)) {
    n++;
    if (!out.write(`${line}\n`)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  return n;
}

const lines = (file: string) =>
  createInterface({ input: createReadStream(file, "utf8"), crlfDelay: Infinity });

function peakRssSampler() {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  return () => {
    clearInterval(timer);
    return Math.max(peak, process.memoryUsage().rss);
  };
}

export async function run(): Promise<void> {
  const dir = join(import.meta.dirname, "out");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `export-${PAIRS}.ndjson`);
  const events = await writeExport(file);
  console.log(
    `evaluate: ${events.toLocaleString()} events over ${PAIRS.toLocaleString()} pairs (${(statSync(file).size / 2 ** 20).toFixed(0)} MiB)`,
  );

  // Evaluate first, so the process's peak RSS is the evaluator's own.
  const rssBefore = process.memoryUsage().rss;
  const stopSampling = peakRssSampler();
  let t = performance.now();
  let pairs = 0;
  let bytes = 0;
  for await (const state of evaluateLines(lines(file), AS_OF, (r) => {
    throw new Error(r.join("\n"));
  })) {
    pairs++;
    bytes += JSON.stringify(state).length; // the evaluator's output work, without a terminal to write to
  }
  const evaluateMs = performance.now() - t;
  const peakRss = stopSampling();

  t = performance.now();
  let valid = 0;
  for await (const line of lines(file)) if (validateEvent(JSON.parse(line)).ok) valid++;
  const baselineMs = performance.now() - t;

  const evaluateRate = events / (evaluateMs / 1000);
  const baselineRate = valid / (baselineMs / 1000);
  console.log(
    `  parse+validate baseline: ${fmt(baselineRate)} events/s (${(baselineMs / 1000).toFixed(2)} s)`,
  );
  console.log(
    `  evaluate:                ${fmt(evaluateRate)} events/s (${(evaluateMs / 1000).toFixed(2)} s, ${pairs} pairs, ${(bytes / 2 ** 20).toFixed(0)} MiB JSON)`,
  );
  console.log(
    `  ratio evaluate/baseline: ${(evaluateRate / baselineRate).toFixed(2)}  (goal >= 0.25; absolute goal >= 100,000 events/s)`,
  );
  console.log(
    `  peak RSS during evaluate: ${(peakRss / 2 ** 20).toFixed(0)} MiB (process at start ${(rssBefore / 2 ** 20).toFixed(0)} MiB; goal < 1024)`,
  );

  // The alternatives, on the first 2,000 pairs: every event through XState vs the memoized machine.
  const sample: EngagementEvent[][] = [];
  const byPair = new Map<string, EngagementEvent[]>();
  for await (const line of lines(file)) {
    const v = validateEvent(JSON.parse(line));
    if (!v.ok || v.event.type === "tenant.profiled" || v.event.type === "skilling.certification.recorded")
      continue;
    const k = `${v.event.tenantid}|${v.event.workload}`;
    let list = byPair.get(k);
    if (!list) {
      if (byPair.size >= 2000) continue;
      list = [];
      byPair.set(k, list);
      sample.push(list);
    }
    list.push(v.event);
  }
  const ordered = sample.map(distinctInBusinessOrder);
  const sampleEvents = ordered.reduce((n, l) => n + l.length, 0);
  t = performance.now();
  for (const l of ordered) foldWithMachine(l);
  const machineMs = performance.now() - t;
  t = performance.now();
  for (const l of ordered) foldEvents(l);
  const memoMs = performance.now() - t;
  console.log(
    `  fold alternatives on ${sampleEvents.toLocaleString()} events: XState transition per event ${fmt(sampleEvents / (machineMs / 1000))} events/s; memoized machine ${fmt(sampleEvents / (memoMs / 1000))} events/s (x${(machineMs / memoMs).toFixed(0)})`,
  );
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

if (import.meta.url === `file://${process.argv[1]}`) await run();
