import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pollChangeFeed } from "../infra/cosmos/change-feed.ts";
import { type CosmosConnection, connectCosmos, ensureContainers } from "../infra/cosmos/client.ts";
import { byPartner, DocumentCollection, DocumentConflict, type Page } from "../infra/cosmos/documents.ts";
import { CosmosEventStore } from "../infra/cosmos/event-store.ts";
import { type RunningCosmosEmulator, startCosmosEmulator } from "../infra/emulators/cosmos.ts";
import type { EventDocument } from "../infra/event-store.ts";

interface PairRow {
  id: string;
  partnerId: string;
  stage: string;
  n?: number;
}

let emulator: RunningCosmosEmulator;
let cosmos: CosmosConnection;

beforeAll(async () => {
  emulator = await startCosmosEmulator();
  cosmos = connectCosmos({ endpoint: emulator.endpoint, key: emulator.key, databaseId: "documents-test" });
});
afterAll(async () => {
  cosmos?.close();
  await emulator?.stop();
});

/** A database of its own, so change feeds from the beginning only see this test's documents. */
async function freshContainers() {
  return ensureContainers(cosmos.client.database(`db-${randomUUID()}`));
}

describe("DocumentCollection", () => {
  it("replaces only with the current etag; a stale etag is a DocumentConflict (412)", async () => {
    const pairs = new DocumentCollection<PairRow>((await freshContainers()).pairs, byPartner);
    const created = await pairs.create({ id: "p1", partnerId: "100", stage: "presales" });
    const first = await pairs.replace({ ...created.doc, stage: "deployment" }, created.etag);
    expect(first.etag).not.toBe(created.etag);

    const stale = pairs.replace({ ...created.doc, stage: "usage" }, created.etag);
    await expect(stale).rejects.toBeInstanceOf(DocumentConflict);
    await expect(stale).rejects.toMatchObject({ id: "p1", status: 412 });

    const stored = await pairs.read("100", "p1");
    expect(stored).toEqual({ doc: { id: "p1", partnerId: "100", stage: "deployment" }, etag: first.etag });
  });

  it("refuses to create an id that exists in the partition (409), and reads absent ids as undefined", async () => {
    const pairs = new DocumentCollection<PairRow>((await freshContainers()).pairs, byPartner);
    await pairs.create({ id: "p1", partnerId: "100", stage: "presales" });
    const again = pairs.create({ id: "p1", partnerId: "100", stage: "usage" });
    await expect(again).rejects.toMatchObject({ name: "DocumentConflict", status: 409 });
    await expect(pairs.read("100", "nope")).resolves.toBeUndefined();
    expect((await pairs.read("100", "p1"))?.doc.stage).toBe("presales");
  });

  it("upserts and deletes", async () => {
    const alerts = new DocumentCollection<PairRow>((await freshContainers()).alerts, byPartner);
    await alerts.upsert({ id: "a1", partnerId: "100", stage: "open" });
    const second = await alerts.upsert({ id: "a1", partnerId: "100", stage: "closed" });
    expect(await alerts.read("100", "a1")).toEqual({ doc: second.doc, etag: second.etag });
    await expect(alerts.delete("100", "a1")).resolves.toBe(true);
    await expect(alerts.delete("100", "a1")).resolves.toBe(false);
    await expect(alerts.read("100", "a1")).resolves.toBeUndefined();
  });

  it("pages a query with continuation tokens, within a partition and across partitions", async () => {
    const scores = new DocumentCollection<PairRow>((await freshContainers()).scores, byPartner);
    for (let n = 0; n < 7; n++) await scores.create({ id: `s${n}`, partnerId: "100", stage: "x", n });
    for (let n = 7; n < 10; n++) await scores.create({ id: `s${n}`, partnerId: "200", stage: "x", n });

    const pageSizes: number[] = [];
    const seen: number[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await scores.query<PairRow>(
        "100",
        "SELECT * FROM c WHERE c.partnerId = @p ORDER BY c.n",
        [{ name: "@p", value: "100" }],
        { maxItemCount: 3, continuationToken },
      );
      pageSizes.push(page.items.length);
      seen.push(...page.items.map((i) => i.n!));
      continuationToken = page.continuationToken;
    } while (continuationToken);
    expect(pageSizes).toEqual([3, 3, 1]);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6]);

    const everywhere: string[] = [];
    continuationToken = undefined;
    do {
      const page: Page<string> = await scores.query<string>(undefined, "SELECT VALUE c.id FROM c", [], {
        maxItemCount: 4,
        continuationToken,
      });
      expect(page.items.length).toBeLessThanOrEqual(4);
      everywhere.push(...page.items);
      continuationToken = page.continuationToken;
    } while (continuationToken);
    expect(everywhere.sort()).toEqual(Array.from({ length: 10 }, (_, n) => `s${n}`).sort());
  });
});

describe("change feed poller", () => {
  const event = (id: string) => ({ source: "test", id });

  it("delivers every appended document exactly once, then resumes from its lease after stop/start", async () => {
    const { events, leases } = await freshContainers();
    const store = new CosmosEventStore(events);
    const delivered: string[] = [];
    const handle = async (docs: EventDocument[]) => {
      delivered.push(...docs.map((d) => d.id));
    };

    for (let i = 0; i < 5; i++) await store.append(`100|t${i}`, [event(`a${i}`), event(`b${i}`)], 0);
    const poller = pollChangeFeed(events, handle, {
      intervalMs: 20,
      leases,
      leaseId: "test",
      maxItemCount: 2,
    });
    await poller.drain();
    expect(delivered.sort()).toEqual(["100|t0:1", "100|t1:1", "100|t2:1", "100|t3:1", "100|t4:1"]);

    // Steady state: new appends arrive once each, nothing is repeated.
    for (let i = 0; i < 5; i++) await store.append(`100|t${i}`, [event(`c${i}`)], 2);
    await poller.drain();
    await poller.drain();
    expect(delivered).toHaveLength(10);
    expect(new Set(delivered).size).toBe(10);
    await poller.stop();

    // Written while no poller runs; a new poller on the same lease picks up exactly these.
    await store.append("100|t0", [event("d0")], 3);
    await store.append("200", [event("e0")], 0);
    const afterRestart: string[] = [];
    const restarted = pollChangeFeed<EventDocument>(
      events,
      async (docs) => {
        afterRestart.push(...docs.map((d) => d.id));
      },
      { intervalMs: 20, leases, leaseId: "test" },
    );
    await restarted.drain();
    await restarted.stop();
    expect(afterRestart.sort()).toEqual(["100|t0:4", "200:1"]);

    const lease = await leases.item("test", "test").read();
    expect(lease.resource?.continuationToken).toEqual(expect.any(String));
  });

  it("retries a failed batch before moving on (at least once)", async () => {
    const { events } = await freshContainers();
    const store = new CosmosEventStore(events);
    await store.append("100|t1", [event("a")], 0);
    await store.append("100|t2", [event("b")], 0);
    const attempts: string[][] = [];
    const errors: unknown[] = [];
    const poller = pollChangeFeed<EventDocument>(
      events,
      async (docs) => {
        attempts.push(docs.map((d) => d.id));
        if (attempts.length < 3) throw new Error("projection store unavailable");
      },
      { intervalMs: 5, onError: (error) => errors.push(error) },
    );
    await poller.drain();
    await poller.stop();
    expect(errors).toHaveLength(2);
    expect(attempts).toHaveLength(3);
    expect(attempts[0]).toEqual(["100|t1:1", "100|t2:1"]);
    expect(attempts[2]).toEqual(attempts[0]);
  });

  it("rejects a drain that can no longer happen because the poller stopped", async () => {
    const { events } = await freshContainers();
    const poller = pollChangeFeed(events, async () => {}, { intervalMs: 5 });
    await poller.stop();
    await expect(poller.drain()).rejects.toThrow(/stopped/);
  });
});

describe("request counter", () => {
  it("counts each request sent to Cosmos, failed ones included, until reset", async () => {
    const { pairs } = await freshContainers();
    const collection = new DocumentCollection<PairRow>(pairs, byPartner);
    await collection.create({ id: "p1", partnerId: "100", stage: "presales" });

    cosmos.requests.reset();
    expect(cosmos.requests.total).toBe(0);
    await collection.read("100", "p1");
    await collection.read("100", "absent");
    await expect(collection.create({ id: "p1", partnerId: "100", stage: "x" })).rejects.toThrow(
      DocumentConflict,
    );
    expect(cosmos.requests.total).toBe(3);
    expect(cosmos.requests.byKind()).toEqual({ "read docs": 2, "create docs": 1 });
  });
});

describe("emulator in a separate process", () => {
  it("serves the same protocol from a child process, which stops with it", async () => {
    const child = await startCosmosEmulator({ separateProcess: true });
    const connection = connectCosmos({ endpoint: child.endpoint, key: child.key, databaseId: "child" });
    try {
      expect(child.pid).not.toBe(process.pid);
      const store = new CosmosEventStore((await ensureContainers(connection.database)).events);
      await store.append("100", [event("x")], 0);
      await expect(store.readStream("100")).resolves.toMatchObject({ version: 1 });
    } finally {
      connection.close();
      await child.stop();
    }
    expect(() => process.kill(child.pid, 0)).toThrow();
  });

  function event(id: string) {
    return { source: "test", id };
  }
});
