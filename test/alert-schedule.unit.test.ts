import { describe, expect, it } from "vitest";
import {
  type AlertWindow,
  alertKey,
  DEFAULT_ALERT_THRESHOLDS,
  type DueAlert,
  dueAlerts,
  nextAlertOn,
  nextCheckOn,
} from "../domain/alert-schedule.ts";
import { addDays, type CalendarDate } from "../domain/dates.ts";

const pairId = "4811223|6f1c2a9e-3c4b-4f1e-9a51-2b7c0d9e8f10|defender-endpoint";
const thresholds = DEFAULT_ALERT_THRESHOLDS;
const ack: AlertWindow = { code: "acknowledgement-expiry", closesOn: "2026-02-20", rule: "POE-2" };
const yearEnd: AlertWindow = { code: "program-year-end", closesOn: "2025-09-30", rule: "CAL-1" };

/** A timer: runs on the given days, keeps what it raised, as the alert store would. */
function runTimer(windowsOn: (day: CalendarDate) => AlertWindow[], days: CalendarDate[]) {
  const raised = new Set<string>();
  const log: { day: CalendarDate; alert: DueAlert }[] = [];
  for (const day of days) {
    const windows = windowsOn(day).filter((w) => w.closesOn >= day);
    for (const alert of dueAlerts({ pairId, windows, today: day, thresholds, raised })) {
      log.push({ day, alert });
      raised.add(alert.key);
    }
  }
  return { raised, log };
}

const daysBefore = (closesOn: CalendarDate, from: number, to: number) => {
  const out: CalendarDate[] = [];
  for (let d = from; d >= to; d--) out.push(addDays(closesOn, -d));
  return out;
};

describe("alertKey", () => {
  it("is deterministic and distinct per pair, code, closesOn and threshold", () => {
    const k = alertKey(pairId, ack, 7);
    expect(alertKey(pairId, { ...ack }, 7)).toBe(k);
    expect(k).toBe(`${pairId}:acknowledgement-expiry:2026-02-20:7d`);
    const others = [
      alertKey(pairId, ack, 14),
      alertKey(pairId, { ...ack, closesOn: "2026-02-21" }, 7),
      alertKey(pairId, { ...ack, code: "claim-early" }, 7),
      alertKey(`${pairId}x`, ack, 7),
    ];
    expect(new Set([k, ...others]).size).toBe(5);
  });

  it("never contains characters Cosmos rejects in ids, and stays injective", () => {
    const odd = alertKey("p/1\\2?3#4%5", ack, 1);
    expect(odd).not.toMatch(/[/\\?#]/);
    expect(odd.startsWith("p%2F1%5C2%3F3%234%255:")).toBe(true);
    // A literal "%2F" in a pair id does not collide with an escaped "/".
    expect(alertKey("a%2Fb", ack, 1)).not.toBe(alertKey("a/b", ack, 1));
  });

  it("rejects an empty pair id and a bad threshold", () => {
    expect(() => alertKey("", ack, 1)).toThrow(RangeError);
    expect(() => alertKey(pairId, ack, 1.5)).toThrow(RangeError);
    expect(() => alertKey(pairId, ack, -1)).toThrow(RangeError);
  });
});

describe("dueAlerts", () => {
  it("walked day by day over 40 days, raises 30, 14, 7 and 1 exactly once each, on their day", () => {
    const { log } = runTimer(() => [ack], daysBefore(ack.closesOn, 40, 0));
    expect(log.map(({ day, alert }) => [day, alert.threshold, alert.daysLeft])).toEqual([
      [addDays(ack.closesOn, -30), 30, 30],
      [addDays(ack.closesOn, -14), 14, 14],
      [addDays(ack.closesOn, -7), 7, 7],
      [addDays(ack.closesOn, -1), 1, 1],
    ]);
    expect(log[0]!.alert).toEqual({
      key: alertKey(pairId, ack, 30),
      pairId,
      code: "acknowledgement-expiry",
      closesOn: "2026-02-20",
      rule: "POE-2",
      threshold: 30,
      daysLeft: 30,
    });
  });

  it("after a gap raises only the most urgent threshold due, never the backlog", () => {
    // The timer ran until 21 days before, then not again until 8 days before.
    const days = [...daysBefore(ack.closesOn, 40, 21), ...daysBefore(ack.closesOn, 8, 0)];
    const { log } = runTimer(() => [ack], days);
    expect(log.map(({ day, alert }) => [day, alert.threshold, alert.daysLeft])).toEqual([
      [addDays(ack.closesOn, -30), 30, 30],
      [addDays(ack.closesOn, -8), 14, 8],
      [addDays(ack.closesOn, -7), 7, 7],
      [addDays(ack.closesOn, -1), 1, 1],
    ]);
  });

  it("skipping days 20..9 before close (and the 30-day alert) raises 7, not 30 or 14, then 1", () => {
    const days = [...daysBefore(ack.closesOn, 60, 31), ...daysBefore(ack.closesOn, 8, 0)].filter(
      (d) => d !== addDays(ack.closesOn, -8),
    );
    const { log } = runTimer(() => [ack], days);
    expect(log.map(({ alert }) => alert.threshold)).toEqual([7, 1]);
  });

  it("the first run ever, 3 days before, raises 7 (the most urgent due) and later 1", () => {
    const { log } = runTimer(() => [ack], daysBefore(ack.closesOn, 3, 0));
    expect(log.map(({ day, alert }) => [day, alert.threshold])).toEqual([
      [addDays(ack.closesOn, -3), 7],
      [addDays(ack.closesOn, -1), 1],
    ]);
  });

  it("on the closing day itself raises 1 when it was missed, and nothing once the window closed", () => {
    const raised = new Set<string>();
    const closing = dueAlerts({ pairId, windows: [ack], today: ack.closesOn, thresholds, raised });
    expect(closing.map((a) => [a.threshold, a.daysLeft])).toEqual([[1, 0]]);
    const after = dueAlerts({ pairId, windows: [ack], today: addDays(ack.closesOn, 1), thresholds, raised });
    expect(after).toEqual([]);
  });

  it("running the same day twice raises nothing the second time", () => {
    const today = addDays(ack.closesOn, -14);
    const raised = new Set<string>();
    const first = dueAlerts({ pairId, windows: [ack, yearEnd], today, thresholds, raised });
    expect(first.map((a) => a.threshold)).toEqual([14]);
    for (const a of first) raised.add(a.key);
    expect(dueAlerts({ pairId, windows: [ack, yearEnd], today, thresholds, raised })).toEqual([]);
  });

  it("handles each window of a pair on its own", () => {
    const today = addDays(yearEnd.closesOn, -7);
    const soon: AlertWindow = { code: "info-request-response", closesOn: addDays(today, 1), rule: "CLM-2" };
    const alerts = dueAlerts({ pairId, windows: [soon, yearEnd, ack], today, thresholds, raised: new Set() });
    expect(alerts.map((a) => [a.code, a.threshold, a.daysLeft])).toEqual([
      ["info-request-response", 1, 1],
      ["program-year-end", 7, 7],
    ]);
  });

  it("a window whose closesOn moves (a new acknowledgement) gets fresh alerts", () => {
    const renewed: AlertWindow = { ...ack, closesOn: addDays(ack.closesOn, 20) };
    const renewedOn = addDays(ack.closesOn, -10);
    const windowsOn = (day: CalendarDate) => [day < renewedOn ? ack : renewed];
    const { log } = runTimer(windowsOn, [
      ...daysBefore(ack.closesOn, 40, 11),
      ...daysBefore(renewed.closesOn, 30, 0),
    ]);
    expect(log.map(({ alert }) => [alert.closesOn, alert.threshold])).toEqual([
      [ack.closesOn, 30],
      [ack.closesOn, 14],
      [renewed.closesOn, 30],
      [renewed.closesOn, 14],
      [renewed.closesOn, 7],
      [renewed.closesOn, 1],
    ]);
  });

  it("takes configurable thresholds, in any order, with duplicates", () => {
    const today = addDays(ack.closesOn, -45);
    const raised = new Set<string>();
    const alerts = dueAlerts({ pairId, windows: [ack], today, thresholds: [3, 60, 3], raised });
    expect(alerts.map((a) => a.threshold)).toEqual([60]);
    expect(() => dueAlerts({ pairId, windows: [ack], today, thresholds: [0.5], raised })).toThrow(RangeError);
  });

  it("does not go back to a larger threshold once a more urgent one was raised (thresholds reconfigured)", () => {
    const today = addDays(ack.closesOn, -5);
    const raised = new Set([alertKey(pairId, ack, 3)]);
    expect(dueAlerts({ pairId, windows: [ack], today, thresholds: [3, 7], raised })).toEqual([]);
  });

  it("ignores windows already closed and windows beyond the largest threshold", () => {
    const today = "2025-06-01";
    const closed: AlertWindow = { ...ack, closesOn: "2025-05-31" };
    const far: AlertWindow = { ...ack, closesOn: "2025-07-02" };
    expect(dueAlerts({ pairId, windows: [closed, far], today, thresholds, raised: new Set() })).toEqual([]);
  });
});

describe("nextAlertOn", () => {
  it("is today while an alert is due and not raised, then the day the next threshold is crossed", () => {
    const today = addDays(ack.closesOn, -10);
    const raised = new Set<string>();
    expect(nextAlertOn({ pairId, windows: [ack], today, thresholds, raised })).toBe(today);
    raised.add(alertKey(pairId, ack, 14));
    expect(nextAlertOn({ pairId, windows: [ack], today, thresholds, raised })).toBe(
      addDays(ack.closesOn, -7),
    );
  });

  it("is closesOn - 30 for a window far out, and the earliest over all windows", () => {
    const today = "2025-01-01";
    const input = { pairId, windows: [ack, yearEnd], today, thresholds, raised: new Set<string>() };
    expect(nextAlertOn(input)).toBe(addDays(yearEnd.closesOn, -30));
  });

  it("is null when nothing is left to raise", () => {
    const today = addDays(ack.closesOn, -1);
    const raised = new Set([alertKey(pairId, ack, 1)]);
    expect(nextAlertOn({ pairId, windows: [ack], today, thresholds, raised })).toBeNull();
    expect(nextAlertOn({ pairId, windows: [], today, thresholds, raised })).toBeNull();
  });

  it("predicts every day dueAlerts raises something, walking day by day", () => {
    const windows = [ack, { ...yearEnd, closesOn: addDays(ack.closesOn, -9) }];
    const raised = new Set<string>();
    let predicted: CalendarDate | null = null;
    const raisedOn: CalendarDate[] = [];
    for (const day of daysBefore(ack.closesOn, 50, 0)) {
      const open = windows.filter((w) => w.closesOn >= day);
      const input = { pairId, windows: open, today: day, thresholds, raised };
      const alerts = dueAlerts(input);
      if (predicted !== null) expect(predicted >= day).toBe(true);
      if (alerts.length > 0) {
        raisedOn.push(day);
        if (predicted !== null) expect(day).toBe(predicted);
      } else if (predicted !== null) expect(day < predicted).toBe(true);
      for (const a of alerts) raised.add(a.key);
      predicted = nextAlertOn({ ...input, raised });
    }
    expect(raisedOn.length).toBe(8);
    expect(predicted).toBeNull();
  });
});

describe("nextCheckOn", () => {
  it("is the day after the earliest window closes when that comes before the next alert", () => {
    const today = addDays(yearEnd.closesOn, -1);
    const raised = new Set([alertKey(pairId, yearEnd, 1)]);
    const input = { pairId, windows: [yearEnd, ack], today, thresholds, raised };
    expect(nextAlertOn(input)).toBe(addDays(ack.closesOn, -30));
    expect(nextCheckOn(input)).toBe(addDays(yearEnd.closesOn, 1));
  });
});
