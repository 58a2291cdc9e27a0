// EVENTS.md "Limits": what an accepted event may hold, checked on the JSON text as received, since
// JSON.parse has already lost what matters here (a duplicate key, the digits of 9007199254740993,
// 1e309 turned into Infinity, `__proto__`). Pure; one pass, no recursion, so any nesting is safe.
import { type FieldError, jsonPath } from "./events.ts";

/** Documented maxima (docs/RELIABILITY.md): each keeps any accepted event cheap for every reader. */
export const LIMITS = {
  /** Containers nested inside one another, counting the event itself (a batch adds one). */
  maxDepth: 16,
  /** Characters in one string value. */
  maxStringLength: 16_384,
  /** Characters in one object key. */
  maxKeyLength: 256,
  /** Items in one array. */
  maxArrayLength: 1_000,
  /** Keys in one object. */
  maxKeys: 256,
  /** UTF-8 bytes of one event's JSON text. */
  maxEventBytes: 64 * 1024,
  /** Events in one delivery. */
  maxBatch: 500,
  /** UTF-8 bytes of one delivery. */
  maxBodyBytes: 1024 * 1024,
} as const;

export type Limits = { readonly [K in keyof typeof LIMITS]: number };

/** JSON text read exactly: the value, or why JSON.parse failed, or what it would lose or what passes the limits. */
export type ExactJson =
  | { kind: "value"; value: unknown }
  | { kind: "not-json"; message: string }
  | { kind: "inexact"; errors: FieldError[] };

/** JSON.parse, then inspectJson: the one way a JSON text is read where nothing may be lost. */
export function parseExactJson(text: string, limits: Limits = LIMITS): ExactJson {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { kind: "not-json", message: (error as Error).message };
  }
  const errors = inspectJson(text, limits);
  return errors.length > 0 ? { kind: "inexact", errors } : { kind: "value", value };
}

/**
 * For JSON that is not an event (a CRM's body, JSON text inside one of its fields): only what JSON.parse
 * would lose is refused (a duplicate key, an inexact number, `__proto__`), within a delivery's size; the
 * events made from it meet LIMITS.
 */
export const EXACTNESS_ONLY: Limits = {
  ...LIMITS,
  maxStringLength: LIMITS.maxBodyBytes,
  maxEventBytes: LIMITS.maxBodyBytes,
  maxArrayLength: LIMITS.maxBodyBytes,
  maxKeys: LIMITS.maxBodyBytes,
  maxBatch: LIMITS.maxBodyBytes,
  maxDepth: 64,
};

/** Keys the platform cannot keep as sent: JavaScript objects drop or reinterpret them. */
const UNSAFE_KEYS = new Set(["__proto__"]);
const MAX_ERRORS = 20;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

interface Frame {
  array: boolean;
  /** The key or index of the value being read inside this container. */
  at: string | number;
  count: number;
  keys?: Set<string>;
  expectKey: boolean;
  start: number;
  reported: boolean;
}

/**
 * Everything in a syntactically valid JSON text (JSON.parse succeeded) that the store could not
 * keep exactly or that passes a limit, each named by JSON path. Empty when the text is acceptable.
 */
export function inspectJson(text: string, limits: Limits = LIMITS): FieldError[] {
  const errors: FieldError[] = [];
  const stack: Frame[] = [];
  const batch = text.trimStart().startsWith("[");
  const eventDepth = batch ? 2 : 1;
  const fail = (path: string, message: string) => errors.push({ path, message });
  const valuePath = () => jsonPath(stack.map((f) => f.at));

  let i = 0;
  const n = text.length;
  while (i < n && errors.length < MAX_ERRORS) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x3a /* : */) {
      i++;
      continue;
    }
    const top = stack[stack.length - 1];
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (top?.array) top.at = top.count++;
      if (stack.length + 1 > limits.maxDepth + (batch ? 1 : 0)) {
        fail(valuePath(), `nested deeper than ${limits.maxDepth} levels`);
        return errors; // nothing below this point can be kept anyway
      }
      const array = c === 0x5b;
      stack.push({ array, at: array ? 0 : "", count: 0, expectKey: !array, start: i, reported: false });
      if (!array) stack[stack.length - 1]!.keys = new Set();
      i++;
      continue;
    }
    if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      const frame = stack.pop()!;
      if (!frame.array && stack.length + 1 === eventDepth) {
        const bytes = utf8Length(text, frame.start, i + 1);
        if (bytes > limits.maxEventBytes)
          fail(valuePath(), `the event is ${bytes} bytes; at most ${limits.maxEventBytes}`);
      }
      i++;
      continue;
    }
    if (c === 0x2c /* , */) {
      if (top && !top.array) top.expectKey = true;
      i++;
      continue;
    }
    if (c === 0x22 /* " */) {
      const end = stringEnd(text, i);
      const raw = text.slice(i, end);
      const value = raw.includes("\\") ? (JSON.parse(raw) as string) : raw.slice(1, -1);
      i = end;
      if (top && !top.array && top.expectKey) {
        top.expectKey = false;
        top.at = value;
        top.count++;
        const here = valuePath();
        if (UNSAFE_KEYS.has(value)) fail(here, `the key ${value} cannot be stored as sent`);
        else if (top.keys!.has(value)) fail(here, "duplicate key: each key appears once in an object");
        else if (value.length > limits.maxKeyLength)
          fail(here, `a key is at most ${limits.maxKeyLength} characters`);
        if (top.count > limits.maxKeys && !top.reported) {
          top.reported = true;
          fail(
            jsonPath(stack.slice(0, -1).map((f) => f.at)),
            `an object holds at most ${limits.maxKeys} keys`,
          );
        }
        top.keys!.add(value);
        continue;
      }
      if (top?.array) top.at = top.count++;
      checkArrayLength(top);
      if (value.length > limits.maxStringLength)
        fail(valuePath(), `a string is at most ${limits.maxStringLength} characters`);
      else if (LONE_SURROGATE.test(value)) fail(valuePath(), "a string holds an unpaired surrogate");
      continue;
    }
    // A number or a literal (true, false, null).
    if (top?.array) top.at = top.count++;
    checkArrayLength(top);
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      NUMBER.lastIndex = i;
      const token = NUMBER.exec(text)![0];
      const problem = numberProblem(token);
      if (problem) fail(valuePath(), problem);
      i += token.length;
    } else i += c === 0x66 /* false */ ? 5 : 4;
  }
  return errors;

  function checkArrayLength(frame: Frame | undefined) {
    if (frame?.array && frame.count > limits.maxArrayLength && !frame.reported) {
      frame.reported = true;
      fail(
        jsonPath(stack.slice(0, -1).map((f) => f.at)),
        `an array holds at most ${limits.maxArrayLength} items`,
      );
    }
  }
}

/** The index just past the string that opens at `start` (a valid JSON string). */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  for (;;) {
    const quote = text.indexOf('"', i);
    let backslashes = 0;
    for (let j = quote - 1; text.charCodeAt(j) === 0x5c; j--) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    i = quote + 1;
  }
}

/**
 * Why a JSON number cannot be kept exactly as a double, or undefined when it can. Integers written
 * as such must lie within ±(2^53 − 1) (EVENTS.md); any other number must read back as the same
 * decimal value (`0.1` does, `0.10000000000000000555` and `1e-400` do not).
 */
export function numberProblem(token: string): string | undefined {
  const value = Number(token);
  if (!Number.isFinite(value)) return "the number overflows to infinity";
  if (/^-?\d+$/.test(token)) {
    if (!Number.isSafeInteger(value))
      return "integers are exact only within ±(2^53 − 1); send larger ones as strings";
    return undefined;
  }
  if (decimal(token) !== decimal(String(value)))
    return "the number cannot be kept exactly; send fewer digits or a string";
  return undefined;
}

/** A decimal literal in one canonical form: digits without outer zeros and a power of ten. */
function decimal(literal: string): string {
  const m = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(literal)!;
  let digits = `${m[1]}${m[2] ?? ""}`.replace(/^0+/, "");
  if (digits === "") return "0"; // -0 is 0: JSON cannot tell them apart anyway
  let exponent = Number(m[3] ?? 0) - (m[2]?.length ?? 0);
  const trailing = digits.length - digits.replace(/0+$/, "").length;
  digits = digits.slice(0, digits.length - trailing);
  exponent += trailing;
  return `${literal.startsWith("-") ? "-" : ""}${digits}e${exponent}`;
}

/** UTF-8 bytes of `text[from, to)` without copying it. */
function utf8Length(text: string, from: number, to: number): number {
  let bytes = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < to) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
