import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConcurrencyError, type EventStore, type StreamEvent } from "../../infra/event-store.ts";

/**
 * The behaviour every EventStore must have, run against each implementation. Streams get fresh ids per test
 * so a store shared across tests (an emulator, a real account) needs no cleanup.
 */
export function eventStoreContract(name: string, makeStore: () => EventStore | Promise<EventStore>) {
  describe(`EventStore contract: ${name}`, () => {
    const partner = () => String(Math.floor(Math.random() * 1e9));
    const pairStream = () => `${partner()}|${randomUUID()}|Teams`;
    const event = (n: number, extra: Record<string, unknown> = {}): StreamEvent => ({
      source: "test/contract",
      id: randomUUID(),
      type: "deployment.started",
      data: { n, ...extra },
    });

    it("reads an empty stream as version 0 with no events", async () => {
      const store = await makeStore();
      const streamId = pairStream();
      await expect(store.readStream(streamId)).resolves.toEqual({ events: [], version: 0 });
      await expect(store.readForward(streamId, 1)).resolves.toEqual({ events: [], version: 0 });
    });

    it("round-trips events with gapless versions across appends", async () => {
      const store = await makeStore();
      const streamId = pairStream();
      const first = [event(1), event(2)];
      const second = [event(3)];
      const third = [event(4), event(5), event(6, { nested: { list: [1, "two", null], flag: true } })];

      await expect(store.append(streamId, first, 0)).resolves.toEqual({ firstVersion: 1, lastVersion: 2 });
      await expect(store.append(streamId, second, 2)).resolves.toEqual({ firstVersion: 3, lastVersion: 3 });
      await expect(store.append(streamId, third, 3)).resolves.toEqual({ firstVersion: 4, lastVersion: 6 });

      const expected = [...first, ...second, ...third].map((e, i) => ({
        streamId,
        version: i + 1,
        event: e,
      }));
      await expect(store.readForward(streamId, 1)).resolves.toEqual({ events: expected, version: 6 });
      await expect(store.readStream(streamId)).resolves.toEqual({ events: expected, version: 6 });
    });

    it("rejects an append at a stale expected version and leaves the stream unchanged", async () => {
      const store = await makeStore();
      const streamId = pairStream();
      await store.append(streamId, [event(1)], 0);
      await store.append(streamId, [event(2)], 1);

      const stale = store.append(streamId, [event(99)], 1);
      await expect(stale).rejects.toBeInstanceOf(ConcurrencyError);
      await expect(stale).rejects.toMatchObject({ streamId, expectedVersion: 1 });
      await expect(store.append(streamId, [event(99)], 0)).rejects.toBeInstanceOf(ConcurrencyError);

      const { events, version } = await store.readStream(streamId);
      expect(version).toBe(2);
      expect(events.map((e) => e.event.data)).toEqual([{ n: 1 }, { n: 2 }]);
    });

    it("keeps a multi-event append all-or-nothing: a losing append leaves none of its events", async () => {
      const store = await makeStore();
      const streamId = pairStream();
      const winner = [event(1), event(2), event(3)];
      const loser = [event(10), event(11), event(12), event(13)];
      await store.append(streamId, winner, 0);
      await expect(store.append(streamId, loser, 0)).rejects.toBeInstanceOf(ConcurrencyError);

      const read = await store.readStream(streamId);
      expect(read.version).toBe(3);
      expect(read.events.map((e) => e.event)).toEqual(winner);
      // The unit is readable as a unit: reading from its first version returns all of it.
      const forward = await store.readForward(streamId, 1);
      expect(forward.events.map((e) => e.version)).toEqual([1, 2, 3]);
    });

    it("lets exactly one of many concurrent appends at the same expected version win", async () => {
      const store = await makeStore();
      const streamId = pairStream();
      await store.append(streamId, [event(0)], 0);
      const contenders = Array.from({ length: 8 }, (_, i) => [event(100 + i), event(200 + i)]);

      const outcomes = await Promise.allSettled(
        contenders.map((events) => store.append(streamId, events, 1)),
      );

      const won = outcomes.flatMap((o, i) => (o.status === "fulfilled" ? [i] : []));
      const lost = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason] : []));
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(contenders.length - 1);
      for (const reason of lost) expect(reason).toBeInstanceOf(ConcurrencyError);
      const winner = contenders[won[0]!]!;
      const { events, version } = await store.readStream(streamId);
      expect(version).toBe(3);
      expect(events.slice(1).map((e) => e.event)).toEqual(winner);
    });

    it("reads forward from a later document's first version, and is empty when caught up", async () => {
      const store = await makeStore();
      const streamId = pairStream();
      await store.append(streamId, [event(1), event(2)], 0);
      await store.append(streamId, [event(3), event(4)], 2);
      await store.append(streamId, [event(5)], 4);

      const fromThree = await store.readForward(streamId, 3);
      expect(fromThree.version).toBe(5);
      expect(fromThree.events.map((e) => [e.version, e.event.data])).toEqual([
        [3, { n: 3 }],
        [4, { n: 4 }],
        [5, { n: 5 }],
      ]);
      await expect(store.readForward(streamId, 6)).resolves.toEqual({ events: [], version: 5 });

      // A reader that caught up sees exactly what is appended after.
      await store.append(streamId, [event(6)], 5);
      const next = await store.readForward(streamId, 6);
      expect(next.events.map((e) => e.version)).toEqual([6]);
      expect(next.version).toBe(6);
    });

    it("says whether a stream holds an event by (source, id), in any document, and only in that stream", async () => {
      const store = await makeStore();
      const streamId = pairStream();
      const [first, second, third] = [event(1), event(2), event(3)];
      await store.append(streamId, [first!, second!], 0);
      await store.append(streamId, [third!], 2);
      for (const e of [first!, second!, third!]) expect(await store.holds(streamId, e)).toBe(true);
      expect(await store.holds(streamId, { source: first!.source, id: randomUUID() })).toBe(false);
      expect(await store.holds(streamId, { source: "test/other", id: first!.id })).toBe(false);
      expect(await store.holds(pairStream(), first!)).toBe(false);
    });

    it("lists every stream once, whatever the number of documents in it", async () => {
      const store = await makeStore();
      const partnerId = partner();
      const tenantId = randomUUID();
      const streams = [`${partnerId}|${tenantId}|Teams`, `${partnerId}|${tenantId}`, partnerId];
      for (const streamId of streams) {
        await store.append(streamId, [event(1)], 0);
        await store.append(streamId, [event(2)], 1);
      }

      const listed: string[] = [];
      for await (const streamId of store.listStreams()) listed.push(streamId);

      for (const streamId of streams) expect(listed.filter((s) => s === streamId)).toHaveLength(1);
      expect(new Set(listed).size).toBe(listed.length);
    });

    it("refuses appends that could not be stored as one document in the chain", async () => {
      const store = await makeStore();
      const streamId = pairStream();
      await expect(store.append(streamId, [], 0)).rejects.toBeInstanceOf(RangeError);
      await expect(store.append(streamId, [event(1)], -1)).rejects.toBeInstanceOf(RangeError);
      await expect(store.append("partner/with/slash", [event(1)], 0)).rejects.toBeInstanceOf(RangeError);
      await expect(store.readStream(streamId)).resolves.toEqual({ events: [], version: 0 });
    });
  });
}
