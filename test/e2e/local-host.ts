// `npm start` as a user runs it: a real child process (infra/devhost/main.ts) in its own process group, on a
// free port and a data folder of the test's choosing, read through the banner it prints.
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { servicesFromEnv } from "../../composition/from-env.ts";
import type { Services } from "../../composition/services.ts";
import { envForRunningHost } from "../../infra/devhost/data-folder.ts";

export const ROOT = resolve(import.meta.dirname, "../..");
const require = createRequire(import.meta.url);
const TSX = pathToFileURL(require.resolve("tsx")).href;

export interface HostProcess {
  child: ChildProcess;
  url: string;
  partnerId: string;
  webhookSecret: string;
  apiKey: string;
  loadedDocuments: number;
  banner: string;
  /** Everything the host printed so far. */
  output(): string;
  /** SIGKILL to the whole process group: the host and every child it started (Azurite). */
  killGroup(): void;
  /** Ctrl-C, then waits for the exit. */
  stop(): Promise<number | null>;
  exited: Promise<number | null>;
}

/** Runs `node --import tsx <script> args` from the project root, with `env` over this process's. */
export function runNode(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  detached = false,
): ChildProcess {
  return spawn(process.execPath, ["--import", TSX, join(ROOT, script), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached,
  });
}

export async function startHost(dataDir: string, env: NodeJS.ProcessEnv = {}, args: string[] = []) {
  const child = runNode(
    "infra/devhost/main.ts",
    args,
    { PORT: "0", TRACKER_DATA_DIR: dataDir, ...env },
    true,
  );
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  let output = "";
  child.stderr!.on("data", (c: Buffer) => {
    output += c.toString();
  });
  child.stdout!.on("data", (c: Buffer) => {
    output += c.toString();
  });
  const banner = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`npm start did not come up:\n${output}`)), 60_000);
    child.stdout!.on("data", () => {
      if (/Against this running service/.test(output)) {
        clearTimeout(timer);
        done(output);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`npm start exited (${code}):\n${output}`));
    });
  });
  const field = (re: RegExp) => {
    const m = re.exec(banner);
    if (!m) throw new Error(`banner without ${re}:\n${banner}`);
    return m[1]!;
  };
  const host: HostProcess = {
    child,
    url: field(/running at (http:\/\/\S+)\/api/),
    partnerId: field(/partner id:\s+(\S+)/),
    webhookSecret: field(/webhook secret:\s+(\S+)/),
    apiKey: field(/API key:\s+(\S+)/),
    loadedDocuments: Number(field(/(\d+) documents loaded/)),
    banner,
    output: () => output,
    exited,
    killGroup: () => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {}
    },
    stop: async () => {
      child.kill("SIGINT");
      return exited;
    },
  };
  return host;
}

/** The application's services against the store of the host running on `dataDir` (as the scripts reach it). */
export async function servicesOf(dataDir: string): Promise<Services> {
  const env = envForRunningHost({ ...process.env, TRACKER_DATA_DIR: dataDir, COSMOS_ENDPOINT: "" });
  if (!env) throw new Error(`no host running on ${dataDir}`);
  return servicesFromEnv(env);
}

/** Every stored event, counted by its idempotency key `source|id`. */
export async function storedEventCounts(services: Services): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const store = services.projections.store;
  for await (const streamId of store.listStreams()) {
    const { events } = await store.readStream(streamId);
    for (const recorded of events) {
      const key = `${recorded.event.source}|${recorded.event.id}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}
