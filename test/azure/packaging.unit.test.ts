// What a deployment carries: `npm ci --omit=dev` installs `dependencies` only, so every package the
// production code imports must be there, and nothing there should be dead weight. `npm run package`
// proves the same end to end (build, install, load every function in plain Node) in a temporary folder.
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { definitions } from "../../functions/index.ts";
import { packageImports, productionSources, read, root } from "./source-scan.ts";

const manifest = JSON.parse(read("package.json")) as {
  main: string;
  engines: { node: string };
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

describe("the deployed package", () => {
  const imports = new Map<string, string[]>();
  for (const { path, text } of productionSources())
    for (const name of packageImports(text)) imports.set(name, [...(imports.get(name) ?? []), path]);

  it("imports only runtime dependencies from production code", () => {
    expect(imports.size).toBeGreaterThan(5);
    const wrong = [...imports]
      .filter(([name]) => !(name in manifest.dependencies))
      .map(([name, where]) => `${name} (${where.join(", ")})`);
    expect(wrong, "imported by production code but not a runtime dependency").toEqual([]);
  });

  it("keeps the dev tooling (emulators, tsx, test tools) out of the runtime dependencies", () => {
    for (const dev of [
      "tsx",
      "azurite",
      "@vercel/cosmosdb-server",
      "vitest",
      "typescript",
      "@biomejs/biome",
    ]) {
      expect(manifest.dependencies, dev).not.toHaveProperty(dev);
      expect(imports.has(dev), `${dev} imported by production code`).toBe(false);
    }
  });

  it("never reaches the dev host or the emulators from production code", () => {
    for (const { path, text } of productionSources()) {
      for (const m of text.matchAll(/from\s+["'](\.[^"']+)["']|import\(\s*["'](\.[^"']+)["']\s*\)/g)) {
        const target = join(dirname(path), m[1] ?? m[2]!);
        expect(target, `${path} imports ${m[1] ?? m[2]}`).not.toMatch(/^infra\/(devhost|emulators)\//);
      }
    }
  });

  it("carries no runtime dependency that production code never imports", () => {
    const unused = Object.keys(manifest.dependencies).filter((name) => !imports.has(name));
    expect(unused, "runtime dependencies nothing in the build imports").toEqual([]);
  });

  it("registers every function file through the entry point package.json names", () => {
    expect(manifest.main).toBe("dist/functions/index.js");
    const build = JSON.parse(read("tsconfig.build.json")) as {
      compilerOptions: { outDir: string; rootDir: string };
    };
    expect(build.compilerOptions).toMatchObject({ outDir: "dist", rootDir: "." }); // functions/index.ts → main
    const index = read("functions/index.ts");
    const defining = readdirSync(join(root, "functions")).filter(
      (file) =>
        file.endsWith(".ts") &&
        file !== "registry.ts" &&
        /^define(Http|Timer|CosmosChangeFeed)\(/m.test(read(`functions/${file}`)),
    );
    expect(defining.length).toBeGreaterThan(5);
    for (const file of defining) expect(index, `functions/index.ts imports ${file}`).toContain(`"./${file}"`);
    // Importing the entry point defined them all: one definition per name, none missing.
    const names = definitions().map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    for (const file of defining)
      for (const m of read(`functions/${file}`).matchAll(/^define\w+\(\{\s*name: "([^"]+)"/gm))
        expect(names, `${m[1]} from ${file}`).toContain(m[1]);
  });

  it("runs on Node 20 and 22, and has a script that packages and load-checks the deployment", () => {
    expect(manifest.engines.node).toBe("^20.11 || ^22");
    expect(manifest.scripts.package).toBe("tsx scripts/package.ts");
  });
});
