import { describe, expect, it } from "vitest";
import { type Mapping, MappingSchema, mapRecord, toEpochMs } from "../../application/sources/mapping.ts";
import { parsePath, read } from "../../application/sources/path.ts";

const envelope = { source: "crm://test/s", partnerId: "4811223" };

describe("field paths", () => {
  it("reads names, quoted names, indexes, and steps into JSON text", () => {
    const record = { a: { "b c": [{ d: 1 }] }, text: '{"inner":{"x":true}}' };
    expect(read(record, parsePath("$.a['b c'][0].d")!)).toBe(1);
    expect(read(record, parsePath("$.text.inner.x")!)).toBe(true);
    expect(read(record, parsePath("$.missing.x")!)).toBeUndefined();
    expect(parsePath("a.b")).toBeUndefined();
    expect(parsePath("$.a b")).toBeUndefined();
  });

  it("does not read into JSON text that JSON.parse would read inexactly", () => {
    expect(read({ text: '{"x":1,"x":2}' }, parsePath("$.text.x")!)).toBeUndefined();
    expect(read({ text: '{"x":9007199254740993}' }, parsePath("$.text.x")!)).toBeUndefined();
    expect(read({ text: '{"x":2}' }, parsePath("$.text.x")!)).toBe(2);
  });

  it("never reads inherited properties", () => {
    expect(read({}, parsePath("$.constructor")!)).toBeUndefined();
  });
});

describe("conversions", () => {
  it("reads Dataverse /Date(ms)/, HubSpot epoch milliseconds and RFC 3339 text", () => {
    expect(toEpochMs("/Date(1741000000000)/")).toBe(1741000000000);
    expect(toEpochMs("1741000000000")).toBe(1741000000000);
    expect(toEpochMs("2025-03-03T09:00:00.000Z")).toBe(Date.parse("2025-03-03T09:00:00Z"));
    expect(toEpochMs("03/03/2025")).toBeUndefined();
  });
});

describe("a mapping", () => {
  const mapping: Mapping = MappingSchema.parse({
    rules: [
      {
        when: { "$.kind": "stage", "$.stage": [1, 2] },
        id: "{$.row}:stage:{$.stage}",
        type: { path: "$.stage", map: { "1": "deployment.started", "2": "deployment.completed" } },
        tenantid: "$.tenant",
        workload: "defender-endpoint",
        time: { path: "$.at", as: "instant" },
        data: {
          fields: {
            activities: { path: "$.activities", as: "list" },
            delivery: { path: "$.mode", map: { "100000000": "remote" }, default: "hybrid" },
            usersInScope: { path: "$.users", as: "number" },
          },
        },
      },
    ],
  });
  const record = {
    kind: "stage",
    stage: 1,
    row: "r1",
    tenant: "1b2c3d4e-0000-4000-8000-00000000d001",
    at: "/Date(1741000000000)/",
    activities: "configuration; pilot",
    users: "1200",
  };

  it("forms the event: constants, value maps, defaults, lists, numbers, the id from row, column and value", () => {
    const mapped = mapRecord(mapping, record, envelope);
    expect(mapped.ok && mapped.event).toEqual({
      specversion: "1.0",
      id: "r1:stage:1",
      source: "crm://test/s",
      type: "deployment.started",
      time: "2025-03-03T11:06:40Z",
      partnerid: "4811223",
      tenantid: "1b2c3d4e-0000-4000-8000-00000000d001",
      workload: "defender-endpoint",
      data: { activities: ["configuration", "pilot"], delivery: "hybrid", usersInScope: 1200 },
    });
    expect(mapped.ok && mapped.origins.get("$.data.usersInScope")).toBe("$.users");
  });

  it("names the CRM field when no rule applies, a value is unknown, or the id cannot be formed", () => {
    expect(mapRecord(mapping, { ...record, stage: 7 }, envelope)).toMatchObject({
      ok: false,
      errors: [{ path: "$.stage" }],
    });
    expect(mapRecord(mapping, { ...record, mode: 5 }, envelope)).toMatchObject({
      ok: false,
      errors: [{ path: "$.mode" }],
    });
    expect(mapRecord(mapping, { ...record, row: "" }, envelope)).toMatchObject({
      ok: false,
      errors: [{ path: "$.row" }],
    });
    expect(mapRecord(mapping, { ...record, at: "yesterday" }, envelope)).toMatchObject({
      ok: false,
      errors: [{ path: "$.at" }],
      id: "r1:stage:1",
    });
  });

  it("refuses JSON text in a CRM field that JSON.parse would read inexactly, naming the field", () => {
    const json: Mapping = MappingSchema.parse({
      rules: [{ ...mapping.rules[0]!, data: { path: "$.payload", as: "json" } }],
    });
    const ok = mapRecord(json, { ...record, payload: '{"usersInScope":1200}' }, envelope);
    expect(ok.ok && ok.event.data).toEqual({ usersInScope: 1200 });
    const twice = mapRecord(
      json,
      { ...record, payload: '{"usersInScope":1200,"usersInScope":12}' },
      envelope,
    );
    expect(twice).toMatchObject({ ok: false, errors: [{ path: "$.payload.usersInScope" }] });
  });
});
