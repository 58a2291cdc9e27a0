// Issue 13, end to end: every shared scenario posted to the dev host (real HTTP, Cosmos through
// @azure/cosmos against the emulator) reads back field for field as the offline evaluator (`npm run
// evaluate`, the CLI the shared checker runs) prints it; and a correction (`event.voided`) sent by a
// CRM and by the board is stored beside the event it voids, which the state then ignores.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalTracker, startLocalTracker } from "../../infra/devhost/local-tracker.ts";
import { TrackerClient } from "../../scripts/tracker-client.ts";

const ROOT = join(import.meta.dirname, "../..");
const SCENARIOS = join(ROOT, "../shared/scenarios");
const PARTNER = "4811223";
const AS_OF = "2025-05-22T00:00:00Z";

let tracker: LocalTracker;
let client: TrackerClient;
let dir: string;

beforeAll(async () => {
  tracker = await startLocalTracker({
    partnerId: PARTNER,
    webhookSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    apiKey: "partner-key",
    enableTimers: false,
    changeFeedIntervalMs: 100,
    quiet: true,
  });
  client = new TrackerClient(tracker);
  dir = mkdtempSync(join(tmpdir(), "verdicts-e2e-"));
}, 60_000);
afterAll(async () => {
  await tracker?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The evaluator CLI's output for an NDJSON file (one process for many pairs). */
function evaluate(lines: readonly string[], asOf: string): Record<string, unknown>[] {
  const file = join(dir, `in-${Math.random().toString(36).slice(2)}.ndjson`);
  writeFileSync(file, `${lines.join("\n")}\n`);
  const r = spawnSync("npm", ["run", "--silent", "evaluate", "--", "--as-of", asOf, file], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120_000,
  });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout);
}

/** The pair over HTTP, without what only the HTTP answer carries (the timeline, the board's name). */
async function overHttp(state: Record<string, unknown>, asOf: string) {
  const got = await client.get(`pairs/${state.tenantId}/${state.workload}?asOf=${encodeURIComponent(asOf)}`);
  expect(got.status).toBe(200);
  const { timeline, customerName: _name, ...rest } = got.body;
  return { state: rest, timeline: timeline as Record<string, unknown>[] };
}

describe("the evaluator and the HTTP state agree field for field (timeline excluded)", () => {
  it("on every shared scenario", async () => {
    const lines: string[] = [];
    for (const file of readdirSync(SCENARIOS)
      .filter((f) => f.endsWith(".ndjson"))
      .sort()) {
      const own = readFileSync(join(SCENARIOS, file), "utf8")
        .split("\n")
        .filter((l) => l.trim());
      const answer = await client.post(own.map((l) => JSON.parse(l)));
      expect([201, 202]).toContain(answer.status);
      lines.push(...own);
    }
    const states = evaluate(lines, AS_OF);
    expect(states.length).toBeGreaterThanOrEqual(12);
    for (const want of states) {
      const { state } = await overHttp(want, AS_OF);
      expect(state).toEqual(want);
      // The new fields are there on both sides.
      expect(Object.keys(state)).toEqual(expect.arrayContaining(["advice"]));
      expect((state.poe as { items: unknown[] }).items).toBeDefined();
      expect((state.claim as { history: unknown[] }).history.length).toBeGreaterThan(0);
    }
  }, 180_000);
});

describe("corrections over HTTP", () => {
  const tenant = "6f1c0e2e-3c4b-4f1e-9a51-2b7c0d9e0e2e";
  const base = { specversion: "1.0", source: "crm://e2e/verdicts", partnerid: PARTNER, tenantid: tenant };
  const pair = { ...base, workload: "defender-endpoint" };
  const events = [
    {
      ...base,
      id: "prof",
      type: "tenant.profiled",
      time: "2025-01-10T09:00:00Z",
      data: { customerName: "Fabrikam", segment: "commercial", publicSector: false, country: "GB" },
    },
    {
      ...pair,
      id: "dep-wrong",
      type: "deployment.started",
      time: "2023-03-03T09:00:00Z",
      data: { activities: ["configuration"], delivery: "remote", plannedEnd: "2023-04-11" },
    },
    {
      ...pair,
      id: "dep-right",
      type: "deployment.started",
      time: "2025-03-03T09:00:00Z",
      data: { activities: ["configuration"], delivery: "remote", plannedEnd: "2025-04-11" },
    },
    {
      ...pair,
      id: "ack",
      type: "acknowledgement.recorded",
      time: "2025-02-20T09:00:00Z",
      data: {
        signedOn: "2025-02-20",
        signer: { name: "Dana" },
        format: "signed-sow",
        workloads: ["defender-endpoint"],
      },
    },
    {
      ...pair,
      id: "scope",
      type: "engagement.scope.described",
      time: "2025-03-03T09:00:00Z",
      data: { description: "Fabrikam rollout", startDate: "2025-03-03", endDate: "2025-04-11" },
    },
    {
      ...pair,
      id: "doc-wrong",
      type: "poe.document.attached",
      time: "2025-03-05T09:00:00Z",
      data: {
        documentId: "d1",
        kind: "sow",
        fileName: "other-customer.pdf",
        contentType: "application/pdf",
        size: 10,
        sha256: "b".repeat(64),
        workloadsMentioned: ["defender-endpoint"],
        tenantIdOnDocument: "0b7d5e3a-1c2f-4a6b-8d9e-0f1a2b3c4d5e",
      },
    },
  ];
  const crmVoid = {
    ...pair,
    id: "void-dep",
    type: "event.voided",
    time: "2025-05-01T09:00:00Z",
    data: {
      voidedSource: "crm://e2e/verdicts",
      voidedId: "dep-wrong",
      reason: "typed 2023 for 2025",
      by: "crm-sync",
    },
  };

  it("a CRM void and a board void: the state ignores both voided events, the timeline marks them, the evaluator agrees", async () => {
    expect((await client.post(events)).status).toBe(201);
    const before = evaluate(
      events.map((e) => JSON.stringify(e)),
      AS_OF,
    )[0]!;
    expect((before.poe as { missing: string[] }).missing).toEqual(["customer-mismatch"]);

    expect((await client.post(crmVoid)).status).toBe(201);
    // The board records the other correction by hand: source and partner are the service's to set.
    const board = await fetch(`${tracker.url}/api/recorded-events`, {
      method: "POST",
      headers: { "x-api-key": tracker.apiKey, "content-type": "application/json" },
      body: JSON.stringify({
        id: "void-doc",
        type: "event.voided",
        time: "2025-05-02T09:00:00Z",
        tenantid: tenant,
        workload: "defender-endpoint",
        data: {
          voidedSource: "crm://e2e/verdicts",
          voidedId: "doc-wrong",
          reason: "another customer's SOW",
          by: "ops lead",
        },
      }),
    });
    expect(board.status).toBe(201);

    const { timeline } = await overHttp({ tenantId: tenant, workload: "defender-endpoint" }, AS_OF);
    // The evaluator gets exactly what was stored (the board's void with the source it was given).
    const stored = timeline.map(({ voided: _mark, ...e }) => JSON.stringify(e));
    const [after] = evaluate(stored, AS_OF);
    const { state } = await overHttp(after!, AS_OF);
    expect(state).toEqual(after);
    expect((state.poe as { missing: string[] }).missing).toEqual([]);
    expect((state.claim as { claimableNow: boolean }).claimableNow).toBe(true);

    const byId = new Map(timeline.map((e) => [e.id as string, e]));
    expect(byId.get("dep-wrong")!.voided).toMatchObject({
      id: "void-dep",
      reason: "typed 2023 for 2025",
      by: "crm-sync",
    });
    // The board names who voided it from the signed-in person (or the API key's label), not the form.
    const boardMark = byId.get("doc-wrong")!.voided as { id: string; source: string; by: string };
    expect(boardMark.id).toBe("void-doc");
    expect(boardMark.source).toMatch(/^board:\/\//);
    expect(boardMark.by).toMatch(/\S/);
    expect(byId.get("void-dep")!.type).toBe("event.voided");
    expect(byId.get("dep-right")!.voided).toBeUndefined();
  }, 180_000);

  it("a void is refused whole with the field named when it voids itself", async () => {
    const answer = await client.post({ ...crmVoid, id: "self", data: { ...crmVoid.data, voidedId: "self" } });
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).toContain("$.data.voidedId");
  });
});
