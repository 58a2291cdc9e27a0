// Issue 10: the idempotency key over real HTTP. (source, id) used to be joined with `\0`, so source
// `crm://x\0y` + id `I` and source `crm://x` + id `y\0I` were one key: the second was answered 202 and
// never stored. Also: a redelivery long after (its original folded into the head's snapshot) is still
// a duplicate.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalTracker, startLocalTracker } from "../../infra/devhost/local-tracker.ts";
import type { EventDocument } from "../../infra/event-store.ts";
import { TrackerClient } from "../../scripts/tracker-client.ts";

const PARTNER = "4811223";
let tracker: LocalTracker;
let client: TrackerClient;

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
});
afterAll(async () => {
  await tracker?.stop();
});

const guidance = (tenant: string, source: string, id: string, day = 1) => ({
  specversion: "1.0",
  source,
  id,
  type: "guidance.session.logged",
  time: new Date(Date.UTC(2025, 0, day, 9)).toISOString(),
  partnerid: PARTNER,
  tenantid: tenant,
  workload: "defender-endpoint",
  data: { minutes: 30, topic: `call ${id}` },
});

async function storedIds(tenant: string): Promise<[string, string][]> {
  const streamId = `${PARTNER}|${tenant}|defender-endpoint`;
  const { resources } = await tracker.services.containers.events.items
    .query<EventDocument>({
      query: "SELECT * FROM c WHERE c.streamId = @s",
      parameters: [{ name: "@s", value: streamId }],
    })
    .fetchAll();
  return resources.flatMap((d) => d.events.map((e) => [e.source, e.id] as [string, string]));
}

describe("the idempotency key over HTTP", () => {
  it("keeps two events whose source and id only collide when joined with a separator", async () => {
    const tenant = randomUUID();
    const first = await client.post(guidance(tenant, "crm://x\u0000y", "I"));
    const second = await client.post(guidance(tenant, "crm://x", "y\u0000I"));
    // The intake may refuse control characters outright (400); what it must never do is take the
    // second for a duplicate of the first.
    if (first.status === 400) {
      expect(second.status).toBe(400);
      return;
    }
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    const stored = await storedIds(tenant);
    expect(stored).toHaveLength(2);
    expect(stored).toContainEqual(["crm://x", "y\u0000I"]);
    expect(stored).toContainEqual(["crm://x\u0000y", "I"]);
    // Each one delivered again is a duplicate of itself only.
    expect((await client.post(guidance(tenant, "crm://x", "y\u0000I"))).status).toBe(202);
  });

  it("the same separator trick with printable characters cannot collide either", async () => {
    const tenant = randomUUID();
    expect((await client.post(guidance(tenant, 'crm://x","y', "I"))).status).toBe(201);
    expect((await client.post(guidance(tenant, "crm://x", 'y","I'))).status).toBe(201);
    expect(await storedIds(tenant)).toHaveLength(2);
  });

  it("answers a redelivery long after (its original folded into the head's snapshot) 202 and stores nothing", async () => {
    const tenant = randomUUID();
    for (let day = 1; day <= 60; day++)
      expect((await client.post(guidance(tenant, "crm://late", `e${day}`, day))).status).toBe(201);
    const again = await client.post(guidance(tenant, "crm://late", "e1", 1));
    expect(again.status).toBe(202);
    expect(await storedIds(tenant)).toHaveLength(60);
  });
});

describe("group commit over HTTP", () => {
  it("a delivery the store refuses fails alone; the others posted to the same pair at that moment are stored and answered 201", async () => {
    const tenant = randomUUID();
    // The fault (the store refusing one append, e.g. an item over its size limit) is injected at the
    // storage client: a valid event the store cannot take is not something a request can cause any more.
    const store = tracker.services.projections.store;
    const append = store.append.bind(store);
    const refusedGroups: number[] = [];
    let hold = false;
    store.append = async (streamId, events, expected) => {
      // The burst's first append waits a moment, so the posts behind it queue into one group.
      if (hold) {
        hold = false;
        await new Promise((r) => setTimeout(r, 300));
      }
      if (events.some((e) => e.id === "refused")) {
        refusedGroups.push(events.length);
        throw Object.assign(new Error("Request size is too large"), { code: 413 });
      }
      return append(streamId, events, expected);
    };
    try {
      expect((await client.post(guidance(tenant, "crm://group", "first"))).status).toBe(201);
      hold = true;
      const posts = Array.from({ length: 40 }, (_, i) =>
        client.post(guidance(tenant, "crm://group", i === 17 ? "refused" : `e${i}`, 1 + (i % 28))),
      );
      const answers = await Promise.all(posts);
      expect(answers[17]!.status).toBeGreaterThanOrEqual(500);
      expect(answers.filter((a, i) => i !== 17 && a.status === 201)).toHaveLength(39);
      const stored = (await storedIds(tenant)).map(([, id]) => id);
      expect(stored).toHaveLength(40);
      expect(stored).not.toContain("refused");
      // It was refused inside a group first, then alone.
      expect(refusedGroups.some((n) => n > 1)).toBe(true);
      expect(refusedGroups.at(-1)).toBe(1);
    } finally {
      store.append = append;
    }
  });
});
