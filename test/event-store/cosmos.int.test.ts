import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CosmosConnection,
  type CosmosContainers,
  connectCosmos,
  cosmosFromEnv,
  ensureContainers,
} from "../../infra/cosmos/client.ts";
import { CosmosEventStore } from "../../infra/cosmos/event-store.ts";
import { type RunningCosmosEmulator, startCosmosEmulator } from "../../infra/emulators/cosmos.ts";
import type { EventDocument } from "../../infra/event-store.ts";
import { eventStoreContract } from "./contract.ts";

describe("Cosmos event store on the emulator", () => {
  let emulator: RunningCosmosEmulator;
  let cosmos: CosmosConnection;
  let containers: CosmosContainers;
  let store: CosmosEventStore;

  beforeAll(async () => {
    emulator = await startCosmosEmulator();
    cosmos = connectCosmos({
      endpoint: emulator.endpoint,
      key: emulator.key,
      databaseId: "event-store-test",
    });
    containers = await ensureContainers(cosmos.database);
    store = new CosmosEventStore(containers.events, () => new Date("2025-03-01T10:00:00.000Z"));
  });
  afterAll(async () => {
    cosmos?.close();
    await emulator?.stop();
  });

  eventStoreContract("Cosmos (emulator)", () => store);

  it("stores one immutable document per append, with the stream address denormalized", async () => {
    const tenantId = randomUUID();
    const streamId = `31337|${tenantId}|Intune`;
    const events = [
      { source: "test", id: "e1", type: "deployment.started" },
      { source: "test", id: "e2", type: "deployment.completed" },
    ];
    await store.append(streamId, events, 0);

    const { resource } = await containers.events.item(`${streamId}:1`, streamId).read<EventDocument>();
    expect(resource).toMatchObject({
      id: `${streamId}:1`,
      streamId,
      partnerId: "31337",
      kind: "pair",
      tenantId,
      workload: "Intune",
      firstVersion: 1,
      lastVersion: 2,
      recordedAt: "2025-03-01T10:00:00.000Z",
      events,
    });
  });

  it("costs one request per append and one per document read plus the miss that ends a readForward", async () => {
    const streamId = `31337|${randomUUID()}`;
    // Warm the SDK's metadata caches (account, container definition) so only the data requests are counted.
    await store.append(`31337|${randomUUID()}`, [{ source: "test", id: "warm" }], 0);
    await store.readForward(streamId, 1);

    cosmos.requests.reset();
    await store.append(
      streamId,
      [
        { source: "test", id: "a" },
        { source: "test", id: "b" },
      ],
      0,
    );
    expect(cosmos.requests.total).toBe(1);

    cosmos.requests.reset();
    await store.readForward(streamId, 1);
    expect(cosmos.requests.byKind()).toEqual({ "read docs": 2 });

    cosmos.requests.reset();
    await store.append(streamId, [{ source: "test", id: "c" }], 2);
    await store.readForward(streamId, 1);
    expect(cosmos.requests.byKind()).toEqual({ "create docs": 1, "read docs": 3 });
  });
});

const real = cosmosFromEnv();
describe.runIf(real)("Cosmos event store on real Cosmos (COSMOS_ENDPOINT)", () => {
  let store: CosmosEventStore;
  beforeAll(async () => {
    store = new CosmosEventStore((await ensureContainers(real!.database)).events);
  });
  afterAll(() => real?.close());

  eventStoreContract("Cosmos (real)", () => store);
});
