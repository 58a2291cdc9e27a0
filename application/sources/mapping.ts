// The declarative mapping language (docs/CONNECT-YOUR-CRM.md): a source's rules turning one CRM record
// into one CloudEvent. Small on purpose: field paths, constants, value maps, conversions, an id template.
import { createHash } from "node:crypto";
import { z } from "zod";
import { parseExactJson } from "../../domain/event-limits.ts";
import type { FieldError } from "../../domain/events.ts";
import { parsePath, read } from "./path.ts";

const isPath = (s: string) => parsePath(s) !== undefined;
const Path = z
  .string()
  .refine(isPath, { message: "expected a field path such as $.name, $['a name'] or $[0]" });
const PLACEHOLDER = /\{(\$[^{}]*)\}/g;
const Template = z
  .string()
  .min(1)
  .refine((t) => [...t.matchAll(PLACEHOLDER)].every((m) => isPath(m[1]!)), {
    message: "every {…} placeholder must hold a field path such as {$.Id}",
  });
const Primitive = z.union([z.string(), z.number(), z.boolean()]);

export const CONVERSIONS = ["string", "number", "boolean", "json", "instant", "date", "list"] as const;
export type Conversion = (typeof CONVERSIONS)[number];

export type Expr =
  | string
  | number
  | boolean
  | { path: string; as?: Conversion; map?: Record<string, unknown>; default?: unknown }
  | { const: unknown }
  | { template: string }
  | { fields: { [name: string]: Expr } };

export const ExprSchema: z.ZodType<Expr> = z.lazy(() =>
  z.union([
    z.string().refine((s) => !s.startsWith("$") || isPath(s), {
      message: "a string starting with $ is a field path: expected e.g. $.name or $['a name']",
    }),
    z.number(),
    z.boolean(),
    z.strictObject({
      path: Path,
      as: z.enum(CONVERSIONS).optional(),
      map: z.record(z.string(), z.json()).optional(),
      default: z.json().optional(),
    }),
    z.strictObject({ const: z.json() }),
    z.strictObject({ template: Template }),
    z.strictObject({ fields: z.record(z.string(), ExprSchema) }),
  ]),
);

const Condition = z.union([Primitive, z.array(Primitive).min(1), z.strictObject({ present: z.boolean() })]);
export type Condition = z.infer<typeof Condition>;

export const RuleSchema = z.strictObject({
  /** Every condition must hold for the rule to apply; the first rule that applies maps the record. */
  when: z.record(Path, Condition).optional(),
  /** The event's id: a CRM retry must form the same id, two different facts never the same. */
  id: Template.refine((t) => /\{\$/.test(t), {
    message: "the id must hold at least one {$…} placeholder, or every record would share it",
  }),
  type: ExprSchema,
  time: ExprSchema,
  tenantid: ExprSchema.optional(),
  workload: ExprSchema.optional(),
  data: ExprSchema,
});
export type Rule = z.infer<typeof RuleSchema>;

export const MappingSchema = z.strictObject({ rules: z.array(RuleSchema).min(1).max(50) });
export type Mapping = z.infer<typeof MappingSchema>;

/** One CloudEvent from one record, and where each of its fields came from (record-relative CRM paths). */
export type Mapped =
  | { ok: true; event: Record<string, unknown>; origins: Map<string, string> }
  /** `id`: the event's id when it could be formed, so a refused record's retry is known as the same record. */
  | { ok: false; errors: FieldError[]; id?: string };

class Refusal extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

const MAX_ID_LENGTH = 200;

export function mapRecord(
  mapping: Mapping,
  record: unknown,
  envelope: { source: string; partnerId: string },
): Mapped {
  const rule = mapping.rules.find((r) => matches(r, record));
  if (!rule) return { ok: false, errors: unmatched(mapping, record) };
  const origins = new Map<string, string>();
  let id: string | undefined;
  try {
    id = formId(rule.id, record);
    const event: Record<string, unknown> = {
      specversion: "1.0",
      id,
      source: envelope.source,
      type: evaluate(rule.type, record, "$.type", origins),
      time: evaluate(rule.time, record, "$.time", origins),
      partnerid: envelope.partnerId,
    };
    for (const key of ["tenantid", "workload"] as const) {
      const expr = rule[key];
      if (expr === undefined) continue;
      const value = evaluate(expr, record, `$.${key}`, origins);
      if (value !== undefined) event[key] = value;
    }
    event.data = evaluate(rule.data, record, "$.data", origins);
    origins.set("$.id", [...rule.id.matchAll(PLACEHOLDER)][0]?.[1] ?? "$");
    return { ok: true, event, origins };
  } catch (error) {
    if (error instanceof Refusal) {
      return { ok: false, errors: [{ path: error.path, message: error.message }], ...(id ? { id } : {}) };
    }
    throw error;
  }
}

/** Names the CRM field behind each of the CloudEvent's validation errors. */
export function toCrmErrors(errors: readonly FieldError[], origins: Map<string, string>): FieldError[] {
  return errors.map((e) => {
    let best: string | undefined;
    for (const key of origins.keys()) {
      const fits = e.path === key || e.path.startsWith(`${key}.`) || e.path.startsWith(`${key}[`);
      if (fits && (!best || key.length > best.length)) best = key;
    }
    if (best === undefined) {
      return { path: `mapping:${e.path}`, message: `${e.message} (a constant of the source's mapping)` };
    }
    return { path: origins.get(best)! + e.path.slice(best.length), message: e.message };
  });
}

function matches(rule: Rule, record: unknown): boolean {
  return Object.entries(rule.when ?? {}).every(([path, c]) => holds(c, read(record, parsePath(path)!)));
}

function holds(condition: Condition, value: unknown): boolean {
  if (typeof condition === "object" && !Array.isArray(condition))
    return condition.present === !isAbsent(value);
  const allowed = Array.isArray(condition) ? condition : [condition];
  return !isAbsent(value) && typeof value !== "object" && allowed.some((a) => String(a) === String(value));
}

function unmatched(mapping: Mapping, record: unknown): FieldError[] {
  const errors = new Map<string, string>();
  for (const rule of mapping.rules) {
    const failed = Object.entries(rule.when ?? {}).find(
      ([path, c]) => !holds(c, read(record, parsePath(path)!)),
    );
    if (!failed) continue;
    const [path, condition] = failed;
    const got = read(record, parsePath(path)!);
    const want =
      typeof condition === "object" && !Array.isArray(condition)
        ? condition.present
          ? "a value"
          : "no value"
        : JSON.stringify(condition);
    const message = `no rule of the source's mapping applies: expected ${want}, got ${describe(got)}`;
    if (!errors.has(path)) errors.set(path, message);
  }
  return [...errors].map(([path, message]) => ({ path, message }));
}

function describe(value: unknown): string {
  if (isAbsent(value)) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

const isAbsent = (v: unknown) => v === undefined || v === null || v === "";

function formId(template: string, record: unknown): string {
  const id = template.replace(PLACEHOLDER, (_, path: string) => {
    const value = read(record, parsePath(path)!);
    if (isAbsent(value)) throw new Refusal(path, "missing: the event's id is formed from it");
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  });
  // Long ids (e.g. a HubSpot property carrying a whole event) are stored as their digest: same input, same id.
  return id.length > MAX_ID_LENGTH ? `sha256:${createHash("sha256").update(id).digest("hex")}` : id;
}

function evaluate(expr: Expr, record: unknown, at: string, origins: Map<string, string>): unknown {
  if (typeof expr === "string" && expr.startsWith("$")) return evaluate({ path: expr }, record, at, origins);
  if (typeof expr !== "object") return expr;
  if ("const" in expr) return expr.const;
  if ("template" in expr) {
    return expr.template.replace(PLACEHOLDER, (_, path: string) => {
      const value = read(record, parsePath(path)!);
      return isAbsent(value) ? "" : typeof value === "object" ? JSON.stringify(value) : String(value);
    });
  }
  if ("fields" in expr) {
    const out: Record<string, unknown> = {};
    for (const [name, inner] of Object.entries(expr.fields)) {
      const key = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? `.${name}` : `['${name}']`;
      const value = evaluate(inner, record, at + key, origins);
      if (value !== undefined) out[name] = value;
    }
    return out;
  }
  origins.set(at, expr.path);
  let value = read(record, parsePath(expr.path)!);
  if (isAbsent(value)) return expr.default ?? undefined;
  if (expr.as === "list") value = toList(value, expr.path);
  if (expr.map) {
    const map = expr.map;
    const lookup = (v: unknown) => {
      const key = typeof v === "object" ? JSON.stringify(v) : String(v);
      if (!Object.hasOwn(map, key)) {
        throw new Refusal(expr.path, `value ${describe(v)} is not one the source's mapping knows`);
      }
      return map[key];
    };
    value = Array.isArray(value) && expr.as === "list" ? value.map(lookup) : lookup(value);
  }
  return expr.as && expr.as !== "list" ? convert(value, expr.as, expr.path) : value;
}

function toList(value: unknown, path: string): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === "string") {
    return value
      .split(/[;,]/)
      .map((s) => s.trim())
      .filter(Boolean);
  }
  if (typeof value === "number" || typeof value === "boolean") return [value];
  throw new Refusal(path, "expected a list or a ;-separated text");
}

function convert(value: unknown, as: Conversion, path: string): unknown {
  switch (as) {
    case "string":
      if (typeof value === "object") throw new Refusal(path, "expected text");
      return String(value);
    case "number": {
      const n =
        typeof value === "number" ? value : typeof value === "string" ? Number(value.trim()) : Number.NaN;
      if (!Number.isFinite(n)) throw new Refusal(path, `expected a number, got ${describe(value)}`);
      return n;
    }
    case "boolean": {
      const text = String(value).toLowerCase();
      if (["true", "1", "yes"].includes(text)) return true;
      if (["false", "0", "no"].includes(text)) return false;
      throw new Refusal(path, `expected true or false, got ${describe(value)}`);
    }
    case "json": {
      if (typeof value !== "string") return value;
      // What JSON.parse would lose (duplicate keys, inexact numbers, __proto__), as POST /events refuses it.
      const read = parseExactJson(value);
      if (read.kind === "not-json") throw new Refusal(path, "expected JSON text");
      if (read.kind === "inexact")
        throw new Refusal(`${path}${read.errors[0]!.path.slice(1)}`, read.errors[0]!.message);
      return read.value;
    }
    case "instant":
    case "date": {
      const ms = toEpochMs(value);
      if (ms === undefined) {
        if (as === "date" && typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
        throw new Refusal(path, `expected a date and time, got ${describe(value)}`);
      }
      const iso = new Date(ms).toISOString();
      return as === "date" ? iso.slice(0, 10) : iso.replace(".000Z", "Z");
    }
  }
}

/** Epoch milliseconds from Dataverse's `/Date(ms)/`, epoch-ms numbers or digits (HubSpot), or RFC 3339 text. */
export function toEpochMs(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string") return undefined;
  const wcf = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/.exec(value);
  if (wcf) return Number(wcf[1]);
  if (/^\d{10,15}$/.test(value)) return Number(value);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
