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

/**
 * The first message from a child that `accept` turns into a value (undefined: not that one, keep
 * waiting). Rejects when the child exits or fails first, or after `timeoutMs`; listeners are removed
 * either way.
 */
export function nextMessage<T>(
  child: ChildProcess,
  {
    what,
    timeoutMs,
    accept,
  }: { what: string; timeoutMs: number; accept: (message: unknown) => T | undefined },
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`${what} gave no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onMessage = (message: unknown) => {
      let value: T | undefined;
      try {
        value = accept(message);
      } catch (error) {
        fail(error as Error);
        return;
      }
      if (value === undefined) return;
      cleanup();
      resolve(value);
    };
    const onExit = (code: number | null) => fail(new Error(`${what} exited (code ${code})`));
    const fail = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
      child.off("error", fail);
    };
    child.on("message", onMessage);
    child.once("exit", onExit);
    child.once("error", fail);
  });
}
