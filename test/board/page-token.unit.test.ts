import { describe, expect, it } from "vitest";
import { clockFromEnv } from "../../application/clock.ts";
import { PageTokenInvalid, PageTokens } from "../../application/page-token.ts";

describe("continuation tokens", () => {
  const tokens = new PageTokens("a test key");

  it("round-trip for the same query and reveal nothing of what they hold", () => {
    const token = tokens.seal("partner-1|claimable", { after: "pair|6f1c0101|defender-endpoint" });
    expect(tokens.open("partner-1|claimable", token)).toEqual({ after: "pair|6f1c0101|defender-endpoint" });
    expect(Buffer.from(token, "base64url").toString("latin1")).not.toContain("pair|");
    expect(token).not.toContain("6f1c0101");
  });

  it("refuse a token altered anywhere, appended to, garbage, or for another query or key", () => {
    const token = tokens.seal("scope", { after: "x" });
    const flipped = (i: number) => {
      const raw = Buffer.from(token, "base64url");
      raw[i] = raw[i]! ^ 1;
      return raw.toString("base64url");
    };
    const bad = [
      flipped(0),
      flipped(20),
      flipped(Buffer.from(token, "base64url").length - 1),
      `${token}x`,
      "garbage",
      "",
      "!!!",
      token.slice(0, -2),
    ];
    for (const t of bad) expect(() => tokens.open("scope", t), t).toThrow(PageTokenInvalid);
    expect(() => tokens.open("other scope", token)).toThrow(PageTokenInvalid);
    expect(() => new PageTokens("another key").open("scope", token)).toThrow(PageTokenInvalid);
  });

  it("without a configured key, each process seals with its own random key", () => {
    const token = new PageTokens().seal("s", 1);
    expect(() => new PageTokens().open("s", token)).toThrow(PageTokenInvalid);
  });
});

describe("TRACKER_NOW", () => {
  const wall = () => new Date("2026-11-29T12:00:00Z");
  it("an instant starts the business clock there", () => {
    expect(clockFromEnv({ TRACKER_NOW: "2025-05-22T00:00:00Z" }, wall)().toISOString()).toBe(
      "2025-05-22T00:00:00.000Z",
    );
  });
  it("an offset in days shifts real time", () => {
    expect(clockFromEnv({ TRACKER_NOW: "-10d" }, wall)().toISOString()).toBe("2026-11-19T12:00:00.000Z");
  });
  it("unset is the wall clock; nonsense stops the start", () => {
    expect(clockFromEnv({}, wall)().toISOString()).toBe("2026-11-29T12:00:00.000Z");
    expect(() => clockFromEnv({ TRACKER_NOW: "yesterday" }, wall)).toThrow(/TRACKER_NOW/);
  });
});
