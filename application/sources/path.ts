// The field paths of a mapping: `$`, `.name`, `['any name']`, `[3]`. A path that steps into a string
// holding JSON (a Dataverse multiline column, a HubSpot property) reads inside it, so a column that
// carries an event's payload needs no extra syntax. JSON text that JSON.parse would read inexactly (a
// duplicate key, an inexact number) is not read: the field is then missing, and the record refused.
import { EXACTNESS_ONLY, parseExactJson } from "../../domain/event-limits.ts";

export type Segment = string | number;

const SEGMENT = /\.([A-Za-z_$][A-Za-z0-9_$-]*)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]/y;

/** The segments of `path`, or undefined when it is not a path of this small language. */
export function parsePath(path: string): Segment[] | undefined {
  if (!path.startsWith("$")) return undefined;
  const segments: Segment[] = [];
  SEGMENT.lastIndex = 1;
  while (SEGMENT.lastIndex < path.length) {
    const start = SEGMENT.lastIndex;
    const match = SEGMENT.exec(path);
    if (!match || match.index !== start) return undefined;
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
    else segments.push(match[3]!.replace(/\\(.)/g, "$1"));
  }
  return segments;
}

/** The value at `segments` under `root`; undefined when any step is missing. */
export function read(root: unknown, segments: readonly Segment[]): unknown {
  let value = root;
  for (const segment of segments) {
    if (typeof value === "string") value = parseJsonObject(value);
    if (value === null || typeof value !== "object") return undefined;
    if (typeof segment === "number") {
      if (!Array.isArray(value)) return undefined;
      value = value[segment];
    } else {
      if (Array.isArray(value) || !Object.hasOwn(value, segment)) return undefined;
      value = (value as Record<string, unknown>)[segment];
    }
  }
  return value;
}

/** JSON text inside a field, read only when JSON.parse keeps all of it (no duplicate key, no inexact number). */
function parseJsonObject(text: string): unknown {
  if (!/^\s*[[{]/.test(text)) return undefined;
  const read = parseExactJson(text, EXACTNESS_ONLY);
  return read.kind === "value" ? read.value : undefined;
}

/** Replaces the leading `$` of a record-relative path with where the record sits in the delivery. */
export function under(prefix: string, path: string): string {
  return prefix + path.slice(1);
}
