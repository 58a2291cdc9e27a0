// Issue 3, end to end: real HTTP against the dev host, Cosmos through @azure/cosmos against the
// emulator, both started here.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EngagementEvent, pairStreamId, validateEvent } from "../../domain/events.ts";
import { evaluatePairs } from "../../domain/fold.ts";
import { type LocalTracker, startLocalTracker } from "../../infra/devhost/local-tracker.ts";
import { TrackerClient } from "../../scripts/tracker-client.ts";

const SCENARIOS = join(import.meta.dirname, "../../../shared/scenarios");
const PARTNER = "4811223";
const OTHER_PARTNER = "5900001";
const TENANT = "0a0b0c0d-1111-4222-8333-444455556666";

let tracker: LocalTracker;
let client: TrackerClient;
let other: TrackerClient;

beforeAll(async () => {
  tracker = await startLocalTracker({
    partnerId: PARTNER,
    webhookSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    apiKey: "partner-key",
    access: {
      sources: [
        { name: "other-crm", partnerId: OTHER_PARTNER, secrets: ["whsec_b3RoZXItcGFydG5lci1zZWNyZXQ="] },
      ],
      apiKeys: [{ partnerId: OTHER_PARTNER, key: "other-key" }],
    },
    enableTimers: false,
    changeFeedIntervalMs: 100,
    quiet: true,
  });
  client = new TrackerClient(tracker);
  other = new TrackerClient({
    url: tracker.url,
    webhookSecret: "whsec_b3RoZXItcGFydG5lci1zZWNyZXQ=",
    apiKey: "other-key",
  });
});
afterAll(async () => {
  await tracker?.stop();
});

function event(id: string, type: string, data: object, extra: object = {}): Record<string, unknown> {
  return {
    specversion: "1.0",
    id,
    source: "crm://e2e",
    type,
    time: "2025-03-03T09:00:00Z",
    partnerid: PARTNER,
    tenantid: TENANT,
    workload: "defender-endpoint",
    data,
    ...extra,
  };
}

const guidance = (id: string, workload = "defender-endpoint") =>
  event(id, "guidance.session.logged", { minutes: 30, topic: `call ${id}` }, { workload });

async function countEventDocuments(): Promise<number> {
  const { resources } = await tracker.services.containers.events.items
    .query("SELECT VALUE COUNT(1) FROM c")
    .fetchAll();
  return resources[0] as number;
}

function shuffled<T>(list: readonly T[], seed: number): T[] {
  const out = [...list];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe("shared scenarios over HTTP", () => {
  const files = readdirSync(SCENARIOS)
    .filter((f) => f.endsWith(".ndjson"))
    .sort();
  // p11 replays p01's events: posting both proves redelivery across files lands once.
  it.each(files)(
    "%s: posted shuffled with duplicates, the pair reads as the evaluator says",
    async (file) => {
      const lines = readFileSync(join(SCENARIOS, file), "utf8")
        .split("\n")
        .filter((l) => l.trim());
      const events = lines.map((l) => JSON.parse(l));
      const expected = JSON.parse(
        readFileSync(join(SCENARIOS, file.replace(".ndjson", ".expected.json")), "utf8"),
      );
      const deliveries = shuffled([...events, ...events.filter((_, i) => i % 2 === 0)], file.length);
      const answers = await Promise.all(deliveries.map((e) => client.post(e)));
      for (const a of answers) expect([201, 202]).toContain(a.status);

      const valid = events.map((e) => (validateEvent(e) as { event: EngagementEvent }).event);
      for (const want of evaluatePairs(valid, expected.asOf)) {
        const got = await client.get(
          `pairs/${want.tenantId}/${want.workload}?asOf=${encodeURIComponent(expected.asOf)}`,
        );
        expect(got.status).toBe(200);
        const { timeline, ...state } = got.body;
        expect(state).toEqual(want);
        expect(timeline.length).toBeGreaterThan(0);
      }
    },
  );
});

describe("concurrency and idempotency", () => {
  it("200 concurrent posts of distinct events to one pair land exactly once, versions gapless", async () => {
    const workload = "purview-dlp";
    const events = Array.from({ length: 200 }, (_, i) => guidance(`burst-${i}`, workload));
    const answers = await Promise.all(events.map((e) => client.post(e)));
    expect(answers.map((a) => a.status).filter((s) => s !== 201)).toEqual([]);
    expect(answers.reduce((n, a) => n + a.body.accepted, 0)).toBe(200);

    const stream = await tracker.services.projections.store.readStream(
      pairStreamId(PARTNER, TENANT, workload),
    );
    expect(stream.events.map((e) => e.version)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(new Set(stream.events.map((e) => e.event.id)).size).toBe(200);
    const head = await client.get(`pairs/${TENANT}/${workload}`);
    expect(head.body.timeline).toHaveLength(200);
  });

  it("the same event posted 3 times concurrently lands once", async () => {
    const e = guidance("triple", "defender-identity");
    const answers = await Promise.all([client.post(e), client.post(e), client.post(e)]);
    expect(answers.map((a) => a.body.accepted).sort()).toEqual([0, 0, 1]);
    expect(answers.map((a) => a.body.duplicates).sort()).toEqual([0, 1, 1]);
    const stream = await tracker.services.projections.store.readStream(
      pairStreamId(PARTNER, TENANT, "defender-identity"),
    );
    expect(stream.events.map((r) => r.event.id)).toEqual(["triple"]);
  });

  it("a batch appends each stream's events as one document and reports duplicates", async () => {
    const batch = [guidance("b-1", "intune"), guidance("b-2", "intune"), guidance("b-1", "intune")];
    const first = await client.post(batch);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ accepted: 2, duplicates: 1 });
    expect(first.body.pairs).toEqual([
      expect.objectContaining({ tenantId: TENANT, workload: "intune", stage: "none" }),
    ]);
    const again = await client.post(batch);
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 3 });
  });
});

describe("refusals change nothing in storage", () => {
  const fresh = () => guidance(`refused-${Math.random()}`, "sentinel");

  it.each([
    ["a bad signature", () => client.post(fresh(), { secret: "whsec_d3Jvbmctc2VjcmV0" }), 401],
    ["a stale timestamp", () => client.post(fresh(), { now: new Date(Date.now() - 6 * 60_000) }), 401],
    ["another partner's event", () => client.post({ ...fresh(), partnerid: OTHER_PARTNER }), 403],
    [
      "an oversized body",
      () =>
        client.post([fresh()], {
          rawBody: JSON.stringify([{ ...fresh(), data: { minutes: 1, topic: "x".repeat(1_100_000) } }]),
        }),
      413,
    ],
    ["a malformed event", () => client.post({ ...fresh(), data: { minutes: -1, topic: "t" } }), 400],
    [
      "a batch with one bad item",
      () => client.post([fresh(), fresh(), { ...fresh(), workload: "not-a-workload" }]),
      400,
    ],
    ["a body that is not JSON", () => client.post(undefined, { rawBody: "{not json" }), 400],
    ["a wrong content type", () => client.post(fresh(), { contentType: "text/plain" }), 415],
  ])("%s is refused with its problem document", async (_name, send, status) => {
    const before = await countEventDocuments();
    const answer = await send();
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({
      status,
      type: expect.stringMatching(/^\/problems\//),
      title: expect.any(String),
    });
    expect(await countEventDocuments()).toBe(before);
  });

  it("a malformed event's problem names each failing field by JSON path", async () => {
    const answer = await client.post([
      guidance("ok-1"),
      { ...guidance("bad-1"), time: "yesterday", data: { minutes: -1 } },
    ]);
    expect(answer.status).toBe(400);
    const paths = answer.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["$[1].time", "$[1].data.minutes", "$[1].data.topic"]));
  });
});

describe("reads are scoped to the caller's partner", () => {
  it("another partner's pair is a 404, and so is an unknown pair", async () => {
    await client.post(guidance("scoped-1", "entra-id-p1"));
    expect((await client.get(`pairs/${TENANT}/entra-id-p1`)).status).toBe(200);
    const foreign = await other.get(`pairs/${TENANT}/entra-id-p1`);
    expect(foreign.status).toBe(404);
    expect(foreign.body.type).toBe("/problems/not-found");
    expect((await client.get(`pairs/${TENANT}/copilot-m365`)).status).toBe(404);
  });

  it("a read without a valid API key is a 401", async () => {
    expect((await client.get("pairs", "wrong-key")).status).toBe(401);
  });

  it("lists and filters the caller's pairs with continuation paging", async () => {
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.get(
        `pairs?limit=3${token ? `&continuationToken=${encodeURIComponent(token)}` : ""}`,
      );
      expect(page.status).toBe(200);
      seen.push(
        ...page.body.items.map((p: { tenantId: string; workload: string }) => `${p.tenantId}|${p.workload}`),
      );
      token = page.body.continuationToken;
    } while (token);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toContain(`${TENANT}|purview-dlp`);
    const deployment = await client.get("pairs?stage=deployment&limit=200");
    expect(deployment.body.items.length).toBeGreaterThan(0);
    expect(deployment.body.items.every((p: { stage: string }) => p.stage === "deployment")).toBe(true);
    expect((await other.get("pairs")).body.items).toEqual([]);
    expect((await client.get("pairs?stage=nonsense")).status).toBe(400);
  });
});

describe("projections heal and follow the tenant", () => {
  it("an append whose projection never happened (a crash) is healed by the change feed", async () => {
    const streamId = pairStreamId(PARTNER, TENANT, "defender-office365");
    await tracker.services.projections.store.append(
      streamId,
      [guidance("crashed-1", "defender-office365") as never],
      0,
    );
    expect((await client.get(`pairs/${TENANT}/defender-office365`)).status).toBe(404);
    await tracker.drainChangeFeed();
    const healed = await client.get(`pairs/${TENANT}/defender-office365`);
    expect(healed.status).toBe(200);
    expect(healed.body.timeline.map((e: { id: string }) => e.id)).toEqual(["crashed-1"]);
    // ...and a redelivery of the crashed event is still a duplicate.
    expect((await client.post(guidance("crashed-1", "defender-office365"))).body.duplicates).toBe(1);
  });

  it("a tenant event re-derives every pair of that tenant", async () => {
    const tenant = "99999999-1111-4222-8333-444455556666";
    const pairEvent = (id: string, workload: string) =>
      event(
        id,
        "deployment.started",
        { activities: ["configuration"], delivery: "remote" },
        { tenantid: tenant, workload },
      );
    await client.post([pairEvent("t-1", "defender-endpoint"), pairEvent("t-2", "defender-identity")]);
    const before = await client.get(`pairs/${tenant}/defender-endpoint?asOf=2025-05-01T00:00:00Z`);
    expect(before.body.claim.eligibility).toBe("usage-incentive");
    const profile = event(
      "t-profile",
      "tenant.profiled",
      { customerName: "Agency", segment: "government-dod", publicSector: true, country: "US" },
      { tenantid: tenant, workload: undefined, time: "2025-01-01T00:00:00Z" },
    );
    const answer = await client.post(profile);
    expect(answer.body.pairs.map((p: { workload: string }) => p.workload).sort()).toEqual([
      "defender-endpoint",
      "defender-identity",
    ]);
    for (const workload of ["defender-endpoint", "defender-identity"]) {
      const after = await client.get(`pairs/${tenant}/${workload}?asOf=2025-05-01T00:00:00Z`);
      expect(after.body.claim.eligibility).toBe("excluded");
    }
  });
});

describe("service surfaces", () => {
  it("health reports Cosmos DB and Blob storage reachable", async () => {
    const health = await client.get("health");
    expect(health.status).toBe(200);
    expect(health.body.checks).toMatchObject({ cosmos: { ok: true }, blob: { ok: true } });
  });

  it("serves an OpenAPI 3.1 document generated from the event schemas", async () => {
    const doc = await client.get("openapi.json");
    expect(doc.body.openapi).toBe("3.1.0");
    expect(
      doc.body.components.schemas["deployment.started"].properties.data.properties.activities,
    ).toBeDefined();
    expect(doc.body.paths["/events"].post).toBeDefined();
  });

  it("an unknown route is a 404 problem, not a 500", async () => {
    const answer = await client.get("nope");
    expect(answer.status).toBe(404);
    expect(answer.body.type).toMatch(/^\/problems\//);
  });
});

describe("rebuild", () => {
  it("rebuilds every projection from the events, to the same states", async () => {
    const { projector, projections, containers } = tracker.services;
    const before = await client.get(
      `pairs/6f1c0107-3c4b-4f1e-9a51-2b7c0d9e0107/defender-endpoint?asOf=2025-05-22T00:00:00Z`,
    );
    const { resources: docs } = await containers.pairs.items
      .query("SELECT c.id, c.partnerId FROM c")
      .fetchAll();
    for (const d of docs) await containers.pairs.item(d.id, d.partnerId).delete();
    expect((await client.get(`pairs/6f1c0107-3c4b-4f1e-9a51-2b7c0d9e0107/defender-endpoint`)).status).toBe(
      404,
    );
    const rebuilt = await projector.rebuild(projections.store.listStreams());
    expect(rebuilt).toBeGreaterThan(10);
    const after = await client.get(
      `pairs/6f1c0107-3c4b-4f1e-9a51-2b7c0d9e0107/defender-endpoint?asOf=2025-05-22T00:00:00Z`,
    );
    expect(after.body).toEqual(before.body);
    expect(after.body.poe.missing).toEqual(["public-sector-disclosure"]);
  });
});
