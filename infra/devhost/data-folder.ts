// The folder `npm start` keeps its state in (default `.tracker/` in the project, TRACKER_DATA_DIR to move it):
//   cosmos.journal   the Cosmos emulator's documents (infra/emulators/cosmos-journal.ts)
//   blobs/           Azurite's blob storage (--location)
//   identity.json    the dev partner id, webhook secret and API key, generated once
//   host.json        where the running host and its emulators answer, for `npm run claim-windows` & co.
//   lock             the pid of the host using the folder
import { randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { isAbsolute, join, resolve } from "node:path";

const PROJECT_ROOT = resolve(import.meta.dirname, "../..");

export function dataFolderFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.TRACKER_DATA_DIR;
  if (!dir) return join(PROJECT_ROOT, ".tracker");
  return isAbsolute(dir) ? dir : resolve(process.cwd(), dir);
}

export function freshRequested(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  return argv.includes("--fresh") || env.TRACKER_FRESH === "1" || env.TRACKER_FRESH === "true";
}

export const blobFolder = (dir: string) => join(dir, "blobs");

/** Deletes the stored documents and blobs; the identity stays, so the CRM configured against it still works. */
export function clearData(dir: string): void {
  rmSync(join(dir, "cosmos.journal"), { force: true });
  rmSync(join(dir, "cosmos.journal.tmp"), { force: true });
  rmSync(blobFolder(dir), { recursive: true, force: true });
}

export class DataFolderInUse extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`${dir} is in use by another npm start (pid ${pid})`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * One host per folder: two would each replay and compact the same journal. A lock left by a host that was
 * killed names a dead pid and is taken over.
 */
export function lockDataFolder(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        if (readPid(path) === process.pid) rmSync(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = readPid(path);
      if (holder !== undefined && holder !== process.pid && alive(holder))
        throw new DataFolderInUse(dir, holder);
      rmSync(path, { force: true });
    }
  }
  throw new Error(`could not lock ${dir}`);
}

function readPid(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, "utf8").trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Written whole or not at all: a reader never sees half a file, even after kill -9. */
function writeJsonAtomically(path: string, value: unknown, mode = 0o600): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(value, null, 2)}\n`, { mode });
  renameSync(temp, path);
}

export interface LocalIdentity {
  partnerId: string;
  webhookSecret: string;
  apiKey: string;
}

/**
 * The dev partner's credentials: read from identity.json, generated and saved the first time; DEV_PARTNER_ID,
 * DEV_WEBHOOK_SECRET and DEV_API_KEY override them for one run without changing the file.
 */
export function loadIdentity(dir: string | undefined, env: NodeJS.ProcessEnv = process.env): LocalIdentity {
  const path = dir ? join(dir, "identity.json") : undefined;
  let saved: Partial<LocalIdentity> = {};
  if (path && existsSync(path)) saved = JSON.parse(readFileSync(path, "utf8")) as Partial<LocalIdentity>;
  const identity: LocalIdentity = {
    partnerId: saved.partnerId ?? "4811223",
    webhookSecret: saved.webhookSecret ?? `whsec_${randomBytes(24).toString("base64")}`,
    apiKey: saved.apiKey ?? randomBytes(18).toString("base64url"),
  };
  if (
    path &&
    (saved.partnerId !== identity.partnerId ||
      saved.webhookSecret !== identity.webhookSecret ||
      saved.apiKey !== identity.apiKey)
  ) {
    mkdirSync(dir!, { recursive: true });
    writeJsonAtomically(path, identity);
  }
  return {
    partnerId: env.DEV_PARTNER_ID || identity.partnerId,
    webhookSecret: env.DEV_WEBHOOK_SECRET || identity.webhookSecret,
    apiKey: env.DEV_API_KEY || identity.apiKey,
  };
}

/** What scripts need to act on the running host: its URL, the dev identity, its emulators. */
export interface RunningHost {
  pid: number;
  url: string;
  identity: LocalIdentity;
  cosmos: { endpoint: string; key: string; databaseId: string };
  blobConnectionString: string;
}

export function publishHost(dir: string, host: RunningHost): () => void {
  const path = join(dir, "host.json");
  writeJsonAtomically(path, host);
  return () => {
    if (readHostFile(path)?.pid === process.pid) rmSync(path, { force: true });
  };
}

function readHostFile(path: string): RunningHost | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as RunningHost;
  } catch {
    return undefined;
  }
}

/** The host `npm start` is running on this data folder, if one is (a file left by a killed host is ignored). */
export function runningHost(dir: string): RunningHost | undefined {
  const host = readHostFile(join(dir, "host.json"));
  return host && alive(host.pid) ? host : undefined;
}

/**
 * The environment a script (claim-windows, rebuild) runs with: as given when COSMOS_ENDPOINT names a store,
 * else pointed at the emulators of the `npm start` running on the data folder; undefined when neither.
 */
export function envForRunningHost(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv | undefined {
  if (env.COSMOS_ENDPOINT) return env;
  const host = runningHost(dataFolderFromEnv(env));
  if (!host) return undefined;
  return {
    ...env,
    COSMOS_ENDPOINT: host.cosmos.endpoint,
    COSMOS_KEY: host.cosmos.key,
    COSMOS_DATABASE: host.cosmos.databaseId,
    STORAGE_CONNECTION_STRING: env.STORAGE_CONNECTION_STRING || host.blobConnectionString,
  };
}

export const NO_RUNNING_HOST =
  "No store to run against: start the service (npm start, same TRACKER_DATA_DIR) or set COSMOS_ENDPOINT and COSMOS_KEY.";
