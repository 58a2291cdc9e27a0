import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stopChild } from "./child.ts";

/** Azurite's documented, public development account (not a secret). */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_ACCOUNT_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface RunningAzurite {
  connectionString: string;
  blobEndpoint: string;
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 30_000;

export interface AzuriteOptions {
  /**
   * Keep blobs in this folder (Azurite's `--location`); every write is on disk before it is answered
   * (see azurite-child.ts). Default: in memory, gone when Azurite stops.
   */
  location?: string;
}

/**
 * Starts Azurite's blob service as a child process on a free loopback port.
 * Port 0 lets the OS pick; Azurite prints the port it actually bound, which we read back,
 * so there is no window in which another process can take a port we probed.
 */
export async function startAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const onDisk = options.location !== undefined;
  // In memory, Azurite refuses --location; a temp cwd catches anything it still writes.
  const location = options.location ?? (await mkdtemp(join(tmpdir(), "azurite-")));
  await mkdir(location, { recursive: true });
  const removeLocation = onDisk ? async () => {} : () => rm(location, { recursive: true, force: true });
  const child = spawn(
    process.execPath,
    [
      fileURLToPath(new URL("./azurite-child.mjs", import.meta.url)),
      "--blobHost",
      "127.0.0.1",
      "--blobPort",
      "0",
      ...(onDisk ? ["--location", location] : ["--inMemoryPersistence"]),
      "--skipApiVersionCheck",
      "--disableTelemetry",
      "--silent",
    ],
    // The IPC channel is the child's lifeline: it exits when the channel closes (see azurite-child.ts).
    { cwd: location, stdio: ["ignore", "pipe", "pipe", "ipc"] },
  );
  // The channel must not keep this process alive on its own.
  child.channel?.unref();

  // If our process dies without calling stop() (a crash, an uncaught error), take Azurite with it
  // instead of leaving an orphan listening on a port with a temp folder behind.
  const killOnExit = () => {
    child.kill("SIGKILL");
    if (!onDisk) rmSync(location, { recursive: true, force: true });
  };
  process.once("exit", killOnExit);

  let port: number;
  try {
    port = await boundPort(child);
    await waitUntilAnswering(`http://127.0.0.1:${port}/${AZURITE_ACCOUNT}?comp=list`);
  } catch (error) {
    process.off("exit", killOnExit);
    await stopChild(child);
    await removeLocation();
    throw error;
  }

  const blobEndpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  const connectionString =
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};` +
    `AccountKey=${AZURITE_ACCOUNT_KEY};BlobEndpoint=${blobEndpoint};`;

  let stopped: Promise<void> | undefined;
  return {
    connectionString,
    blobEndpoint,
    stop() {
      stopped ??= (async () => {
        process.off("exit", killOnExit);
        await stopChild(child);
        await removeLocation();
      })();
      return stopped;
    },
  };
}

function boundPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(
      () => fail(new Error(`Azurite did not start within ${STARTUP_TIMEOUT_MS} ms:\n${output}`)),
      STARTUP_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const match = /listens on https?:\/\/[^:\s]+:(\d+)/.exec(output);
      if (match) {
        cleanup();
        resolve(Number(match[1]));
      }
    };
    const onExit = (code: number | null) =>
      fail(new Error(`Azurite exited early (code ${code}):\n${output}`));
    const fail = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.stderr?.off("data", onData);
      child.off("exit", onExit);
      child.off("error", fail);
      // Keep draining so a chatty child never blocks on a full pipe.
      child.stdout?.resume();
      child.stderr?.resume();
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", onExit);
    child.once("error", fail);
  });
}

async function waitUntilAnswering(url: string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    try {
      // Any HTTP answer (even 403 for an unsigned request) means the server is serving.
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`Azurite did not answer at ${url}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
