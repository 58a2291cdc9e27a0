// `npm run lint` runs dependency-cruiser with .dependency-cruiser.cjs. This shows the rules bite: a
// small tree with one deliberate violation of each rule must fail with every rule named, and the same
// tree without the violations must pass.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
const DEPCRUISE = join(ROOT, "node_modules/.bin/depcruise");
const CONFIG = join(ROOT, ".dependency-cruiser.cjs");
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "depcruise-"));
  dirs.push(dir);
  const all: Record<string, string> = {
    "tsconfig.json": JSON.stringify({
      compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", allowImportingTsExtensions: true },
    }),
    "domain/rules.ts": "export const rule = 1;\n",
    "application/ports/store.ts": "export interface Store { read(): string }\n",
    "application/use-case.ts":
      'import type { Store } from "./ports/store.ts";\nimport { rule } from "../domain/rules.ts";\nexport const run = (s: Store) => s.read() + rule;\n',
    "infra/store.ts":
      'import type { Store } from "../application/ports/store.ts";\nexport class MemoryStore implements Store { read() { return ""; } }\n',
    "composition/services.ts":
      'import { MemoryStore } from "../infra/store.ts";\nimport { run } from "../application/use-case.ts";\nexport const services = () => run(new MemoryStore());\n',
    "functions/handler.ts":
      'import { services } from "../composition/services.ts";\nexport const handle = services;\n',
    ...files,
  };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

async function cruise(dir: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run(
      DEPCRUISE,
      [
        "domain",
        "application",
        "composition",
        "functions",
        "infra",
        "--config",
        CONFIG,
        "--output-type",
        "err",
      ],
      { cwd: dir },
    );
    return { code: 0, output: stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string };
    return { code: e.code, output: e.stdout };
  }
}

describe("dependency rules (npm run lint)", () => {
  it("pass on a tree whose dependencies point inward", async () => {
    const result = await cruise(tree({}));
    expect(result.output).toContain("no dependency violations");
    expect(result.code).toBe(0);
  }, 60_000);

  it("fail on each kind of violation, naming the rule and the import", async () => {
    const result = await cruise(
      tree({
        "domain/impure.ts": 'import { readFileSync } from "node:fs";\nexport const f = readFileSync;\n',
        "domain/outward.ts": 'import { run } from "../application/use-case.ts";\nexport const g = run;\n',
        "application/reaches-adapter.ts":
          'import { MemoryStore } from "../infra/store.ts";\nexport const s = new MemoryStore();\n',
        "infra/calls-trigger.ts":
          'import { handle } from "../functions/handler.ts";\nexport const h = handle;\n',
        "application/reaches-root.ts":
          'import { services } from "../composition/services.ts";\nexport const s = services;\n',
        "composition/calls-trigger.ts":
          'import { handle } from "../functions/handler.ts";\nexport const h = handle;\n',
        "application/a.ts": 'import { b } from "./b.ts";\nexport const a = () => b;\n',
        "application/b.ts": 'import { a } from "./a.ts";\nexport const b = () => a;\n',
      }),
    );
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/domain-is-pure: domain\/impure\.ts → (node:)?fs/);
    expect(result.output).toContain("domain-is-pure: domain/outward.ts → application/use-case.ts");
    expect(result.output).toContain(
      "application-imports-no-adapter: application/reaches-adapter.ts → infra/store.ts",
    );
    expect(result.output).toContain(
      "infra-only-implements-ports: infra/calls-trigger.ts → functions/handler.ts",
    );
    expect(result.output).toMatch(/no-cycles: application\/(a|b)\.ts/);
    expect(result.output).toContain(
      "application-imports-no-adapter: application/reaches-root.ts → composition/services.ts",
    );
    expect(result.output).toContain(
      "composition-is-called-by-triggers: composition/calls-trigger.ts → functions/handler.ts",
    );
  }, 60_000);
});
