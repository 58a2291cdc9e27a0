// EVENTS.md "Limits" on the JSON text as received: what JSON.parse would silently lose is refused.
import { describe, expect, it } from "vitest";
import { inspectJson, LIMITS, numberProblem } from "../../domain/event-limits.ts";
import { parseWhen } from "../../domain/instants.ts";

const paths = (text: string) => inspectJson(text).map((e) => e.path);

describe("inspectJson", () => {
  it("accepts an ordinary event and a batch", () => {
    expect(inspectJson('{"a":1,"b":[1,2,{"c":"x"}],"d":{"e":null,"f":true,"g":false}}')).toEqual([]);
    expect(inspectJson('[{"a":1},{"a":2}]')).toEqual([]);
  });

  it("names a duplicate key by its path, in an event and in a batch", () => {
    expect(paths('{"data":{"x":1,"x":2}}')).toEqual(["$.data.x"]);
    expect(paths('[{"a":1},{"data":{"k":[{"y":1,"y":1}]}}]')).toEqual(["$[1].data.k[0].y"]);
  });

  it("refuses __proto__ however it is spelled", () => {
    expect(paths('{"data":{"__proto__":{}}}')).toEqual(["$.data.__proto__"]);
    expect(paths('{"data":{"\\u005f_proto__":1}}')).toEqual(["$.data.__proto__"]);
  });

  it("keeps constructor and prototype as ordinary keys", () => {
    expect(inspectJson('{"constructor":1,"prototype":{"x":1}}')).toEqual([]);
  });

  it("refuses numbers a double cannot keep", () => {
    expect(paths('{"a":9007199254740993}')).toEqual(["$.a"]);
    expect(paths('{"a":[1,1e309]}')).toEqual(["$.a[1]"]);
    expect(paths('{"a":-1e400}')).toEqual(["$.a"]);
    expect(paths('{"a":1e-400}')).toEqual(["$.a"]);
    expect(paths('{"a":0.1234567890123456789}')).toEqual(["$.a"]);
    expect(paths('{"a":1.7976931348623159e308}')).toEqual(["$.a"]);
    for (const ok of [
      "0",
      "-0",
      "0.0",
      "9007199254740991",
      "-9007199254740991",
      "1.5e3",
      "0.1",
      "1e-300",
      "1e21",
      "1.7976931348623157e308",
      "5e-324",
      "-2.5E+10",
      "100.000",
    ])
      expect(numberProblem(ok), ok).toBeUndefined();
  });

  it("refuses nesting past the limit without recursion, however deep", () => {
    const deep = `{"data":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    expect(inspectJson(deep)).toEqual([
      { path: `$.data${"[0]".repeat(LIMITS.maxDepth - 1)}`, message: expect.stringContaining("deeper") },
    ]);
    const ok = `{"data":${"[".repeat(LIMITS.maxDepth - 1)}${"]".repeat(LIMITS.maxDepth - 1)}}`;
    expect(inspectJson(ok)).toEqual([]);
    expect(inspectJson(`[${ok}]`)).toEqual([]);
  });

  it("refuses long strings and keys, long arrays, many keys, large events", () => {
    expect(paths(`{"s":"${"x".repeat(LIMITS.maxStringLength + 1)}"}`)).toEqual(["$.s"]);
    expect(paths(`{"${"k".repeat(LIMITS.maxKeyLength + 1)}":1}`)).toHaveLength(1);
    expect(paths(`{"a":[${Array(LIMITS.maxArrayLength + 1).fill(0)}]}`)).toEqual(["$.a"]);
    const many = Object.fromEntries(Array.from({ length: LIMITS.maxKeys + 1 }, (_, i) => [`k${i}`, i]));
    expect(paths(JSON.stringify({ data: many }))).toEqual(["$.data"]);
    const big = JSON.stringify({
      a: Array.from({ length: 10 }, () => "é".repeat(LIMITS.maxEventBytes / 20)),
    });
    expect(paths(big)).toEqual(["$"]);
    expect(paths(`[{"a":1},${big}]`)).toEqual(["$[1]"]);
  });

  it("refuses unpaired surrogates and handles escaped quotes", () => {
    expect(paths('{"a":"\\ud800"}')).toEqual(["$.a"]);
    expect(inspectJson('{"a\\"b":"c\\\\","d":"\\"","e":"😀"}')).toEqual([]);
  });
});

describe("parseWhen", () => {
  it("reads a strict calendar date as its whole UTC day", () => {
    expect(parseWhen("2025-05-22")).toEqual({
      kind: "date",
      date: "2025-05-22",
      instant: "2025-05-22T23:59:59.999Z",
    });
  });
  it("reads an RFC 3339 instant in canonical UTC form", () => {
    expect(parseWhen("2025-05-22T02:00:00+05:00")).toEqual({
      kind: "instant",
      date: "2025-05-21",
      instant: "2025-05-21T21:00:00Z",
    });
  });
  it.each([
    "",
    "1",
    "yesterday",
    "2025-02-30",
    "2025-02-30T00:00:00Z",
    "2025-5-22",
    "2025-05-22T00:00Z",
    "2025-05-22 00:00:00Z",
    "0000-12-31",
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+00:01",
    "20250522",
  ])("refuses %j", (value) => {
    expect(parseWhen(value)).toBeUndefined();
  });
});
