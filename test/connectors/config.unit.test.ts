import { describe, expect, it } from "vitest";
import { accessFromEnv } from "../../application/access.ts";
import { parseSources, SourceConfigError, sourcesFromJson } from "../../application/sources/config.ts";

const SECRET = "s3cr3t-never-in-a-message";

describe("TRACKER_SOURCES", () => {
  it("applies the defaults: CloudEvents signed per Standard Webhooks, query-code for CRM formats", () => {
    const [plain, dataverse] = sourcesFromJson(
      JSON.stringify([
        { name: "contoso-crm", partnerId: "4811223", secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] },
        { name: "contoso-dataverse", partnerId: "4811223", format: "dataverse", secrets: [SECRET] },
      ]),
    );
    expect(plain).toMatchObject({ format: "cloudevents", auth: { mode: "standard-webhooks" } });
    expect(dataverse).toMatchObject({ format: "dataverse", auth: { mode: "query-code" } });
  });

  it("names the faulty field, e.g. TRACKER_SOURCES[1].auth.header, and never a secret", () => {
    const env = {
      TRACKER_SOURCES: JSON.stringify([
        { name: "ok", partnerId: "4811223", secrets: [SECRET] },
        {
          name: "dv",
          partnerId: "4811223",
          format: "dataverse",
          auth: { mode: "http-header" },
          secrets: [SECRET],
        },
      ]),
    };
    let message = "";
    try {
      accessFromEnv(env);
    } catch (error) {
      expect(error).toBeInstanceOf(SourceConfigError);
      message = (error as Error).message;
    }
    expect(message).toContain("TRACKER_SOURCES[1].auth.header");
    expect(message).not.toContain(SECRET);
  });

  it.each([
    [{ name: "Bad Name", partnerId: "1", secrets: [SECRET] }, "TRACKER_SOURCES[0].name"],
    [{ name: "a", partnerId: "x1", secrets: [SECRET] }, "TRACKER_SOURCES[0].partnerId"],
    [{ name: "a", partnerId: "1", secrets: [] }, "TRACKER_SOURCES[0].secrets"],
    [{ name: "a", partnerId: "1", secrets: [SECRET], format: "sap" }, "TRACKER_SOURCES[0].format"],
    [
      {
        name: "a",
        partnerId: "1",
        secrets: [SECRET],
        format: "hubspot",
        auth: { mode: "salesforce-org", organizationId: "00D5e000000KQ2eEAG" },
      },
      "TRACKER_SOURCES[0].auth.mode",
    ],
    [
      {
        name: "a",
        partnerId: "1",
        secrets: [SECRET],
        format: "salesforce-outbound",
        auth: { mode: "salesforce-org", organizationId: "short" },
      },
      "TRACKER_SOURCES[0].auth.organizationId",
    ],
    [
      {
        name: "a",
        partnerId: "1",
        secrets: [SECRET],
        format: "dataverse",
        mapping: { rules: [{ id: "{$.Id}", type: "$.x y", time: "$.t", data: "$.d" }] },
      },
      "TRACKER_SOURCES[0].mapping.rules[0].type",
    ],
    [
      {
        name: "a",
        partnerId: "1",
        secrets: [SECRET],
        format: "dataverse",
        mapping: { rules: [{ id: "{Id}", type: "$.t", time: "$.t", data: "$.d" }] },
      },
      "TRACKER_SOURCES[0].mapping.rules[0].id",
    ],
  ] as const)("refuses a bad source, naming %#", (source, field) => {
    expect(() => parseSources([source])).toThrow(field);
  });

  it("refuses two sources of one name, and JSON it cannot read without quoting it", () => {
    expect(() =>
      parseSources([
        { name: "a", partnerId: "1", secrets: [SECRET] },
        { name: "a", partnerId: "2", secrets: [SECRET] },
      ]),
    ).toThrow("TRACKER_SOURCES[1].name");
    let message = "";
    try {
      sourcesFromJson(`[{"name":"a","secrets":["${SECRET}"]`);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^TRACKER_SOURCES is not valid JSON/);
    expect(message).not.toContain(SECRET);
  });
});
