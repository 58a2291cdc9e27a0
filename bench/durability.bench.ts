// Durability of `npm start` (issue 9), in two parts:
//
// 1. Restart at 100,000 stored events (BENCH_DURABILITY_EVENTS): a real `npm start` (child process, own
//    process group) is loaded with the events, delivered as a CRM export replays them (a batch per 100
//    events), killed with SIGKILL, and started again twice on the same data folder. Prints the time from
//    spawn to the banner, the documents loaded and the journal's size: the first restart replays the
//    journal as written (every head replacement included) and compacts it; the second loads the snapshot.
//    Goal: < 10 s.
// 2. The cost of durability: single-event posts against an in-process host with the journal (every Cosmos
//    write fdatasync'd before its answer, group-committed) and without it (in memory), alternated in the
//    same run, clients in their own process. Prints events/s and the ratio on/off.
import { readFileSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalTracker } from "../infra/devhost/local-tracker.ts";
import { TrackerClient } from "../scripts/tracker-client.ts";
import { startHost } from "../test/e2e/local-host.ts";
import { engagementExport, rng } from "./generate-events.ts";
import { startLoadProcess } from "./ingest-load.ts";

const EVENTS = Number(process.env.BENCH_DURABILITY_EVENTS ?? 100_000);
const BATCH = 100;
const POSTS_PER_RUN = Number(process.env.BENCH_DURABILITY_POSTS ?? 3_000);
const CONCURRENCY = 32;

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/**
 * CPU seconds a process has used (Linux /proc): on a machine whose cores are shared with other work, the
 * wall-clock start time says more about the neighbours than about the start; this is what it costs.
 */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  // utime and stime are fields 14 and 15 of the stat line (11 and 12 after the command), in clock ticks.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function restartTime(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), "bench-durability-"));
  try {
    const first = await startHost(dataDir);
    const client = new TrackerClient(first);
    const lines = [...engagementExport(Math.ceil(EVENTS / 19), 11, first.partnerId)].slice(0, EVENTS);
    const started = performance.now();
    let next = 0;
    let accepted = 0;
    const worker = async () => {
      while (next < lines.length) {
        const batch = lines.slice(next, next + BATCH).map((l) => JSON.parse(l) as unknown);
        next += BATCH;
        const answer = await client.post(batch);
        if (answer.status !== 201 && answer.status !== 202)
          throw new Error(`seeding: ${answer.status} ${JSON.stringify(answer.body)}`);
        accepted += Number(answer.body?.accepted ?? 0);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const seedS = (performance.now() - started) / 1000;
    console.log(
      `  seeded ${fmt(accepted)} events in ${seedS.toFixed(1)} s (${fmt(accepted / seedS)} events/s in batches of ${BATCH}); ` +
        `journal ${mib(statSync(join(dataDir, "cosmos.journal")).size)}`,
    );
    first.killGroup();
    await first.exited;

    for (const label of ["restart after kill -9", "restart again"]) {
      const t = performance.now();
      const host = await startHost(dataDir);
      const seconds = (performance.now() - t) / 1000;
      const cpu = cpuSeconds(host.child.pid!);
      const pairs = await new TrackerClient({ url: host.url, webhookSecret: "", apiKey: host.apiKey }).get(
        "pairs",
      );
      console.log(
        `  ${label}: ${seconds.toFixed(1)} s from spawn to banner (${cpu.toFixed(1)} s of CPU in the host process), ` +
          `${fmt(host.loadedDocuments)} documents loaded, journal ${mib(statSync(join(dataDir, "cosmos.journal")).size)}; ` +
          `GET /api/pairs ${pairs.status} [goal < 10 s]`,
      );
      host.killGroup();
      await host.exited;
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function ingestCost(): Promise<void> {
  const load = await startLoadProcess();
  // Shuffled (seeded): the export lists each pair's events together, and 32 clients posting to the same
  // few streams would measure the recorder's same-stream batching, not the cost of the journal.
  const lines = [...engagementExport(Math.ceil((POSTS_PER_RUN * 6) / 19) + 10, 13)];
  const random = rng(5);
  for (let i = lines.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [lines[i], lines[j]] = [lines[j]!, lines[i]!];
  }
  const rates: Record<"on" | "off", number[]> = { on: [], off: [] };
  try {
    // Alternated, so a change in the machine's load lands on both sides.
    for (const [round, durable] of [false, true, false, true, false, true].entries()) {
      const dataDir = durable ? await mkdtemp(join(tmpdir(), "bench-journal-")) : undefined;
      const tracker = await startLocalTracker({
        quiet: true,
        enableTimers: false,
        env: {},
        ...(dataDir ? { dataDir } : {}),
      });
      try {
        const events = lines
          .slice(round * POSTS_PER_RUN, (round + 1) * POSTS_PER_RUN)
          .map((l) => JSON.parse(l));
        const result = await load.run({
          url: tracker.url,
          webhookSecret: tracker.webhookSecret,
          apiKey: tracker.apiKey,
          concurrency: CONCURRENCY,
          events,
          deadlineMs: 600_000,
        });
        const rate = result.posted / (result.wallMs / 1000);
        rates[durable ? "on" : "off"].push(rate);
        const sorted = [...result.latencies].sort((x, y) => x - y);
        console.log(
          `  durability ${durable ? "on " : "off"}: ${fmt(rate)} events/s, p50 ${sorted[Math.floor(sorted.length / 2)]?.toFixed(0)} ms, ` +
            `p99 ${sorted[Math.floor(sorted.length * 0.99)]?.toFixed(0)} ms (${fmt(result.posted)} single-event posts, c${CONCURRENCY}` +
            `${result.failures ? `, ${result.failures} failures` : ""})`,
        );
      } finally {
        await tracker.stop();
        if (dataDir) await rm(dataDir, { recursive: true, force: true });
      }
    }
  } finally {
    await load.stop();
  }
  // The best run of each side is the one least disturbed by whatever else the machine was doing.
  const best = (xs: number[]) => Math.max(...xs);
  console.log(
    `  ingest with durability on / off (best of ${rates.on.length} each): ${fmt(best(rates.on))} / ${fmt(best(rates.off))} events/s, ` +
      `ratio ${(best(rates.on) / best(rates.off)).toFixed(2)} [goal: durability costs little next to the Cosmos round trips]`,
  );
}

export async function run(): Promise<void> {
  console.log(
    `  ${availableParallelism()} CPUs, load average ${loadavg()[0]!.toFixed(1)}; ${fmt(EVENTS)} events for the restart, ${fmt(POSTS_PER_RUN)} posts per ingest run`,
  );
  // BENCH_DURABILITY_PART=ingest or restart runs one half.
  const part = process.env.BENCH_DURABILITY_PART;
  if (part !== "restart") await ingestCost();
  if (part !== "ingest") await restartTime();
}
