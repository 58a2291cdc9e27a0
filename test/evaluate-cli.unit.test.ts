// The offline evaluator (API.md "Command line"): `tsx scripts/evaluate.ts --as-of <instant> <file>`
// prints a JSON array of STATE.md objects sorted by tenantId then workload; bad input exits 2 with a
// report on stderr naming each bad line and field, and nothing on stdout.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
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

function evaluate(...args: string[]) {
  const run = spawnSync("npx", ["tsx", "scripts/evaluate.ts", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const TIMEOUT = 60_000;

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
