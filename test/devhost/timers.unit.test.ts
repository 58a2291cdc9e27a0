// Timer scheduling against vitest's fake clock: days and years pass in milliseconds, deterministically.
import type { Timer } from "@azure/functions";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { TimerDefinition } from "../../functions/registry.ts";
import { InvalidScheduleError } from "../../infra/devhost/ncrontab.ts";
import { scheduleTimers } from "../../infra/devhost/timers.ts";

interface Run {
  name: string;
  at: string;
  timer: Timer;
}

function timer(schedule: string, extra: Partial<TimerDefinition> = {}): TimerDefinition {
  // The scheduler calls `run`, not the handler; the handler only has to exist.
  return { kind: "timer", name: "t", schedule, runOnStartup: false, handler: async () => {}, ...extra };
}

function recorder(work: () => Promise<void> = async () => {}) {
  const runs: Run[] = [];
  let active = 0;
  let maxActive = 0;
  const run = async (definition: TimerDefinition, timer: Timer) => {
    runs.push({ name: definition.name, at: new Date().toISOString(), timer });
    active++;
    maxActive = Math.max(maxActive, active);
    try {
      await work();
    } finally {
      active--;
    }
  };
  return { runs, run, maxActive: () => maxActive };
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date("2025-05-22T05:59:58.500Z") });
});

afterEach(() => {
  vi.useRealTimers();
});

describe("scheduleTimers", () => {
  it("runs at each occurrence with the schedule's last and next", async () => {
    const { runs, run } = recorder();
    const timers = scheduleTimers({ definitions: [timer("0 0 6 * * *")], run });

    await vi.advanceTimersByTimeAsync(1400);
    expect(runs).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(100);
    expect(runs.map((r) => r.at)).toEqual(["2025-05-22T06:00:00.000Z"]);
    expect(runs[0]?.timer).toEqual({
      isPastDue: false,
      schedule: { adjustForDST: false },
      scheduleStatus: {
        last: "2025-05-22T05:59:58.500Z",
        next: "2025-05-23T06:00:00.000Z",
        lastUpdated: "2025-05-22T06:00:00.000Z",
      },
    });

    await vi.advanceTimersByTimeAsync(24 * 3600 * 1000);
    expect(runs.map((r) => r.at)).toEqual(["2025-05-22T06:00:00.000Z", "2025-05-23T06:00:00.000Z"]);
    expect(runs[1]?.timer.scheduleStatus.last).toBe("2025-05-22T06:00:00.000Z");
    await timers.stop();
  });

  it("never overlaps runs of one timer and skips occurrences that pass during a long run", async () => {
    const { runs, run, maxActive } = recorder(() => new Promise((resolve) => setTimeout(resolve, 2500)));
    const timers = scheduleTimers({ definitions: [timer("*/1 * * * * *")], run });

    await vi.advanceTimersByTimeAsync(10_000);
    expect(maxActive()).toBe(1);
    // 05:59:59 runs until 06:00:01.5, skipping 06:00:00 and 06:00:01; next run 06:00:02, and so on.
    expect(runs.map((r) => r.at.slice(11, 19))).toEqual(["05:59:59", "06:00:02", "06:00:05", "06:00:08"]);
    expect(runs.map((r) => r.timer.isPastDue)).toEqual([false, false, false, false]);
    // The 06:00:08 run is still under way; stop waits for it.
    const stopped = timers.stop();
    await vi.advanceTimersByTimeAsync(2500);
    await stopped;
  });

  it("reports isPastDue when a run starts after the following occurrence had already come", async () => {
    const { runs, run } = recorder();
    const timers = scheduleTimers({ definitions: [timer("*/1 * * * * *")], run });
    // Armed for 05:59:59; the wall clock jumps past 06:00:00 and 06:00:01 before the timer fires,
    // as when the event loop is blocked or the machine sleeps.
    vi.setSystemTime(new Date("2025-05-22T06:00:01.200Z"));
    await vi.advanceTimersByTimeAsync(500);
    expect(runs[0]?.timer.isPastDue).toBe(true);
    expect(runs[0]?.timer.scheduleStatus.next).toBe("2025-05-22T06:00:02.000Z");
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs.map((r) => [r.at, r.timer.isPastDue])).toEqual([
      ["2025-05-22T06:00:01.700Z", true],
      ["2025-05-22T06:00:02.000Z", false],
    ]);
    await timers.stop();
  });

  it("runs once at startup when asked, then on schedule", async () => {
    const { runs, run } = recorder();
    const timers = scheduleTimers({ definitions: [timer("0 0 6 * * *", { runOnStartup: true })], run });
    await vi.advanceTimersByTimeAsync(0);
    expect(runs.map((r) => r.at)).toEqual(["2025-05-22T05:59:58.500Z"]);
    await vi.advanceTimersByTimeAsync(1500);
    expect(runs).toHaveLength(2);
    await timers.stop();
  });

  it("waits longer than setTimeout's 24.8-day limit without firing early", async () => {
    const { runs, run } = recorder();
    const timers = scheduleTimers({ definitions: [timer("0 0 0 1 1 *")], run });
    await vi.advanceTimersByTimeAsync(200 * 24 * 3600 * 1000);
    expect(runs).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(60 * 24 * 3600 * 1000);
    expect(runs.map((r) => r.at)).toEqual(["2026-01-01T00:00:00.000Z"]);
    await timers.stop();
  });

  it("reads time from the injected clock", async () => {
    const { runs, run } = recorder();
    // A clock two hours ahead of the system's: occurrences are computed in its time.
    const clock = () => new Date(Date.now() + 2 * 3600 * 1000);
    const timers = scheduleTimers({ definitions: [timer("0 0 8 * * *")], run, clock });
    await vi.advanceTimersByTimeAsync(1500);
    expect(runs).toHaveLength(1);
    expect(runs[0]?.timer.scheduleStatus.next).toBe("2025-05-23T08:00:00.000Z");
    await timers.stop();
  });

  it("stop cancels pending runs and waits for the one under way", async () => {
    let finished = false;
    const { runs, run } = recorder(async () => {
      await new Promise((resolve) => setTimeout(resolve, 5000));
      finished = true;
    });
    const timers = scheduleTimers({ definitions: [timer("*/1 * * * * *")], run });
    await vi.advanceTimersByTimeAsync(600);
    expect(runs).toHaveLength(1);

    const stopped = timers.stop();
    await vi.advanceTimersByTimeAsync(5000);
    await stopped;
    expect(finished).toBe(true);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(runs).toHaveLength(1);
  });

  it("rejects a bad schedule before arming anything", () => {
    const { run } = recorder();
    expect(() => scheduleTimers({ definitions: [timer("0 0 6 * *")], run })).toThrow(InvalidScheduleError);
  });
});
