// The business clock every function reads "now" from. TRACKER_NOW moves it: an RFC 3339 instant (the
// clock starts there when the process starts and runs on at real speed, so later events still sort
// after earlier ones) or an offset from real time in days (`-180d`, `+30d`). Transport checks such as a
// webhook signature's 5-minute tolerance stay on the wall clock: a CRM signs with real time.

export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

const OFFSET = /^([+-]\d+)d$/i;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/** The clock TRACKER_NOW names, or the system clock; a value it cannot read stops the start. */
export function clockFromEnv(env: NodeJS.ProcessEnv = process.env, wall: Clock = systemClock): Clock {
  const value = env.TRACKER_NOW?.trim();
  if (!value) return wall;
  const offset = OFFSET.exec(value);
  if (offset) {
    const shift = Number(offset[1]) * 86_400_000;
    return () => new Date(wall().getTime() + shift);
  }
  if (INSTANT.test(value) && !Number.isNaN(Date.parse(value))) {
    const shift = Date.parse(value) - wall().getTime();
    return () => new Date(wall().getTime() + shift);
  }
  throw new Error(`TRACKER_NOW=${value} is neither an RFC 3339 instant nor an offset such as -180d`);
}
