// NCRONTAB as the Azure Functions timer trigger reads it, so a schedule that runs locally also runs in Azure.
// Written here rather than taken from cron-parser because NCRONTAB differs from Vixie cron where it matters:
// six fields are required, day-of-week is 0-6 only, and day-of-month AND day-of-week must both match
// (cron ORs them). Times are UTC: Azure's default, and the only choice on Linux Consumption plans.

export class InvalidScheduleError extends Error {
  constructor(
    readonly expression: string,
    reason: string,
  ) {
    super(`Invalid NCRONTAB schedule "${expression}": ${reason}`);
    this.name = "InvalidScheduleError";
  }
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  hint?: string;
}

const fields: readonly FieldSpec[] = [
  { name: "second", min: 0, max: 59 },
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day", min: 1, max: 31 },
  {
    name: "month",
    min: 1,
    max: 12,
    names: [
      "january",
      "february",
      "march",
      "april",
      "may",
      "june",
      "july",
      "august",
      "september",
      "october",
      "november",
      "december",
    ],
  },
  {
    name: "day-of-week",
    min: 0,
    max: 6,
    names: ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"],
    hint: " (Sunday=0)",
  },
];

/** Longest a search may run before the schedule is declared never to occur (covers the 28-year weekday cycle). */
const SEARCH_YEARS = 400;

export interface NcrontabSchedule {
  readonly expression: string;
  /** The first occurrence strictly after `after`, in UTC. */
  next(after: Date): Date;
}

function parseValue(text: string, spec: FieldSpec, fail: (reason: string) => never): number {
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    if (value < spec.min || value > spec.max) {
      fail(`${spec.name} value ${text} is out of range ${spec.min}-${spec.max}${spec.hint ?? ""}`);
    }
    return value;
  }
  // Names: full or abbreviated to at least three letters, any case (Mon, monday, JAN).
  const lower = text.toLowerCase();
  const index = lower.length >= 3 ? (spec.names?.findIndex((name) => name.startsWith(lower)) ?? -1) : -1;
  if (index < 0) {
    const allowed = spec.names ? ` or a name such as ${spec.names[1]?.slice(0, 3)}` : "";
    fail(`${spec.name} value "${text}" is not a number ${spec.min}-${spec.max}${allowed}`);
  }
  return spec.min + index;
}

function parseField(text: string, spec: FieldSpec, fail: (reason: string) => never): boolean[] {
  const allowed = new Array<boolean>(spec.max + 1).fill(false);
  for (const item of text.split(",")) {
    const [range = "", stepText, extra] = item.split("/");
    if (extra !== undefined || range === "") fail(`${spec.name} item "${item}" is malformed`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) {
        fail(`${spec.name} step "${stepText}" must be a positive whole number`);
      }
      step = Number(stepText);
    }
    let first: number;
    let last: number;
    if (range === "*") {
      first = spec.min;
      last = spec.max;
    } else if (range.includes("-")) {
      const [from = "", to = "", more] = range.split("-");
      if (more !== undefined) fail(`${spec.name} range "${range}" is malformed`);
      first = parseValue(from, spec, fail);
      last = parseValue(to, spec, fail);
      if (first > last) fail(`${spec.name} range "${range}" runs backwards`);
    } else {
      first = parseValue(range, spec, fail);
      // As in NCrontab, "5/15" means from 5 to the field's maximum in steps of 15.
      last = stepText === undefined ? first : spec.max;
    }
    for (let value = first; value <= last; value += step) allowed[value] = true;
  }
  return allowed;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function parseSchedule(expression: string): NcrontabSchedule {
  const fail = (reason: string): never => {
    throw new InvalidScheduleError(expression, reason);
  };
  const parts = expression.trim().split(/\s+/).filter(Boolean);
  if (parts.length !== 6) {
    fail(
      `expected 6 fields "{second} {minute} {hour} {day} {month} {day-of-week}", got ${parts.length}` +
        (/^\d+:\d+(:\d+)?$/.test(expression.trim()) ? " (TimeSpan schedules are not supported here)" : ""),
    );
  }
  const [seconds, minutes, hours, days, months, weekdays] = parts.map((part, i) =>
    parseField(part, fields[i]!, fail),
  ) as [boolean[], boolean[], boolean[], boolean[], boolean[], boolean[]];

  // Reject "31 Feb"-style schedules up front instead of searching centuries for them.
  const someDayExists = months.some(
    (on, month) => on && days.some((d, day) => d && day <= DAYS_IN_MONTH[month - 1]!),
  );
  if (!someDayExists) fail("no month in the schedule has the day it names");

  return {
    expression,
    next(after: Date): Date {
      const start = after.getTime();
      if (Number.isNaN(start)) throw new RangeError("nextOccurrence: `after` is an invalid Date");
      let t = new Date(Math.floor(start / 1000) * 1000 + 1000);
      const limit = t.getUTCFullYear() + SEARCH_YEARS;
      while (t.getUTCFullYear() <= limit) {
        const y = t.getUTCFullYear();
        const mo = t.getUTCMonth();
        const d = t.getUTCDate();
        const h = t.getUTCHours();
        const mi = t.getUTCMinutes();
        // Each miss jumps to the start of the next unit; Date.UTC normalises overflow (day 32 -> next month).
        if (!months[mo + 1]) t = new Date(Date.UTC(y, mo + 1, 1));
        else if (!days[d] || !weekdays[t.getUTCDay()]) t = new Date(Date.UTC(y, mo, d + 1));
        else if (!hours[h]) t = new Date(Date.UTC(y, mo, d, h + 1));
        else if (!minutes[mi]) t = new Date(Date.UTC(y, mo, d, h, mi + 1));
        else if (!seconds[t.getUTCSeconds()]) t = new Date(t.getTime() + 1000);
        else return t;
      }
      throw new InvalidScheduleError(expression, `no occurrence within ${SEARCH_YEARS} years`);
    },
  };
}

/** The first occurrence of an NCRONTAB `expression` strictly after `after`, in UTC. */
export function nextOccurrence(expression: string, after: Date): Date {
  return parseSchedule(expression).next(after);
}
