import { describe, expect, it } from "vitest";
import { eventDocument, InMemoryEventStore, streamAddress } from "../../infra/event-store.ts";
import { eventStoreContract } from "./contract.ts";

eventStoreContract("in memory", () => new InMemoryEventStore());

describe("event documents", () => {
  it("denormalize the stream address for the change feed and queries", () => {
    const at = new Date("2025-03-01T10:00:00.000Z");
    const doc = eventDocument(
      "4242|b5c6a1c0-0000-4000-8000-000000000001|Teams",
      [{ source: "s", id: "e1" }],
      4,
      at,
    );
    expect(doc).toEqual({
      id: "4242|b5c6a1c0-0000-4000-8000-000000000001|Teams:5",
      streamId: "4242|b5c6a1c0-0000-4000-8000-000000000001|Teams",
      partnerId: "4242",
      kind: "pair",
      tenantId: "b5c6a1c0-0000-4000-8000-000000000001",
      workload: "Teams",
      firstVersion: 5,
      lastVersion: 5,
      recordedAt: "2025-03-01T10:00:00.000Z",
      events: [{ source: "s", id: "e1" }],
    });
  });

  it("tell the stream kind from the shape of the stream id", () => {
    expect(streamAddress("4242")).toEqual({ partnerId: "4242", kind: "partner" });
    expect(streamAddress("4242|t1")).toEqual({ partnerId: "4242", kind: "tenant", tenantId: "t1" });
    expect(streamAddress("4242|t1|Teams")).toEqual({
      partnerId: "4242",
      kind: "pair",
      tenantId: "t1",
      workload: "Teams",
    });
    for (const bad of ["", "a||b", "a|b|c|d", "a|b#c", "a?b"])
      expect(() => streamAddress(bad)).toThrow(RangeError);
  });

  it("are copies: mutating what was appended or read does not change the stream", async () => {
    const store = new InMemoryEventStore();
    const appended = { source: "s", id: "e1", data: { n: 1 } };
    await store.append("4242", [appended], 0);
    appended.data.n = 2;
    const first = await store.readStream("4242");
    (first.events[0]!.event.data as { n: number }).n = 3;
    const second = await store.readStream("4242");
    expect(second.events[0]!.event).toEqual({ source: "s", id: "e1", data: { n: 1 } });
  });
});
