// The upload benchmark's client: posts the multipart body from its own process, as a partner's
// browser or CRM would, so the dev host's thread does only the server's work. Driven over IPC by
// upload.bench.ts: one message per upload, one answer back.
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { multipartStream } from "./upload-bytes.ts";

const CHILD_FLAG = "--upload-client";

export interface UploadOrder {
  url: string;
  apiKey: string;
  keyHex: string;
  size: number;
  workload: string;
  timeoutMs: number;
}
export interface UploadAnswer {
  status: number;
  body: { size?: number; duplicate?: boolean };
}

/** Starts the client process; `upload` resolves with the endpoint's answer. */
export function startUploadClient(): { upload(order: UploadOrder): Promise<UploadAnswer>; stop(): void } {
  const require = createRequire(import.meta.url);
  const tsx = pathToFileURL(require.resolve("tsx")).href;
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", tsx, fileURLToPath(import.meta.url), CHILD_FLAG],
    {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    },
  );
  return {
    upload: (order) =>
      new Promise((resolve, reject) => {
        const onMessage = (answer: UploadAnswer | { error: string }) => {
          child.off("exit", onExit);
          if ("error" in answer) reject(new Error(answer.error));
          else resolve(answer);
        };
        const onExit = (code: number | null) => reject(new Error(`upload client exited (${code})`));
        child.once("message", onMessage);
        child.once("exit", onExit);
        child.send(order);
      }),
    stop: () => child.kill(),
  };
}

if (process.argv.includes(CHILD_FLAG)) {
  process.on("message", async (order: UploadOrder) => {
    try {
      const { body, contentType } = multipartStream(
        Buffer.from(order.keyHex, "hex"),
        order.size,
        order.workload,
      );
      const response = await fetch(order.url, {
        method: "POST",
        headers: { "x-api-key": order.apiKey, "content-type": contentType },
        body,
        duplex: "half",
        signal: AbortSignal.timeout(order.timeoutMs),
      } as RequestInit);
      process.send!({ status: response.status, body: await response.json() });
    } catch (error) {
      process.send!({ error: (error as Error).message });
    }
  });
  process.on("disconnect", () => process.exit(0));
}
