// The offline evaluator (API.md "Command line"): `npm run evaluate -- --as-of <instant> <file>` (the
// bundled scripts/evaluate.ts, run by scripts/evaluate.mjs) prints a JSON array of STATE.md objects
// sorted by tenantId then workload; bad input exits 2 with a report on stderr naming each bad line and
// field, and nothing on stdout. Every case runs folded in one thread and split over worker threads,
// and the parallel output must equal the single-threaded evaluateLines's byte for byte.
import { spawnSync } from "node:child_process";
import { createReadStream, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateLines } from "../application/evaluate-file.ts";
import { engagementExport, rng } from "../bench/generate-events.ts";
import {
  deploymentStarted,
  guidanceSession,
  managedServicesStarted,
  OTHER_TENANT,
  rawEvent,
  readyPoe,
  TENANT,
} from "./domain/given.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "evaluate-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, lines: readonly unknown[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n")}\n`);
  return path;
}

// Partitions: 1 folds in the main thread; 2 and 3 in worker threads, whatever the file's size.
const PARTITIONS = ["1", "2", "3"] as const;

function evaluateWith(partitions: string, ...args: string[]) {
  const run = spawnSync("node", ["scripts/evaluate.mjs", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, EVALUATE_PARTITIONS: partitions },
    maxBuffer: 512 * 2 ** 20,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Runs in one thread and in two workers; both must agree on everything they print, and the exit code. */
function evaluate(...args: string[]) {
  const [first, ...others] = ["1", "2"].map((p) => evaluateWith(p, ...args));
  for (const other of others) expect(other).toEqual(first);
  return first!;
}

/** What the single-threaded evaluator yields, printed as the command prints it. */
async function singleThreaded(path: string, asOf: string): Promise<string> {
  const lines = createInterface({
    input: createReadStream(path, "utf8"),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let out = "";
  let first = true;
  for await (const state of evaluateLines(lines, asOf, (report) => {
    throw new Error(report.join("\n"));
  })) {
    out += `${first ? "[\n" : ",\n"}${JSON.stringify(state)}`;
    first = false;
  }
  return out + (first ? "[]\n" : "\n]\n");
}

const TIMEOUT = 60_000;

// Builds the bundle first if the sources changed, so no case pays for it.
beforeAll(() => {
  const build = spawnSync("node", ["scripts/build-evaluator.mjs"], { cwd: ROOT, encoding: "utf8" });
  expect(build.status, build.stderr).toBe(0);
}, TIMEOUT);

describe("npm run evaluate", () => {
  it(
    "prints a JSON array of pair states sorted by tenantId, then workload",
    () => {
      // Written deliberately out of order: OTHER_TENANT (0b7d…) sorts before TENANT (6f1c…).
      const path = file("good.ndjson", [
        guidanceSession({ time: "2025-04-02", workload: "intune" }),
        deploymentStarted({ time: "2025-03-03", plannedEnd: "2025-04-11" }),
        ...readyPoe(),
        managedServicesStarted({ time: "2025-01-15", tenant: OTHER_TENANT, workload: "sentinel" }),
        deploymentStarted({ time: "2025-03-03", tenant: OTHER_TENANT, workload: "defender-identity" }),
      ]);
      const { code, stdout } = evaluate("--as-of", "2025-05-22T00:00:00Z", path);
      expect(code).toBe(0);
      const states = JSON.parse(stdout) as {
        tenantId: string;
        workload: string;
        asOf: string;
        claim: { eligibility: string; claimableNow: boolean };
        timeline?: unknown;
      }[];
      expect(states.map((s) => [s.tenantId, s.workload])).toEqual([
        [OTHER_TENANT, "defender-identity"],
        [OTHER_TENANT, "sentinel"],
        [TENANT, "defender-endpoint"],
        [TENANT, "intune"],
      ]);
      // Spot checks derived from the rules: ACT-1 with a ready POE; ACT-6; ACT-4.
      expect(states[2]!.claim).toMatchObject({ eligibility: "usage-incentive", claimableNow: true });
      expect(states[1]!.claim.eligibility).toBe("usage-recognition");
      expect(states[3]!.claim.eligibility).toBe("not-claimable");
      for (const s of states) {
        expect(s.asOf).toBe("2025-05-22T00:00:00Z");
        expect(s).not.toHaveProperty("timeline");
      }
    },
    TIMEOUT,
  );

  it(
    "an empty file prints an empty array",
    () => {
      const { code, stdout } = evaluate("--as-of", "2025-05-22T00:00:00Z", file("empty.ndjson", []));
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    "a bad line 3 (unknown workload) exits 2, prints nothing on stdout and names line 3 and $.workload",
    () => {
      const path = file("bad-workload.ndjson", [
        ...readyPoe().slice(0, 2),
        rawEvent(
          "deployment.started",
          "pair",
          { activities: ["configuration"], delivery: "remote" },
          { workload: "defender-toaster" },
        ),
        deploymentStarted({ time: "2025-03-03" }),
      ]);
      const { code, stdout, stderr } = evaluate("--as-of", "2025-05-22T00:00:00Z", path);
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toMatch(/\bline 3\b/);
      expect(stderr).toContain("$.workload");
      expect(stderr).not.toMatch(/\bline [124]\b/);
    },
    TIMEOUT,
  );

  it(
    "a non-JSON line exits 2, prints nothing on stdout and names the line",
    () => {
      const path = file("not-json.ndjson", [readyPoe()[0], "{ this is not json", deploymentStarted()]);
      const { code, stdout, stderr } = evaluate("--as-of", "2025-05-22T00:00:00Z", path);
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toMatch(/\bline 2\b/);
      expect(stderr).toMatch(/json/i);
    },
    TIMEOUT,
  );

  it(
    "every bad line is reported, not only the first",
    () => {
      const path = file("two-bad.ndjson", [
        "[not json",
        deploymentStarted(),
        { ...deploymentStarted(), tenantid: "nope" },
      ]);
      const { code, stdout, stderr } = evaluate("--as-of", "2025-05-22T00:00:00Z", path);
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toMatch(/\bline 1\b/);
      expect(stderr).toMatch(/\bline 3\b.*\$\.tenantid/);
    },
    TIMEOUT,
  );

  it(
    "a missing --as-of exits 2 with a usage message and nothing on stdout",
    () => {
      const { code, stdout, stderr } = evaluate(file("no-as-of.ndjson", [deploymentStarted()]));
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toContain("--as-of");
    },
    TIMEOUT,
  );

  it(
    "an --as-of that is not an RFC 3339 instant exits 2",
    () => {
      const { code, stdout, stderr } = evaluate(
        "--as-of",
        "next tuesday",
        file("bad-as-of.ndjson", [deploymentStarted()]),
      );
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toContain("--as-of");
    },
    TIMEOUT,
  );
});

const SCENARIOS = fileURLToPath(new URL("../../shared/scenarios/", import.meta.url));

describe("the parallel fold prints exactly what the single-threaded fold does", () => {
  it(
    "on the shared scenarios (all in one file: each scenario has its own tenant)",
    async () => {
      const names = readdirSync(SCENARIOS).filter((f) => f.endsWith(".ndjson"));
      expect(names.length).toBeGreaterThan(0);
      const path = join(dir, "scenarios.ndjson");
      writeFileSync(path, names.map((name) => readFileSync(join(SCENARIOS, name), "utf8")).join("\n"));
      const asOf = "2025-05-22T00:00:00Z"; // every scenario's
      const want = await singleThreaded(path, asOf);
      expect(JSON.parse(want).length).toBeGreaterThanOrEqual(names.length);
      for (const p of PARTITIONS) {
        const got = evaluateWith(p, "--as-of", asOf, path);
        expect(got.code, got.stderr).toBe(0);
        expect(got.stdout === want, `${p} partitions`).toBe(true);
      }
    },
    TIMEOUT,
  );

  it(
    "on generated data shuffled and written in every way the line splitter and tenant router must handle",
    async () => {
      const r = rng(7);
      const lines = [...engagementExport(600, 11)];
      // Corrections: every 40th event voided on its own stream (tenant voids carry no workload).
      const voids = lines
        .filter((_, i) => i % 40 === 3)
        .map((line) => {
          const e = JSON.parse(line) as Record<string, unknown> & { source: string; id: string };
          const { data: _data, ...envelope } = e;
          return JSON.stringify({
            ...envelope,
            type: "event.voided",
            id: `void-${e.id}`,
            time: "2025-06-01T00:00:00Z",
            data: {
              voidedSource: e.source,
              voidedId: e.id,
              reason: "typed in error",
              by: "ops@partner.example",
            },
          });
        });
      expect(voids.some((v) => !v.includes('"workload"'))).toBe(true);
      lines.push(...voids);
      // Duplicates (a redelivery) and shuffled lines: the fold orders by business time.
      for (let i = 0; i < 200; i++) lines.push(lines[Math.floor(r() * lines.length)]!);
      for (let i = lines.length - 1; i > 0; i--) {
        const j = Math.floor(r() * (i + 1));
        [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      }
      const unusual = lines.map((line, i) => {
        const e = JSON.parse(line) as Record<string, unknown>;
        const tenant = e.tenantid as string;
        switch (i % 7) {
          case 0: // upper-case tenant id: the same tenant (stream ids are lower-cased)
            return JSON.stringify({ ...e, tenantid: tenant.toUpperCase() });
          case 1: // the tenant id written with a JSON escape: the router cannot read it from the bytes
            return line.replace(
              `"tenantid":"${tenant}"`,
              `"tenantid":"\\u00${tenant.charCodeAt(0).toString(16)}${tenant.slice(1)}"`,
            );
          case 2: // another "tenantid" key earlier on the line, inside data
            return JSON.stringify({ data: { ...(e.data as object), tenantid: "decoy" }, ...e });
          case 3: // spaces around the colon
            return line.replace(`"tenantid":"`, `"tenantid" :  "`);
          default:
            return line;
        }
      });
      const endings = ["\n", "\r\n", "\r"];
      let text = "\uFEFF";
      unusual.forEach((line, i) => {
        text += `${i % 50 === 0 ? "  \n" : ""}${line}${endings[i % endings.length]}`;
      });
      const path = join(dir, "generated.ndjson");
      writeFileSync(path, text.slice(0, -1)); // no line break after the last line
      const asOf = "2025-06-30T00:00:00Z";
      const want = await singleThreaded(path, asOf);
      expect(JSON.parse(want)).toHaveLength(600);
      for (const p of PARTITIONS) {
        const got = evaluateWith(p, "--as-of", asOf, path);
        expect(got.code, got.stderr).toBe(0);
        expect(got.stdout === want, `${p} partitions`).toBe(true);
      }
    },
    TIMEOUT,
  );
});
