import { describe, expect, it } from "vitest";
import { boardSource, principalOf } from "../../application/hand-recorded.ts";
import { checkLines } from "../../application/import-file.ts";

const line = (over: object = {}) =>
  JSON.stringify({
    specversion: "1.0",
    id: "e-1",
    source: "crm://export",
    type: "deployment.completed",
    time: "2025-05-02T09:00:00Z",
    partnerid: "4811223",
    tenantid: "6f1c0101-3c4b-4f1e-9a51-2b7c0d9e0101",
    workload: "defender-endpoint",
    data: { completedOn: "2025-05-02" },
    ...over,
  });

describe("who recorded an event on the board", () => {
  it("is the signed-in person from App Service authentication, else nobody (the key's label then)", () => {
    const principal = (claims: object[], extra: object = {}) =>
      new Headers({
        "x-ms-client-principal": Buffer.from(JSON.stringify({ claims, ...extra })).toString("base64"),
      });
    expect(principalOf(principal([{ typ: "preferred_username", val: "ana@contoso.example" }]))).toBe(
      "ana@contoso.example",
    );
    expect(
      principalOf(
        principal(
          [
            { typ: "http://x/name", val: "Ana" },
            { typ: "email", val: "a@x" },
          ],
          { name_typ: "http://x/name" },
        ),
      ),
    ).toBe("Ana");
    expect(principalOf(new Headers({ "x-ms-client-principal-name": "ben@contoso.example" }))).toBe(
      "ben@contoso.example",
    );
    expect(principalOf(new Headers({ "x-ms-client-principal": "not base64 json" }))).toBeUndefined();
    expect(principalOf(new Headers())).toBeUndefined();
  });

  it("is named in the source as a URI reference", () => {
    expect(boardSource({ kind: "entra", name: "ana@contoso.example" })).toBe(
      "board://tracker/entra/ana%40contoso.example",
    );
    expect(boardSource({ kind: "key", name: "ops lead" })).toBe("board://tracker/key/ops%20lead");
  });
});

describe("an import is checked whole", () => {
  it("names every bad line with its field, counting blank lines", () => {
    const text = [
      line(),
      "",
      "{not json",
      line({ id: "e-2", workload: undefined, data: {} }),
      line({ partnerid: "99" }),
    ].join("\n");
    const checked = checkLines(text, "4811223");
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect([...new Set(checked.errors.map((e) => e.line))]).toEqual([3, 4, 5]);
    expect(checked.errors.find((e) => e.line === 5)?.path).toBe("$.partnerid");
  });

  it("refuses what JSON.parse would lose on a line, as POST /events does, naming line and path", () => {
    const duplicateKey = line().replace('"id":"e-1"', '"id":"e-1","id":"e-9"');
    // 2^53 + 1 as text: JSON.parse would read it as 2^53.
    const inexact = line().replace(
      '"completedOn":"2025-05-02"',
      '"completedOn":"2025-05-02","seats":9007199254740993',
    );
    const checked = checkLines(`${line()}\n${duplicateKey}\n${inexact}\n`, "4811223");
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.errors.map((e) => [e.line, e.path])).toEqual([
      [2, "$.id"],
      [3, "$.data.seats"],
    ]);
  });

  it("accepts a good file and refuses an empty one", () => {
    const ok = checkLines(`${line()}\n${line({ id: "e-2" })}\n`, "4811223");
    expect(ok.ok && ok.events.length).toBe(2);
    expect(checkLines("\n\n", "4811223").ok).toBe(false);
  });
});
