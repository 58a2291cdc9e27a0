// The domain is pure: it imports only itself, zod and xstate, and never reads the clock (time comes
// only from events and the asOf instant the caller passes).
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const DOMAIN = fileURLToPath(new URL("../../domain/", import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(c|m)?[jt]sx?$/.test(entry.name) ? [path] : [];
  });
}

/** Drops comments (so prose such as "never calls Date.now()" is not flagged) but keeps strings. */
function withoutComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

/** Every module specifier: static imports and re-exports, side-effect imports, import(), require(). */
function importSpecifiers(code: string): string[] {
  const out: string[] = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?[^;'"`]*?\bfrom\s*["']([^"']+)["']/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\bimport\s*\(\s*["'`]([^"'`]+)["'`]\s*\)/g,
    /\brequire\s*\(\s*["'`]([^"'`]+)["'`]\s*\)/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) out.push(m[1]!);
  return out;
}

const ALLOWED = (specifier: string) =>
  specifier.startsWith("./") || specifier.startsWith("../") || specifier === "zod" || specifier === "xstate";

/** Ways of reading the wall clock. */
function clockReads(code: string): string[] {
  const patterns = [
    /\bDate\.now\s*\(/g,
    /\bnew\s+Date\s*\(\s*\)/g,
    /\bnew\s+Date\b(?!\s*\()/g,
    /(?<!new\s+)(?<![\w.$])Date\s*\(\s*\)/g,
    /\bperformance\.now\s*\(/g,
    /\bprocess\.hrtime\b/g,
    /\bTemporal\.Now\b/g,
  ];
  return patterns.flatMap((re) => [...code.matchAll(re)].map((m) => m[0]));
}

const files = sourceFiles(DOMAIN);

describe("domain purity", () => {
  it("the scanners detect what they must (so a clean result means something)", () => {
    const sample = `
      import { z } from "zod";
      import type { X } from "@azure/cosmos";
      import "node:fs";
      export * from "./local.ts";
      const http = await import("http");
      const fs = require('fs');
      const a = Date.now(); const b = new Date(); const c = new Date; const d = Date();
      const e = performance.now(); const ok = new Date(0); const ok2 = Date.UTC(2024, 1, 1);
    `;
    expect(importSpecifiers(sample).sort()).toEqual([
      "./local.ts",
      "@azure/cosmos",
      "fs",
      "http",
      "node:fs",
      "zod",
    ]);
    expect(
      importSpecifiers(sample)
        .filter((s) => !ALLOWED(s))
        .sort(),
    ).toEqual(["@azure/cosmos", "fs", "http", "node:fs"]);
    expect(clockReads(sample)).toHaveLength(5);
    expect(clockReads("const t = new Date(ms); Date.parse(s); Date.UTC(1, 2, 3);")).toEqual([]);
  });

  it("finds the domain's source files", () => {
    const names = files.map((f) => relative(DOMAIN, f).replaceAll("\\", "/"));
    expect(names).toEqual(
      expect.arrayContaining(["events.ts", "fold.ts", "engagement-machine.ts", "rules/fy25.ts"]),
    );
  });

  it.each(files.map((f) => [relative(DOMAIN, f), f]))(
    "%s imports only relative paths, zod or xstate",
    (_name, file) => {
      const specifiers = importSpecifiers(withoutComments(readFileSync(file, "utf8")));
      expect(specifiers.filter((s) => !ALLOWED(s))).toEqual([]);
    },
  );

  it.each(files.map((f) => [relative(DOMAIN, f), f]))("%s never reads the clock", (_name, file) => {
    expect(clockReads(withoutComments(readFileSync(file, "utf8")))).toEqual([]);
  });
});
