import type { ChildProcess } from "node:child_process";

/** Stops an emulator's child process: SIGTERM, then SIGKILL if it has not exited within 5 s. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hardKill = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(hardKill);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
