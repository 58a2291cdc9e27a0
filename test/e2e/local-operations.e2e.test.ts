// Issue 9: `npm start` as a real process, configured as in Azure (TRACKER_SOURCES / TRACKER_API_KEYS, two
// partners), operated by the scripts with no extra variables, and a clean process life: a second start on a
// taken port or data folder says so in one line and exits 2; its Azurite dies when it is killed with -9.
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TrackerClient } from "../../scripts/tracker-client.ts";
import { type HostProcess, ROOT, runNode, startHost } from "./local-host.ts";

const SCENARIOS = join(ROOT, "../shared/scenarios");
const PARTNER_B = "5900001";
const SECRET_B = "whsec_cGFydG5lci1iLXdlYmhvb2stc2VjcmV0LTAwMQ==";
const KEY_B = "partner-b-key";
const TENANT_B = "9b000000-1111-4222-8333-444455556666";

let dataDir = "";
let host: HostProcess;
let a: TrackerClient;
let b: TrackerClient;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "tracker-local-"));
  host = await startHost(dataDir, {
    TRACKER_SOURCES: JSON.stringify([{ name: "crm-b", partnerId: PARTNER_B, secrets: [SECRET_B] }]),
    TRACKER_API_KEYS: JSON.stringify([{ partnerId: PARTNER_B, key: KEY_B }]),
    // The shared scenarios are dated 2025: the service's clock starts there, so their windows lie ahead.
    TRACKER_NOW: "2025-01-01T06:00:00Z",
  });
  a = new TrackerClient(host);
  b = new TrackerClient({ url: host.url, webhookSecret: SECRET_B, apiKey: KEY_B });
});

afterAll(async () => {
  host?.killGroup();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Runs a script to its end; resolves with its exit code and output. */
function run(script: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = runNode(script, args, env);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr!.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) =>
    child.once("exit", (code) => done({ code, stdout, stderr })),
  );
}

describe("npm start configured as in Azure", () => {
  it("serves two partners from TRACKER_SOURCES / TRACKER_API_KEYS, each seeing only its own pairs", async () => {
    expect(host.banner).toContain(`also configured (TRACKER_SOURCES): ${PARTNER_B}`);
    for (const file of readdirSync(SCENARIOS).filter((f) => f.endsWith(".ndjson"))) {
      const events = readFileSync(join(SCENARIOS, file), "utf8")
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => ({ ...JSON.parse(l), partnerid: host.partnerId }));
      expect((await a.post(events)).status, file).toBeLessThan(300);
    }
    const posted = await b.post({
      specversion: "1.0",
      id: "b-1",
      source: "crm://partner-b",
      type: "deployment.started",
      time: "2025-01-01T05:00:00Z",
      partnerid: PARTNER_B,
      tenantid: TENANT_B,
      workload: "purview-dlp",
      data: { activities: ["configuration"], delivery: "remote" },
    });
    expect(posted.status).toBe(201);
    // Partner B's secret does not sign for the dev partner.
    const forged = await b.post({
      specversion: "1.0",
      id: "b-2",
      source: "crm://partner-b",
      type: "deployment.started",
      time: "2025-01-01T05:00:00Z",
      partnerid: host.partnerId,
      tenantid: TENANT_B,
      workload: "purview-dlp",
      data: { activities: ["configuration"], delivery: "remote" },
    });
    expect(forged.status).toBeGreaterThanOrEqual(400);

    const tenantsOf = async (client: TrackerClient) => {
      const answer = await client.get("pairs?limit=200");
      expect(answer.status).toBe(200);
      return new Set((answer.body.items as { tenantId: string }[]).map((p) => p.tenantId));
    };
    const seenByA = await tenantsOf(a);
    const seenByB = await tenantsOf(b);
    expect(seenByA.size).toBeGreaterThan(5);
    expect(seenByA.has(TENANT_B)).toBe(false);
    expect([...seenByB]).toEqual([TENANT_B]);
    expect((await b.get(`pairs/${[...seenByA][0]}/defender-endpoint`)).status).toBe(404);
  });

  it("raises the due alerts with npm run claim-windows against the running host, shown by GET /api/alerts", async () => {
    const before = await a.get("alerts");
    expect(before.status).toBe(200);
    expect(before.body.items).toEqual([]);
    const result = await run("scripts/claim-windows.ts", ["--now", "2025-09-23T06:00:00Z"], {
      TRACKER_DATA_DIR: dataDir,
      COSMOS_ENDPOINT: "",
    });
    expect(result.code, result.stderr).toBe(0);
    const run1 = JSON.parse(result.stdout.slice(result.stdout.indexOf("{"))) as { raised: string[] };
    expect(run1.raised.length).toBeGreaterThan(0);
    const alertsOf = async (client: TrackerClient) =>
      ((await client.get("alerts")).body.items as { id: string; partnerId: string; tenantId: string }[]) ??
      [];
    const ofA = await alertsOf(a);
    const ofB = await alertsOf(b);
    expect(ofA.length).toBeGreaterThan(0);
    expect([...ofA, ...ofB].map((alert) => alert.id).sort()).toEqual([...run1.raised].sort());
    // Each partner reads its own alerts only.
    expect(ofA.every((alert) => alert.partnerId === host.partnerId && alert.tenantId !== TENANT_B)).toBe(
      true,
    );
    expect(ofB.every((alert) => alert.partnerId === PARTNER_B && alert.tenantId === TENANT_B)).toBe(true);
  });

  it("runs npm run demo against the running host with no variables", async () => {
    const result = await run("scripts/demo.ts", [], {
      TRACKER_DATA_DIR: dataDir,
      DEV_API_KEY: "",
      DEV_WEBHOOK_SECRET: "",
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("p01-remote-deployment-ready");
    expect(result.stdout).not.toContain("refused");
  });

  it("rebuilds the projections of the running host with npm run rebuild", async () => {
    const result = await run("scripts/rebuild.ts", [], { TRACKER_DATA_DIR: dataDir, COSMOS_ENDPOINT: "" });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/rebuilt \d+ streams/);
  });

  it("refuses a second start on a taken port or data folder in one line, exit 2", async () => {
    const port = new URL(host.url).port;
    const other = await mkdtemp(join(tmpdir(), "tracker-other-"));
    try {
      const taken = await run("infra/devhost/main.ts", [], { PORT: port, TRACKER_DATA_DIR: other });
      expect(taken.code).toBe(2);
      expect(taken.stderr.trim().split("\n")).toEqual([
        `Port ${port} is already in use (another npm start?); set PORT to use another.`,
      ]);
      const busy = await run("infra/devhost/main.ts", [], { PORT: "0", TRACKER_DATA_DIR: dataDir });
      expect(busy.code).toBe(2);
      expect(busy.stderr.trim().split("\n")).toHaveLength(1);
      expect(busy.stderr).toContain(`in use by another npm start (pid ${host.child.pid})`);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it("takes Azurite down with it when the host alone is killed with SIGKILL", async () => {
    const azurite = await processesMentioning(join(dataDir, "blobs"));
    expect(azurite.length).toBe(1);
    process.kill(host.child.pid!, "SIGKILL");
    await host.exited;
    const deadline = Date.now() + 5_000;
    while ((await processesMentioning(join(dataDir, "blobs"))).length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await processesMentioning(join(dataDir, "blobs"))).toEqual([]);
  });
});

/** Pids whose command line contains `text` (Linux /proc). */
async function processesMentioning(text: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (cmdline.includes(text)) pids.push(Number(entry));
  }
  return pids;
}
