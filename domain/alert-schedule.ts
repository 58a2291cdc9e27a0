import { addDays, type CalendarDate, daysBetween } from "./dates.ts";
import type { ClaimWindow } from "./pair-state.ts";
import type { RuleId } from "./rules/index.ts";

// When a claim window (contract/STATE.md) warns its partner. Thresholds are days before `closesOn`.
// An alert is raised at most once per (pair, window code, closesOn, threshold). After a gap (the timer did
// not run for days) only the MOST URGENT threshold now due is raised: with `d` days left the due thresholds
// are {t : t >= d}, the one raised is min{t >= d}, and the larger ones are skipped for good, never a backlog.
// Pure: `today` and the keys already raised come from the caller.

export const DEFAULT_ALERT_THRESHOLDS: readonly number[] = [30, 14, 7, 1];

/** What the schedule needs of a window; `daysLeft` is recomputed from `today`, so it may be absent. */
export type AlertWindow = Pick<ClaimWindow, "code" | "closesOn" | "rule">;

export interface DueAlert {
  /** `alertKey(pairId, window, threshold)`: the alert's identity and Cosmos document id. */
  key: string;
  pairId: string;
  code: ClaimWindow["code"];
  closesOn: CalendarDate;
  rule: RuleId;
  /** The threshold (days before closing) this alert is for. */
  threshold: number;
  /** Days from `today` to `closesOn` when raised (<= threshold; 0 = closes today). */
  daysLeft: number;
}

export interface AlertScheduleInput {
  pairId: string;
  windows: readonly AlertWindow[];
  today: CalendarDate;
  thresholds: readonly number[];
  /** Keys already raised for this pair (any window, any closesOn; unrelated keys are ignored). */
  raised: ReadonlySet<string>;
}

// Cosmos rejects these in ids; '%' is escaped too so that the escaping stays injective.
const ESCAPED_IN_KEYS = /[/\\?#%]/g;

/**
 * Deterministic alert id: `${pairId}:${code}:${closesOn}:${threshold}d`, with `/ \ ? # %` in the pair id
 * percent-encoded so the result is a valid Cosmos document id. The same inputs always give the same key; a
 * new `closesOn` (say, a fresh acknowledgement) gives new keys, hence fresh alerts.
 */
export function alertKey(
  pairId: string,
  window: Pick<AlertWindow, "code" | "closesOn">,
  threshold: number,
): string {
  if (pairId.length === 0) throw new RangeError("alertKey: empty pair id");
  assertThreshold(threshold);
  const pair = pairId.replace(
    ESCAPED_IN_KEYS,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`,
  );
  return `${pair}:${window.code}:${window.closesOn}:${threshold}d`;
}

/** Thresholds deduplicated and sorted ascending (most urgent first). Throws on a non-integer or negative. */
export function normalizeThresholds(thresholds: readonly number[]): number[] {
  thresholds.forEach(assertThreshold);
  return [...new Set(thresholds)].sort((a, b) => a - b);
}

function assertThreshold(t: number): void {
  if (!Number.isSafeInteger(t) || t < 0) {
    throw new RangeError(`alert threshold must be a non-negative whole number of days, got ${t}`);
  }
}

/** The alerts to raise today: at most one per window, the most urgent threshold due and not yet raised. */
export function dueAlerts(input: AlertScheduleInput): DueAlert[] {
  const thresholds = normalizeThresholds(input.thresholds);
  const out: DueAlert[] = [];
  for (const window of input.windows) {
    const due = dueFor(window, input, thresholds);
    if (due) out.push(due);
  }
  return out;
}

/**
 * The earliest date on which this pair has something to raise, or null when none of its current windows
 * ever will: `today` when an alert is due now and not yet raised, else per window `closesOn - max{t < d}`.
 * It assumes the windows stay as they are; see `nextCheckOn` for when they change by the passage of time.
 */
export function nextAlertOn(input: AlertScheduleInput): CalendarDate | null {
  const thresholds = normalizeThresholds(input.thresholds);
  let next: CalendarDate | null = null;
  for (const window of input.windows) {
    const d = daysBetween(input.today, window.closesOn);
    if (d < 0) continue;
    let on: CalendarDate | undefined;
    if (dueFor(window, input, thresholds)) on = input.today;
    else {
      // The next threshold crossed: the largest one still ahead of `d`.
      const ahead = thresholds.filter((t) => t < d);
      const t = ahead[ahead.length - 1];
      if (t !== undefined) on = addDays(window.closesOn, -t);
    }
    if (on !== undefined && (next === null || on < next)) next = on;
  }
  return next;
}

/**
 * `nextAlertOn`, brought forward to the day after the earliest window closes: windows are derived at a
 * date, and one that closes is replaced by time alone (program-year-end rolls to the next year, TIM-1 and
 * TIM-3 windows move as work ages out, rule sets change at the year boundary). A timer that indexes pairs
 * by this date re-derives them when that happens. Events that change a pair must recompute it as well.
 */
export function nextCheckOn(input: AlertScheduleInput): CalendarDate | null {
  let next = nextAlertOn(input);
  for (const window of input.windows) {
    if (window.closesOn < input.today) continue;
    const after = addDays(window.closesOn, 1);
    if (next === null || after < next) next = after;
  }
  return next;
}

function dueFor(window: AlertWindow, input: AlertScheduleInput, thresholds: readonly number[]) {
  const daysLeft = daysBetween(input.today, window.closesOn);
  if (daysLeft < 0) return undefined; // closed: the condition now shows as a reason, not a deadline
  const threshold = thresholds.find((t) => t >= daysLeft);
  if (threshold === undefined) return undefined; // further out than the largest threshold
  // Nothing once this threshold, or a more urgent one (thresholds reconfigured since), went out.
  for (const t of thresholds) {
    if (t > threshold) break;
    if (input.raised.has(alertKey(input.pairId, window, t))) return undefined;
  }
  const alert: DueAlert = {
    key: alertKey(input.pairId, window, threshold),
    pairId: input.pairId,
    code: window.code,
    closesOn: window.closesOn,
    rule: window.rule,
    threshold,
    daysLeft,
  };
  return alert;
}
