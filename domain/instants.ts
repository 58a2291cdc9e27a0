// The one reader of dates and instants for every route, the events and the CLI: a strict calendar
// date `YYYY-MM-DD` or an RFC 3339 instant with seconds and an offset, in years 0001–9999 (UTC).
// Nothing else (`1`, `yesterday`, `2025-02-30`, an empty string) is read as a time.
import { z } from "zod";
import { type CalendarDate, isCalendarDate } from "./dates.ts";

/** RFC 3339 as zod checks it: real calendar days, hours 00–23, seconds required, `Z` or `±HH:MM`. */
// abort: a string that is not RFC 3339 gets one error ($.time), not a second one from the range check.
const RFC3339 = z.iso.datetime({ offset: true, abort: true });

const MIN_MS = -62135596800000; // 0001-01-01T00:00:00Z
const MAX_MS = 253402300799999; // 9999-12-31T23:59:59.999Z

/** Whether an RFC 3339 instant falls in years 0001–9999 once moved to UTC (EVENTS.md "Limits"). */
export function instantInRange(value: string): boolean {
  const ms = Date.parse(value);
  return Number.isFinite(ms) && ms >= MIN_MS && ms <= MAX_MS;
}

export function isInstant(value: string): boolean {
  return RFC3339.safeParse(value).success && instantInRange(value);
}

/** The schema of an event's `time`: RFC 3339 in years 0001–9999 UTC (still `format: date-time`). */
export const instantSchema = RFC3339.refine(instantInRange, {
  message: "the instant falls outside years 0001–9999 in UTC",
});

export type When =
  | { kind: "date"; date: CalendarDate /** the end of that UTC day */; instant: string }
  | { kind: "instant"; date: CalendarDate /** canonical UTC form */; instant: string };

export const WHEN_EXPECTED = "expected a date YYYY-MM-DD or an RFC 3339 instant (e.g. 2025-05-22T00:00:00Z)";

/**
 * A date or an instant, or undefined for anything else. A date stands for the whole UTC day (CAL-3):
 * as an instant it is the day's last millisecond, so a state "as of" a date includes that day's events.
 */
export function parseWhen(value: string): When | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    if (!isCalendarDate(value) || value < "0001-01-01") return undefined;
    return { kind: "date", date: value, instant: `${value}T23:59:59.999Z` };
  }
  if (!isInstant(value)) return undefined;
  const iso = new Date(Date.parse(value)).toISOString();
  return { kind: "instant", date: iso.slice(0, 10), instant: iso.replace(".000Z", "Z") };
}

/** `asOf`-style query values as zod reads them: a date or an instant, given on as an instant. */
export const whenSchema = z.string().transform((value, ctx) => {
  const when = parseWhen(value);
  if (when) return when.instant;
  ctx.addIssue({ code: "custom", message: WHEN_EXPECTED });
  return z.NEVER;
});
