import { ChangeFeedStartFrom, type Container } from "@azure/cosmos";
import type { EventDocument } from "../event-store.ts";
import { statusOf } from "./event-store.ts";

export interface ChangeFeedOptions {
  /** Pause between polls once caught up. Default 1000. */
  intervalMs?: number;
  /** Where the continuation is kept between runs (the `leases` container). Without it: from the beginning. */
  leases?: Container;
  /** One lease per consumer of the feed. Default: the watched container's id. */
  leaseId?: string;
  /** Documents per batch handed to the handler. Default 100. */
  maxItemCount?: number;
  /** Failed reads and failed batches (which are retried). Default: console.error. */
  onError?: (error: unknown) => void;
}

export interface ChangeFeedPoller {
  /** Finishes the batch in hand (or gives up retrying it), then stops; the lease keeps the position. */
  stop(): Promise<void>;
  /** Resolves once a read that started after this call found nothing new: everything written before is handled. */
  drain(): Promise<void>;
}

export interface ChangeFeedLease {
  id: string;
  continuationToken: string;
  updatedAt: string;
}

const MAX_RETRY_DELAY_MS = 30_000;

/**
 * Polls a container's change feed (all partitions, latest version of each document) for the dev host, where
 * there is no Functions Cosmos trigger. Delivery is at least once: the lease advances only after the handler
 * succeeded, a failed batch is retried before anything newer, and a stop mid-batch re-delivers it on restart.
 * One poller per lease id: two would each get every document.
 */
export function pollChangeFeed<T = EventDocument>(
  container: Container,
  onDocuments: (docs: T[]) => Promise<void>,
  options: ChangeFeedOptions = {},
): ChangeFeedPoller {
  const intervalMs = options.intervalMs ?? 1_000;
  const maxItemCount = options.maxItemCount ?? 100;
  const leaseId = options.leaseId ?? container.id;
  const onError = options.onError ?? ((error: unknown) => console.error("change feed:", error));

  let stopped = false;
  let readsStarted = 0;
  const drains: { after: number; resolve: () => void; reject: (error: Error) => void }[] = [];

  let wake: (() => void) | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  const iteratorFrom = (continuationToken: string | undefined) =>
    container.items.getChangeFeedIterator<T>({
      maxItemCount,
      changeFeedStartFrom: continuationToken
        ? ChangeFeedStartFrom.Continuation(continuationToken)
        : ChangeFeedStartFrom.Beginning(),
    });

  async function loadLease(): Promise<string | undefined> {
    if (!options.leases) return undefined;
    for (;;) {
      try {
        const { resource } = await options.leases.item(leaseId, leaseId).read<ChangeFeedLease>();
        return resource?.continuationToken;
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        onError(error);
        if (stopped) return undefined;
        await pause(intervalMs);
      }
    }
  }

  async function saveLease(continuationToken: string): Promise<void> {
    if (!options.leases) return;
    const lease: ChangeFeedLease = { id: leaseId, continuationToken, updatedAt: new Date().toISOString() };
    try {
      await options.leases.items.upsert(lease);
    } catch (error) {
      // Not fatal: the position is still held in memory; a restart before the next save re-delivers.
      onError(error);
    }
  }

  /** True once the handler succeeded; false if stopped while still retrying. */
  async function deliver(docs: T[]): Promise<boolean> {
    for (let attempt = 0; !stopped; attempt++) {
      try {
        await onDocuments(docs);
        return true;
      } catch (error) {
        onError(error);
        await pause(Math.min(intervalMs * 2 ** attempt, MAX_RETRY_DELAY_MS));
      }
    }
    return false;
  }

  function caughtUp(readNumber: number) {
    for (let i = drains.length - 1; i >= 0; i--) {
      const waiter = drains[i]!;
      if (waiter.after < readNumber) {
        drains.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  async function run(): Promise<void> {
    let continuation = await loadLease();
    let iterator = iteratorFrom(continuation);
    while (!stopped) {
      const readNumber = ++readsStarted;
      let response: Awaited<ReturnType<typeof iterator.readNext>>;
      try {
        response = await iterator.readNext();
      } catch (error) {
        onError(error);
        // The iterator's own position is unknown after a failure: resume from the last handled batch.
        iterator = iteratorFrom(continuation);
        await pause(intervalMs);
        continue;
      }
      if (response.statusCode === 304 || response.result.length === 0) {
        caughtUp(readNumber);
        if (!stopped) await pause(intervalMs);
        continue;
      }
      if (!(await deliver(response.result))) break;
      continuation = response.continuationToken;
      await saveLease(continuation);
    }
  }

  const running = run().catch(onError);

  return {
    async stop() {
      stopped = true;
      wake?.();
      await running;
      for (const waiter of drains.splice(0)) waiter.reject(new Error("change feed poller stopped"));
    },
    drain() {
      if (stopped) return Promise.reject(new Error("change feed poller stopped"));
      const after = readsStarted;
      const caught = new Promise<void>((resolve, reject) => drains.push({ after, resolve, reject }));
      wake?.();
      return caught;
    },
  };
}
