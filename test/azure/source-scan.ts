// Reads the production sources (what tsconfig.build.json compiles) so the deployment tests can compare
// the templates and package.json with what the code really reads, opens and imports.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";

export const root = resolve(import.meta.dirname, "../..");

const build = JSON.parse(readFileSync(join(root, "tsconfig.build.json"), "utf8")) as {
  include: string[];
  exclude: string[];
};

function excluded(path: string): boolean {
  return build.exclude.some((pattern) =>
    pattern.startsWith("**/*")
      ? path.endsWith(pattern.slice(4))
      : path === pattern || path.startsWith(`${pattern}/`),
  );
}

function walk(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = `${dir}/${name}`;
    if (excluded(path)) return [];
    return statSync(join(root, path)).isDirectory() ? walk(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** Every production source file: path relative to the root, and its text. */
export function productionSources(): { path: string; text: string }[] {
  return build.include.flatMap(walk).map((path) => ({ path, text: readFileSync(join(root, path), "utf8") }));
}

export function read(path: string): string {
  return readFileSync(join(root, path), "utf8");
}

/** Environment variables a source reads: env.X, env["X"], `const { X, Y: y } = env`. */
export function envReads(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(/(?<![\w$.-])(?:process\.)?env\.([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(m[1]!);
  for (const m of text.matchAll(/(?<![\w$-])env\[\s*["']([^"']+)["']\s*\]/g)) names.add(m[1]!);
  for (const m of text.matchAll(/\{([^{}]*)\}\s*=\s*(?:process\.)?env\b/g)) {
    for (const part of m[1]!.split(",")) {
      const name = part.split(":")[0]!.trim();
      if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) names.add(name);
    }
  }
  return [...names];
}

/** Container ids opened by literal name: `.container("x")`, `containerName: "x"`, `leaseContainerName: "x"`. */
export function literalContainers(text: string): string[] {
  const ids = new Set<string>();
  for (const m of text.matchAll(/\.container\(\s*["'`]([^"'`$]+)["'`]\s*\)/g)) ids.add(m[1]!);
  for (const m of text.matchAll(/(?:containerName|leaseContainerName)\s*:\s*["']([^"']+)["']/g))
    ids.add(m[1]!);
  return [...ids];
}

/** Bare package names a source imports (static and dynamic), node builtins left out. */
export function packageImports(text: string): string[] {
  const names = new Set<string>();
  const specifiers = [
    ...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']/gm),
    ...text.matchAll(/^\s*import\s+["']([^"']+)["']/gm),
    ...text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g),
  ].map((m) => m[1]!);
  for (const specifier of specifiers) {
    if (specifier.startsWith(".") || specifier.startsWith("node:")) continue;
    const parts = specifier.split("/");
    names.add(specifier.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!);
  }
  return [...names];
}

export const relativeToRoot = (path: string) => relative(root, path);
