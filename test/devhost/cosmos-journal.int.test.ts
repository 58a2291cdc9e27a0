// The emulator's journal: what was acknowledged comes back after a restart, with its etag, in change-feed
// order, and later writes neither collide with restored ids nor lose their place in the change feed.

import { appendFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChangeFeedStartFrom } from "@azure/cosmos";
import { afterAll, describe, expect, it } from "vitest";
import { connectCosmos } from "../../infra/cosmos/client.ts";
import { startCosmosEmulator } from "../../infra/emulators/cosmos.ts";

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function open(dataDir: string, fresh = false) {
  const emulator = await startCosmosEmulator({ dataDir, fresh });
  const cosmos = connectCosmos({ endpoint: emulator.endpoint, key: emulator.key, databaseId: "journal" });
  const { database } = await cosmos.client.databases.createIfNotExists({ id: "journal" });
  const { container } = await database.containers.createIfNotExists({
    id: "docs",
    partitionKey: { paths: ["/pk"] },
  });
  return {
    emulator,
    container,
    async stop() {
      cosmos.close();
      await emulator.stop();
    },
  };
}

describe("Cosmos emulator journal", () => {
  it("restores creates, replaces and deletes, keeps etags, and numbers new documents after the old", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cosmos-journal-"));
    dirs.push(dir);
    const first = await open(dir);
    expect(first.emulator.loaded).toBe(0);
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        first.container.items.create({ id: `d${i}`, pk: `p${i % 5}`, n: i }),
      ),
    );
    const { resource: replaced } = await first.container
      .item("d7", "p2")
      .replace({ id: "d7", pk: "p2", n: 700 });
    await first.container.item("d8", "p3").delete();
    await first.container.items.create({ id: "ünïcode-✓", pk: "p0", text: "é".repeat(5000) });
    await first.stop();

    const second = await open(dir);
    expect(second.emulator.loaded).toBe(50);
    const { resource: d7 } = await second.container.item("d7", "p2").read();
    expect(d7.n).toBe(700);
    expect(d7._etag).toBe(replaced!._etag);
    expect((await second.container.item("d8", "p3").read()).statusCode).toBe(404);
    expect((await second.container.item("ünïcode-✓", "p0").read()).resource.text).toHaveLength(5000);
    // A create after the restart gets a fresh resource id, not one already in use.
    await second.container.items.create({ id: "after", pk: "p1" });
    const { resources } = await second.container.items.query("SELECT c.id, c._rid FROM c").fetchAll();
    expect(new Set(resources.map((r) => r._rid)).size).toBe(resources.length);
    // The change feed from the beginning ends with the replaced document and the new one, in write order.
    const feed = second.container.items.getChangeFeedIterator({
      changeFeedStartFrom: ChangeFeedStartFrom.Beginning(),
    });
    const seen: string[] = [];
    while (feed.hasMoreResults) {
      const page = await feed.readNext();
      if (page.statusCode === 304) break;
      seen.push(...page.result.map((d: { id: string }) => d.id));
    }
    expect(seen.slice(-3)).toEqual(["d7", "ünïcode-✓", "after"]);
    await second.stop();

    // A write cut short by kill -9 leaves a torn last line: it is dropped, and later writes are not spoilt.
    appendFileSync(join(dir, "cosmos.journal"), '{"o":"s","p":"/dbs/x","n":9,"d":{"id":"torn"');
    const third = await open(dir);
    expect(third.emulator.loaded).toBe(51);
    await third.container.items.create({ id: "after-torn", pk: "p1" });
    await third.stop();
    const fourth = await open(dir);
    expect(fourth.emulator.loaded).toBe(52);
    expect((await fourth.container.item("after-torn", "p1").read()).statusCode).toBe(200);
    expect((await fourth.container.item("d7", "p2").read()).resource.n).toBe(700);
    await fourth.stop();

    const fresh = await open(dir, true);
    expect(fresh.emulator.loaded).toBe(0);
    expect((await fresh.container.item("d7", "p2").read()).statusCode).toBe(404);
    await fresh.stop();
  });
});
