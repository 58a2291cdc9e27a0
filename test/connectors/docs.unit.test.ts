// The sample configuration and mappings in docs/CONNECT-YOUR-CRM.md are valid as written.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseSources } from "../../application/sources/config.ts";
import { CRM_FORMATS } from "../../application/sources/formats.ts";
import { MappingSchema } from "../../application/sources/mapping.ts";

const doc = readFileSync(join(import.meta.dirname, "../../docs/CONNECT-YOUR-CRM.md"), "utf8");
const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!));

describe("docs/CONNECT-YOUR-CRM.md", () => {
  // One sample per format of application/sources/formats.ts: a CRM added there without its section fails here.
  it("has a sample mapping per CRM, each valid", () => {
    const mappings = blocks.filter((b) => !Array.isArray(b) && "rules" in b);
    expect(mappings.length).toBe(Object.keys(CRM_FORMATS).length);
    for (const mapping of mappings) expect(MappingSchema.safeParse(mapping).error).toBeUndefined();
  });

  it("has a valid sample TRACKER_SOURCES", () => {
    const config = blocks.find(Array.isArray);
    expect(
      parseSources(config)
        .map((s) => s.format)
        .sort(),
    ).toEqual(Object.keys(CRM_FORMATS).sort());
  });
});
