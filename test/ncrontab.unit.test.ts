import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidScheduleError, nextOccurrence, parseSchedule } from "../infra/devhost/ncrontab.ts";

const next = (expression: string, after: string) => nextOccurrence(expression, new Date(after)).toISOString();

describe("nextOccurrence", () => {
  it.each([
    // [expression, after, expected]
    ["0 0 6 * * *", "2025-05-22T06:00:00Z", "2025-05-23T06:00:00.000Z"],
    ["0 0 6 * * *", "2025-05-22T05:59:59.999Z", "2025-05-22T06:00:00.000Z"],
    ["0 */5 * * * *", "2025-05-22T12:03:10Z", "2025-05-22T12:05:00.000Z"],
    ["0 */5 * * * *", "2025-05-22T23:55:00Z", "2025-05-23T00:00:00.000Z"],
    ["*/1 * * * * *", "2025-05-22T12:00:00.400Z", "2025-05-22T12:00:01.000Z"],
    ["10-20/5 * * * * *", "2025-05-22T12:00:15Z", "2025-05-22T12:00:20.000Z"],
    ["10-20/5 * * * * *", "2025-05-22T12:00:20Z", "2025-05-22T12:01:10.000Z"],
    ["5/20 * * * * *", "2025-05-22T12:00:45Z", "2025-05-22T12:01:05.000Z"],
    ["0 0 8,12,17 * * *", "2025-05-22T12:00:00Z", "2025-05-22T17:00:00.000Z"],
    // Thursday 22 May 2025: weekdays only, so Friday, then Monday after Friday's slot.
    ["0 30 9 * * 1-5", "2025-05-22T10:00:00Z", "2025-05-23T09:30:00.000Z"],
    ["0 30 9 * * 1-5", "2025-05-23T09:30:00Z", "2025-05-26T09:30:00.000Z"],
    ["0 30 9 * * Mon-Fri", "2025-05-23T09:30:00Z", "2025-05-26T09:30:00.000Z"],
    ["0 0 12 * Jan,July Sun", "2025-05-22T00:00:00Z", "2025-07-06T12:00:00.000Z"],
    // NCRONTAB ANDs day and day-of-week (cron would OR them): the next 1st of a month that is a Sunday.
    ["0 0 0 1 * 0", "2025-01-01T00:00:00Z", "2025-06-01T00:00:00.000Z"],
    ["0 0 0 1 1 *", "2025-12-31T23:59:59Z", "2026-01-01T00:00:00.000Z"],
    ["0 0 0 29 2 *", "2025-01-01T00:00:00Z", "2028-02-29T00:00:00.000Z"],
    ["0 0 0 31 * *", "2025-04-01T00:00:00Z", "2025-05-31T00:00:00.000Z"],
  ])("%s after %s is %s", (expression, after, expected) => {
    expect(next(expression, after)).toBe(expected);
  });

  it("is in UTC whatever the process time zone, and tolerates extra whitespace", () => {
    expect(next("  0  0  6  *  *  *  ", "2025-03-30T00:30:00+02:00")).toBe("2025-03-30T06:00:00.000Z");
  });

  it("finds the first matching second after `after`, by brute force comparison", () => {
    const fieldList = (max: number) =>
      fc.uniqueArray(fc.integer({ min: 0, max }), { minLength: 1, maxLength: 4 }).map((xs) => xs.join(","));
    fc.assert(
      fc.property(
        fieldList(59),
        fc.oneof(fc.constant("*"), fieldList(59)),
        fc.oneof(fc.constant("*"), fieldList(23)),
        fc.date({ min: new Date("2020-01-01"), max: new Date("2030-01-01"), noInvalidDate: true }),
        (seconds, minutes, hours, after) => {
          const expression = `${seconds} ${minutes} ${hours} * * *`;
          const allowed = (field: string, value: number) =>
            field === "*" || field.split(",").map(Number).includes(value);
          let t = Math.floor(after.getTime() / 1000) * 1000 + 1000;
          for (;;) {
            const d = new Date(t);
            if (
              allowed(seconds, d.getUTCSeconds()) &&
              allowed(minutes, d.getUTCMinutes()) &&
              allowed(hours, d.getUTCHours())
            ) {
              break;
            }
            t += 1000;
          }
          expect(nextOccurrence(expression, after).getTime()).toBe(t);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("parseSchedule errors", () => {
  it.each([
    ["0 6 * * *", /expected 6 fields/],
    ["00:05:00", /TimeSpan/],
    ["60 * * * * *", /second value 60 is out of range 0-59/],
    ["0 0 24 * * *", /hour value 24/],
    ["0 0 0 * * 7", /day-of-week value 7 is out of range 0-6 \(Sunday=0\)/],
    ["0 0 0 0 * *", /day value 0/],
    ["*/0 * * * * *", /step "0" must be a positive whole number/],
    ["0 0 0 * Foo *", /month value "Foo" is not a number 1-12 or a name/],
    ["0 0 0 * * Mo", /day-of-week value "Mo"/],
    ["0 0 0 * * 5-1", /runs backwards/],
    ["0 0 0 31 2 *", /no month in the schedule has the day it names/],
    ["0 0 0 1,,2 * *", /malformed/],
  ])("%s", (expression, message) => {
    expect(() => parseSchedule(expression)).toThrow(InvalidScheduleError);
    expect(() => parseSchedule(expression)).toThrow(message);
  });

  it("names the expression in the message", () => {
    expect(() => parseSchedule("bad")).toThrow('Invalid NCRONTAB schedule "bad": expected 6 fields');
  });
});
