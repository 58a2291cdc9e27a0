// Calendar dates are `YYYY-MM-DD` strings in UTC (CAL-3). They compare correctly as strings,
// which keeps the fold free of Date objects on its hot path.

export type CalendarDate = string;

/** Code-unit order of two strings (dates, ids) as a sort comparator: the same on every runtime and locale. */
export const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isCalendarDate(value: string): boolean {
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  // Years 0001-9999 (EVENTS.md "Limits"): a year 0000 could not be kept as an instant either.
  return y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo);
}

/** Days in `month` (1-12) of `year`; years 0-99 read as 1900-1999, as Date.UTC reads them. */
export function daysInMonth(year: number, month: number): number {
  // Arithmetic, not a Date: validation calls this for every calendar date of every event.
  if (month !== 2) return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  const y = year >= 0 && year <= 99 ? 1900 + year : year;
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
}

/** The UTC calendar date of an RFC 3339 instant (its business day, CAL-3). */
export function dateOf(instantMs: number): CalendarDate {
  return new Date(instantMs).toISOString().slice(0, 10);
}

/** "N months after D": same day N months later, clamped to the month's last day (CAL-3). */
export function addMonths(date: CalendarDate, months: number): CalendarDate {
  return remembered(monthsLater, date, months, computeAddMonths);
}

function computeAddMonths(date: CalendarDate, months: number): CalendarDate {
  const y = Number(date.slice(0, 4));
  const m = Number(date.slice(5, 7));
  const d = Number(date.slice(8, 10));
  const total = y * 12 + (m - 1) + months;
  const ny = Math.floor(total / 12);
  const nm = (total % 12) + 1;
  return format(ny, nm, Math.min(d, daysInMonth(ny, nm)));
}

export function addDays(date: CalendarDate, days: number): CalendarDate {
  return remembered(daysLater, date, days, computeAddDays);
}

function computeAddDays(date: CalendarDate, days: number): CalendarDate {
  const ms = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
  return dateOf(ms + days * 86_400_000);
}

/** Whole days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: CalendarDate, to: CalendarDate): number {
  return Math.round((startOfDayMs(to) - startOfDayMs(from)) / 86_400_000);
}

export function startOfDayMs(date: CalendarDate): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
}

export function maxDate(a: CalendarDate | undefined, b: CalendarDate | undefined): CalendarDate | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a >= b ? a : b;
}

function format(y: number, m: number, d: number): CalendarDate {
  return `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

// Verdicts ask the same few hundred "date + n" questions for every pair (windows, history, aging):
// answers are remembered, the tables emptied when they grow past a bound. Pure: same input, same string.
const REMEMBERED = 20_000;
const monthsLater = new Map<string, CalendarDate>();
const daysLater = new Map<string, CalendarDate>();

function remembered(
  table: Map<string, CalendarDate>,
  date: CalendarDate,
  n: number,
  compute: (date: CalendarDate, n: number) => CalendarDate,
): CalendarDate {
  const key = `${date}|${n}`;
  let out = table.get(key);
  if (out === undefined) {
    out = compute(date, n);
    if (table.size >= REMEMBERED) table.clear();
    table.set(key, out);
  }
  return out;
}
