// Hostile deliveries as fast-check arbitraries, by family. Each case says what the service must
// answer; the runner (intake-fuzz) checks the answer and, at the end, that exactly the accepted
// events are stored. Every case uses its own ids, so "nothing stored" is checkable globally.
import fc from "fast-check";
import { LIMITS } from "../../domain/event-limits.ts";
import { PARTNER } from "./harness.ts";

export const FUZZ_SOURCE = "crm://fuzz";

export interface EventCase {
  family: string;
  body: Uint8Array;
  contentType: string;
  /** Sent in these many chunks (chunked transfer encoding) when > 1. */
  chunks: number;
  signed: "ok" | "wrong-secret" | "none";
  /** Statuses allowed; an accepted case lists 201 only and carries its events. */
  expect: readonly number[];
  accepted?: Record<string, unknown>[];
}

/**
 * The tenants valid events go to: a fixed pool, seeded before the run, so GET /api/pairs pages through
 * the same pairs before and after and the p99 ratio shows what the accepted events cost, not growth.
 */
export const TENANT_POOL = Array.from(
  { length: 50 },
  (_, i) => `5e1f0000-0000-4000-8000-${String(i).padStart(12, "0")}`,
);
export const WORKLOADS = ["defender-endpoint", "purview-dlp", "defender-identity", "entra-id-p1"] as const;
const text = fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 }).filter((s) => /\S/.test(s));
const RESERVED = new Set([
  "__proto__",
  "minutes",
  "topic",
  "activities",
  "delivery",
  "plannedStart",
  "plannedEnd",
  "usersInScope",
  "completedOn",
  "usersDeployed",
  "month",
  "mau",
  "pau",
  "customerName",
  "segment",
  "publicSector",
  "country",
  "paidSeats",
  "studentSeats",
]);
// Not __proto__ (refused), nor a field of the event types generated here (it would replace it).
const safeKey = fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 }).filter((k) => !RESERVED.has(k));
/** Extra fields within every limit: any JSON a CRM may add. */
const extras = fc.dictionary(
  safeKey,
  fc
    .jsonValue({ maxDepth: 3, stringUnit: "grapheme" })
    .filter((v) => JSON.stringify(v).length < 2_000 && exactNumbers(v)),
  { maxKeys: 4, noNullPrototype: true },
);
const calendar = fc
  .date({ min: new Date("2020-01-01T00:00:00Z"), max: new Date("2030-12-31T00:00:00Z"), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));
const instant = fc.oneof(
  fc
    .date({
      min: new Date("2020-01-01T00:00:00Z"),
      max: new Date("2030-12-31T00:00:00Z"),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString()),
  fc.constantFrom("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2025-03-03T09:00:00+14:00"),
);

function envelope(type: string, tenant: string, workload: string | undefined, time: string) {
  return {
    specversion: "1.0",
    id: "",
    source: FUZZ_SOURCE,
    type,
    time,
    partnerid: PARTNER,
    tenantid: tenant,
    ...(workload ? { workload } : {}),
  };
}

/** Whether JSON.stringify keeps every number in `v` exactly (it writes 1e20 as an unsafe integer literal). */
function exactNumbers(v: unknown): boolean {
  if (typeof v === "number") return !Number.isInteger(v) || Number.isSafeInteger(v) || Math.abs(v) >= 1e21;
  if (Array.isArray(v)) return v.every(exactNumbers);
  if (v && typeof v === "object") return Object.values(v).every(exactNumbers);
  return true;
}

/** A valid event of one of several types, with extra fields; `id` is filled in by the caller. */
export const validEvent = fc
  .record({
    tenant: fc.constantFrom(...TENANT_POOL),
    workload: fc.constantFrom(...WORKLOADS),
    time: instant,
    extra: extras,
    kind: fc.integer({ min: 0, max: 4 }),
    n: fc.nat({ max: 100_000 }),
    topic: text,
    date: calendar,
    activities: fc.subarray(["provisioning", "configuration", "pilot", "migration"] as const, {
      minLength: 1,
    }),
  })
  .map(({ tenant, workload, time, extra, kind, n, topic, date, activities }) => {
    const data = [
      { minutes: n, topic },
      { activities, delivery: "remote", plannedStart: date },
      { completedOn: date, usersDeployed: n },
      { month: date.slice(0, 7), mau: n, pau: Math.floor(n / 2) },
      { customerName: topic, segment: "commercial", publicSector: false, country: "DE" },
    ][kind]!;
    const type = [
      "guidance.session.logged",
      "deployment.started",
      "deployment.completed",
      "usage.reported",
      "tenant.profiled",
    ][kind]!;
    return {
      ...envelope(type, tenant, kind === 4 ? undefined : workload, time),
      data: { ...data, ...extra },
    };
  });

type Mutation = { family: string; apply: (json: string) => string | Uint8Array; expect: readonly number[] };

/** `json` with `"extra":<raw>` spliced in as data's first member. */
const spliceData = (json: string, raw: string) => json.replace('"data":{', `"data":{"extra":${raw},`);

const invalidUtf8 = fc.constantFrom(
  [0xff],
  [0xc0, 0x80],
  [0x80],
  [0xe2, 0x82],
  [0xed, 0xa0, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
);

const mutations: fc.Arbitrary<Mutation> = fc.oneof(
  fc
    .record({
      field: fc.constantFrom("specversion", "id", "source", "type", "time", "partnerid", "tenantid", "data"),
      value: fc.constantFrom(null, 1, -1.5, true, [], {}, [1], "", " "),
    })
    .map(({ field, value }) => ({
      family: "wrong type",
      apply: (json: string) => JSON.stringify({ ...JSON.parse(json), [field]: value }),
      expect: [400],
    })),
  fc
    .constantFrom("specversion", "id", "source", "type", "time", "partnerid", "tenantid", "data")
    .map((field) => ({
      family: "missing field",
      apply: (json: string) => {
        const e = JSON.parse(json);
        delete e[field];
        return JSON.stringify(e);
      },
      expect: [400],
    })),
  fc.integer({ min: LIMITS.maxStringLength + 1, max: 3 * LIMITS.maxStringLength }).map((n) => ({
    family: "huge string",
    apply: (json: string) => spliceData(json, JSON.stringify("s".repeat(n))),
    expect: [400],
  })),
  fc.integer({ min: LIMITS.maxArrayLength + 1, max: 100_000 }).map((n) => ({
    family: "huge array",
    apply: (json: string) => spliceData(json, `[${"0,".repeat(n - 1)}0]`),
    expect: [400, 413],
  })),
  fc.integer({ min: LIMITS.maxKeys + 1, max: 2_000 }).map((n) => ({
    family: "many keys",
    apply: (json: string) =>
      spliceData(json, `{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(",")}}`),
    expect: [400],
  })),
  fc.integer({ min: 5, max: 20 }).map((n) => ({
    family: "event past the size limit",
    apply: (json: string) =>
      spliceData(json, JSON.stringify(Array(n).fill("e".repeat(LIMITS.maxStringLength)))),
    expect: [400],
  })),
  fc.integer({ min: LIMITS.maxDepth, max: 50_000 }).map((n) => ({
    family: "deep nesting",
    apply: (json: string) => spliceData(json, `${"[".repeat(n)}${"]".repeat(n)}`),
    expect: [400],
  })),
  fc
    .constantFrom(
      "9007199254740993",
      "-9007199254740993",
      "1e309",
      "-1e309",
      "1e-400",
      "123456789012345678901234567890",
      "0.12345678901234567890123",
      "1.7976931348623159e308",
    )
    .map((n) => ({ family: "inexact number", apply: (json: string) => spliceData(json, n), expect: [400] })),
  fc
    .constantFrom(
      "9999-12-31T23:59:59-23:59",
      "0001-01-01T00:00:00+00:01",
      "2025-02-30T00:00:00Z",
      "2025-02-29T00:00:00Z",
      "2025-13-01T00:00:00Z",
      "2025-05-22",
      "yesterday",
      "1",
      "2025-05-22T24:00:00Z",
      "2025-05-22T00:00:60Z",
      "+002025-05-22T00:00:00Z",
    )
    .map((time) => ({
      family: "bad instant",
      apply: (json: string) => JSON.stringify({ ...JSON.parse(json), time }),
      expect: [400],
    })),
  fc
    .constantFrom('"__proto__":{"polluted":true}', '"\\u005f_proto__":1', '"__proto__":null')
    .map((member) => ({
      family: "prototype key",
      apply: (json: string) => json.replace('"data":{', `"data":{${member},`),
      expect: [400],
    })),
  fc.constantFrom("id", "type", "time", "partnerid").map((field) => ({
    family: "duplicate key",
    apply: (json: string) =>
      json.replace(/^\{/, `{"${field}":${JSON.stringify(JSON.parse(json)[field] ?? "x")},`),
    expect: [400],
  })),
  fc.tuple(invalidUtf8, fc.nat()).map(([bytes, at]) => ({
    family: "invalid UTF-8",
    apply: (json: string) => {
      // Inside the topic/customerName string, so the JSON is otherwise well formed.
      const body = Buffer.from(json.replace('"data":{', '"data":{"extra":"ab",'));
      const quote = body.indexOf('"ab"') + 1 + (at % 2);
      return Buffer.concat([body.subarray(0, quote), Buffer.from(bytes), body.subarray(quote)]);
    },
    expect: [400],
  })),
  fc.constantFrom('"\\ud800"', '"x\\udfff"').map((s) => ({
    family: "unpaired surrogate",
    apply: (json: string) => spliceData(json, s),
    expect: [400],
  })),
  fc.nat().map((at) => ({
    family: "truncated body",
    apply: (json: string) => json.slice(0, at % (json.length - 1)),
    expect: [400],
  })),
  fc.constantFrom("null", "1", '"event"', "[]", "true", "{}", "[[]]", "[1,2]", "\ufeff{}").map((raw) => ({
    family: "not an event",
    apply: () => raw,
    expect: [400],
  })),
);

let counter = 0;
const nextId = (family: string) =>
  `fz-${family.replaceAll(" ", "-")}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;
const withId = (e: Record<string, unknown>, family: string) => ({ ...e, id: nextId(family) });

const chunks = fc.oneof(
  { weight: 4, arbitrary: fc.constant(1) },
  { weight: 1, arbitrary: fc.integer({ min: 2, max: 9 }) },
);
const jsonType = fc.constantFrom(
  "application/cloudevents+json",
  "application/json",
  "application/json; charset=utf-8",
  "Application/CloudEvents+JSON",
);

export const eventCase: fc.Arbitrary<() => EventCase> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ e: validEvent, chunks, ct: jsonType }).map(({ e, chunks, ct }) => () => {
      const event = withId(e, "valid");
      return {
        family: chunks > 1 ? "valid (chunked)" : "valid",
        body: Buffer.from(JSON.stringify(event)),
        contentType: ct,
        chunks,
        signed: "ok" as const,
        expect: [201],
        accepted: [event],
      };
    }),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ list: fc.array(validEvent, { minLength: 2, maxLength: 12 }) })
      .map(({ list }) => () => {
        const events = list.map((e) => withId(e, "batch"));
        return {
          family: "valid batch",
          body: Buffer.from(JSON.stringify(events)),
          contentType: "application/cloudevents-batch+json",
          chunks: 1,
          signed: "ok" as const,
          expect: [201],
          accepted: events,
        };
      }),
  },
  {
    weight: 14,
    arbitrary: fc.record({ e: validEvent, m: mutations, chunks }).map(({ e, m, chunks }) => () => {
      const out = m.apply(JSON.stringify(withId(e, m.family)));
      return {
        family: m.family,
        body: typeof out === "string" ? Buffer.from(out) : out,
        contentType: "application/cloudevents+json",
        chunks,
        signed: "ok" as const,
        expect: m.expect,
      };
    }),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({
        list: fc.array(validEvent, { minLength: 1, maxLength: 10 }),
        bad: validEvent,
        m: mutations,
        at: fc.nat(),
      })
      .filter(({ m }) => !["not an event", "truncated body", "invalid UTF-8"].includes(m.family))
      .map(({ list, bad, m, at }) => () => {
        const items = list.map((e) => JSON.stringify(withId(e, "batch-with-bad")));
        const broken = m.apply(JSON.stringify(withId(bad, "batch-bad")));
        items.splice(
          at % (items.length + 1),
          0,
          typeof broken === "string" ? broken : Buffer.from(broken).toString("utf8"),
        );
        return {
          family: "batch with one bad item",
          body: Buffer.from(`[${items.join(",")}]`),
          contentType: "application/cloudevents-batch+json",
          chunks: 1,
          signed: "ok" as const,
          expect: m.expect.includes(413) ? [400, 413] : [400],
        };
      }),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({
        e: validEvent,
        ct: fc.constantFrom(
          "text/plain",
          "application/xml",
          "multipart/form-data; boundary=x",
          "",
          "application/json-patch+json",
          "application/x-www-form-urlencoded",
          "json",
        ),
      })
      .map(({ e, ct }) => () => ({
        family: "wrong content type",
        body: Buffer.from(JSON.stringify(withId(e, "ct"))),
        contentType: ct,
        chunks: 1,
        signed: "ok" as const,
        expect: [415],
      })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ e: validEvent, how: fc.constantFrom("wrong-secret" as const, "none" as const) })
      .map(({ e, how }) => () => ({
        family: "unsigned or wrongly signed",
        body: Buffer.from(JSON.stringify(withId(e, "sig"))),
        contentType: "application/cloudevents+json",
        chunks: 1,
        signed: how,
        expect: [401],
      })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ e: validEvent, extra: fc.integer({ min: 1, max: 300_000 }), chunks: fc.constantFrom(1, 4) })
      .map(({ e, extra, chunks }) => () => ({
        family: chunks > 1 ? "oversized body (chunked)" : "oversized body",
        body: Buffer.from(JSON.stringify(withId(e, "big")) + " ".repeat(LIMITS.maxBodyBytes + extra)),
        contentType: "application/cloudevents+json",
        chunks,
        signed: "ok" as const,
        expect: [413],
      })),
  },
);
