// The ingestion benchmark's load generator: concurrent CRM clients posting signed single events.
// It runs in its own process (spawned by ingest.bench.ts, driven over IPC), so the CPU the clients spend
// on signing, fetch and JSON does not land in the dev host's process: `process.cpuUsage()` of the bench
// process is then the host's own (HTTP server, handler, Cosmos SDK), and the clients' share is reported here.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { nextMessage, stopChild } from "../infra/emulators/child.ts";
import { TrackerClient } from "../scripts/tracker-client.ts";

export interface LoadJob {
  url: string;
  webhookSecret: string;
  apiKey: string;
  concurrency: number;
  /** Posted in order, one per request, by whichever client is free next. */
  events: unknown[];
  /** Clients stop taking new events after this long (a bound, not the expected duration). */
  deadlineMs: number;
}

export interface LoadResult {
  /** Per request, in ms, for every answered request (any status). */
  latencies: number[];
  statuses: Record<string, number>;
  /** Sum of `accepted` in 201 answers: events the tracker stored. */
  accepted: number;
  duplicates: number;
  failures: number;
  posted: number;
  wallMs: number;
  /** This (client) process's CPU during the job, in ms. */
  cpuMs: number;
  /** The first few non-2xx answers, for the report. */
  samples: string[];
}

/** Runs one job in this process. */
export async function runLoad(job: LoadJob): Promise<LoadResult> {
  const client = new TrackerClient(job);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const samples: string[] = [];
  let accepted = 0;
  let duplicates = 0;
  let failures = 0;
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + job.deadlineMs;
  const worker = async () => {
    while (next < job.events.length && performance.now() < deadline) {
      const event = job.events[next++];
      const t = performance.now();
      try {
        const answer = await client.post(event);
        latencies.push(performance.now() - t);
        statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
        if (answer.status === 201 || answer.status === 202) {
          accepted += Number(answer.body?.accepted ?? 0);
          duplicates += Number(answer.body?.duplicates ?? 0);
        } else if (samples.length < 3) samples.push(`${answer.status} ${JSON.stringify(answer.body)}`);
      } catch (error) {
        failures++;
        if (samples.length < 3) samples.push(String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return {
    latencies,
    statuses,
    accepted,
    duplicates,
    failures,
    posted: next,
    wallMs,
    cpuMs: (used.user + used.system) / 1000,
    samples,
  };
}

export interface LoadProcess {
  pid: number;
  run(job: LoadJob): Promise<LoadResult>;
  stop(): Promise<void>;
}

const CHILD_FLAG = "--ingest-load-child";
const START_TIMEOUT_MS = 20_000;

/** Spawns this file as a child (through tsx) that runs jobs sent over IPC, one at a time. */
export async function startLoadProcess(): Promise<LoadProcess> {
  const require = createRequire(import.meta.url);
  const tsx = pathToFileURL(require.resolve("tsx")).href;
  const child = spawn(process.execPath, ["--import", tsx, fileURLToPath(import.meta.url), CHILD_FLAG], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  await nextMessage(child, { what: "the load generator", timeoutMs: START_TIMEOUT_MS, accept: () => true });
  return {
    pid: child.pid!,
    run: async (job) => {
      // The job bounds itself; the timeout is the backstop if the child hangs.
      const reply = nextMessage(child, {
        what: "the load generator",
        timeoutMs: job.deadlineMs + 30_000,
        accept: (message) => message as { result?: LoadResult; error?: string },
      });
      child.send(job);
      const m = await reply;
      if (!m.result) throw new Error(m.error ?? "load generator failed");
      return m.result;
    },
    stop: () => stopChild(child),
  };
}

// ---- child process entry -------------------------------------------------------------------------------

if (process.argv[2] === CHILD_FLAG && resolve(process.argv[1] ?? "") === fileURLToPath(import.meta.url)) {
  process.on("message", (job: LoadJob) => {
    runLoad(job).then(
      (result) => process.send?.({ result }),
      (error: unknown) => process.send?.({ error: String(error) }),
    );
  });
  // Never outlive the parent.
  process.on("disconnect", () => process.exit(0));
  process.on("SIGTERM", () => process.exit(0));
  process.send?.({ ready: true });
}
