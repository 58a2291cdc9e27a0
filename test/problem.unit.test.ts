import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  fieldErrors,
  jsonPath,
  problem,
  problemKinds,
  problemOf,
  problemType,
} from "../application/problem.ts";

describe("problem", () => {
  it("builds an application/problem+json response with extension members and no absent ones", () => {
    const response = problem({
      status: 409,
      type: "/problems/conflict",
      title: "Conflict",
      detail: undefined,
      instance: "/api/pairs/t/w",
    });
    expect(response).toEqual({
      status: 409,
      headers: { "content-type": "application/problem+json" },
      jsonBody: { status: 409, type: "/problems/conflict", title: "Conflict", instance: "/api/pairs/t/w" },
    });
  });

  it("keeps extra headers but never lets them override the content type", () => {
    const response = problemOf(
      "method-not-allowed",
      {},
      { headers: { allow: "GET", "content-type": "text/html" } },
    );
    expect(response.headers).toEqual({ allow: "GET", "content-type": "application/problem+json" });
  });

  it("fills status, type and title from the catalogue", () => {
    expect(
      problemOf("forbidden-partner", { detail: "Source crm-a writes for partner 1 only." }),
    ).toMatchObject({
      status: 403,
      jsonBody: {
        status: 403,
        type: "/problems/forbidden-partner",
        title: "The caller may not act for this partner.",
        detail: "Source crm-a writes for partner 1 only.",
      },
    });
  });

  it("has a stable type and the agreed status for every kind", () => {
    const statuses = Object.fromEntries(
      Object.entries(problemKinds).map(([kind, { status }]) => [kind, status]),
    );
    expect(statuses).toEqual({
      "invalid-request": 400,
      "invalid-event": 400,
      unauthorized: 401,
      "forbidden-partner": 403,
      "not-found": 404,
      "method-not-allowed": 405,
      conflict: 409,
      "payload-too-large": 413,
      "unsupported-media-type": 415,
      internal: 500,
      unavailable: 503,
    });
    expect(problemType("invalid-event")).toBe("/problems/invalid-event");
  });
});

describe("jsonPath", () => {
  it.each([
    [[], "$"],
    [["data", "startDate"], "$.data.startDate"],
    [[3, "tenantid"], "$[3].tenantid"],
    [["we ird", 0, "it's"], "$['we ird'][0]['it\\'s']"],
    [["$ref", "_x1"], "$.$ref._x1"],
  ] as [PropertyKey[], string][])("%j -> %s", (path, expected) => {
    expect(jsonPath(path)).toBe(expected);
  });
});

describe("fieldErrors", () => {
  const event = z.object({
    id: z.string(),
    data: z.strictObject({ startDate: z.iso.date(), seats: z.number().int() }),
  });

  it("turns zod v4 issues into JSON paths with zod's messages", () => {
    const result = z.array(event).safeParse([
      { id: "a", data: { startDate: "2025-05-01", seats: 1 } },
      { id: 7, data: { startDate: "01/05/2025", seats: 1.5, colour: "red" } },
    ]);
    expect(result.success).toBe(false);
    const errors = fieldErrors(result.error!);
    expect(errors.map((e) => e.path)).toEqual([
      "$[1].id",
      "$[1].data.startDate",
      "$[1].data.seats",
      "$[1].data.colour",
    ]);
    expect(errors.at(-1)?.message).toBe("Unrecognized key.");
    expect(errors.every((e) => e.message.length > 0)).toBe(true);
  });

  it("accepts the issues array itself and reports a root failure at $", () => {
    const result = event.safeParse("not an object");
    expect(fieldErrors(result.error!.issues)).toEqual([
      { path: "$", message: "Invalid input: expected object, received string" },
    ]);
  });
});
