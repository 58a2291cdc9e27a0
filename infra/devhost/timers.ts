// Runs timer definitions on their NCRONTAB schedules in-process, the way the Functions host would.
import type { Timer } from "@azure/functions";
import type { TimerDefinition } from "../../functions/registry.ts";
import { type NcrontabSchedule, parseSchedule } from "./ncrontab.ts";

export interface ScheduledTimers {
  /** Cancels pending runs and waits for runs already under way. */
  stop(): Promise<void>;
}

export interface TimerScheduleOptions {
  definitions: readonly TimerDefinition[];
  /** Invokes one run; the dev host wraps the handler with an InvocationContext and logging here. */
  run: (definition: TimerDefinition, timer: Timer) => Promise<void>;
  clock?: () => Date;
}

// setTimeout overflows above 2^31-1 ms (~24.8 days); longer waits are slept in legs.
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Arms every timer. A timer is re-armed only after its run settles, so one host never runs the same timer twice
 * at once; occurrences that pass during a long run are skipped and the next run reports `isPastDue`.
 * Throws InvalidScheduleError at once for a bad schedule.
 */
export function scheduleTimers(options: TimerScheduleOptions): ScheduledTimers {
  const clock = options.clock ?? (() => new Date());
  const schedules = options.definitions.map((definition) => ({
    definition,
    schedule: parseSchedule(definition.schedule),
  }));
  const loops = schedules.map(({ definition, schedule }) =>
    timerLoop(definition, schedule, options.run, clock),
  );
  return {
    async stop() {
      await Promise.all(loops.map((loop) => loop.stop()));
    },
  };
}

function latest(a: Date, b: Date): Date {
  return a.getTime() >= b.getTime() ? a : b;
}

function timerLoop(
  definition: TimerDefinition,
  schedule: NcrontabSchedule,
  run: TimerScheduleOptions["run"],
  clock: () => Date,
): ScheduledTimers {
  let stopped = false;
  let pending: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let last = clock();

  const invoke = async (timer: Timer): Promise<void> => {
    running = run(definition, timer).catch((error: unknown) => {
      console.error(`[timer ${definition.name}] run failed`, error);
    });
    await running;
    running = undefined;
  };

  const wait = (due: Date): void => {
    if (stopped) return;
    const delay = due.getTime() - clock().getTime();
    pending =
      delay > MAX_TIMEOUT_MS
        ? setTimeout(() => wait(due), MAX_TIMEOUT_MS)
        : setTimeout(() => void fire(due), Math.max(0, delay));
  };

  const fire = async (due: Date): Promise<void> => {
    pending = undefined;
    if (stopped) return;
    const now = clock();
    await invoke({
      // Past due means an occurrence was missed: the one after `due` had already come when this run started.
      isPastDue: schedule.next(due).getTime() <= now.getTime(),
      schedule: { adjustForDST: false },
      scheduleStatus: {
        last: last.toISOString(),
        next: schedule.next(latest(now, due)).toISOString(),
        lastUpdated: now.toISOString(),
      },
    });
    last = due;
    // Never earlier than `due`: a timer that fires a hair early must not find the same occurrence again.
    wait(schedule.next(latest(clock(), due)));
  };

  const start = async (): Promise<void> => {
    if (definition.runOnStartup) {
      const now = clock();
      await invoke({
        isPastDue: false,
        schedule: { adjustForDST: false },
        scheduleStatus: {
          last: now.toISOString(),
          next: schedule.next(now).toISOString(),
          lastUpdated: now.toISOString(),
        },
      });
    }
    wait(schedule.next(clock()));
  };
  void start();

  return {
    async stop() {
      stopped = true;
      if (pending) clearTimeout(pending);
      pending = undefined;
      await running;
    },
  };
}
