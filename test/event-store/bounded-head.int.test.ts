// Issue 12: the bounded head against the Cosmos emulator through @azure/cosmos. The head's state must
// always equal the evaluator's fold of the whole streams, whatever the arrival order, however long the
// stream, and after redeliveries long after, late events, voids, a crash between the two writes, and
// a store written by an earlier storage format (the first: whole streams; the second: one-letter names).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventRecorder } from "../../application/event-recorder.ts";
import { idempotencyKey } from "../../application/idempotency.ts";
import { scoringFactsOfHead } from "../../application/scoring-source.ts";
import {
  HEAD_FORMAT,
  type PairDocument,
  type ProjectionDocument,
  pairStateAt,
  TAIL_MAX,
  tenantDocumentId,
} from "../../application/stream-head.ts";
import { buildServices, type Services } from "../../composition/services.ts";
import type { EngagementEvent } from "../../domain/events.ts";
import { evaluatePair, pairKeyOf } from "../../domain/fold.ts";
import {
  type CosmosConnection,
  type CosmosContainers,
  connectCosmos,
  ensureContainers,
} from "../../infra/cosmos/client.ts";
import { byPartner, DocumentCollection } from "../../infra/cosmos/documents.ts";
import { type RunningCosmosEmulator, startCosmosEmulator } from "../../infra/emulators/cosmos.ts";
import type { EventDocument } from "../../infra/event-store.ts";

const PARTNER = "4811223";
const NOW = new Date("2026-06-01T12:00:00Z");
const DAY = 86_400_000;

let emulator: RunningCosmosEmulator;
let cosmos: CosmosConnection;
let containers: CosmosContainers;
let services: Services;

beforeAll(async () => {
  emulator = await startCosmosEmulator();
  cosmos = connectCosmos({ endpoint: emulator.endpoint, key: emulator.key, databaseId: "bounded-head" });
  containers = await ensureContainers(cosmos.database);
  services = fresh();
});
afterAll(async () => {
  cosmos?.close();
  await emulator?.stop();
});

/** A new instance: its own head cache (another process, or this one after a restart). */
function fresh(over: Partial<Parameters<typeof buildServices>[0]> = {}): Services {
  return buildServices({
    cosmos,
    containers,
    access: { sources: [], apiKeys: [] },
    clock: () => NOW,
    ...over,
  });
}

const at = (day: number) => new Date(Date.UTC(2024, 0, 1) + day * DAY).toISOString().replace(".000Z", "Z");

function pairEvent(tenant: string, n: number, day: number, workload = "defender-endpoint"): EngagementEvent {
  const base = { specversion: "1.0", source: "crm://head", partnerid: PARTNER, tenantid: tenant, workload };
  const kind = n % 4;
  if (kind === 0)
    return {
      ...base,
      id: `e${n}`,
      time: at(day),
      type: "usage.reported",
      data: { month: at(day).slice(0, 7), mau: 100 + n, pau: 1000 },
    } as EngagementEvent;
  if (kind === 1)
    return {
      ...base,
      id: `e${n}`,
      time: at(day),
      type: "adoption.activity.logged",
      data: {
        kind: "admin-enablement",
        handsOn: true,
        audience: "admins",
        delivery: "remote",
        durationDays: 3,
      },
    } as EngagementEvent;
  return {
    ...base,
    id: `e${n}`,
    time: at(day),
    type: "guidance.session.logged",
    data: { minutes: 30, topic: `call ${n}` },
  } as EngagementEvent;
}

function profile(tenant: string, id: string, day: number, segment = "commercial"): EngagementEvent {
  return {
    specversion: "1.0",
    source: "crm://head",
    id,
    time: at(day),
    type: "tenant.profiled",
    partnerid: PARTNER,
    tenantid: tenant,
    data: { customerName: `Customer ${id}`, segment, publicSector: false, country: "DE" },
  } as EngagementEvent;
}

const pairStream = (tenant: string, workload = "defender-endpoint") => `${PARTNER}|${tenant}|${workload}`;
const tenantStream = (tenant: string) => `${PARTNER}|${tenant}`;

async function head(tenant: string, workload = "defender-endpoint"): Promise<PairDocument> {
  const found = await services.projections.docs.read(PARTNER, `pair|${tenant}|${workload}`);
  return found!.doc as PairDocument;
}

/** The evaluator's state from the whole streams, as stored. */
async function expected(tenant: string, workload = "defender-endpoint") {
  const own = await services.projections.store.readStream(pairStream(tenant, workload));
  const ten = await services.projections.store.readStream(tenantStream(tenant));
  const { asOf: _a, ...state } = evaluatePair(
    pairKeyOf(pairStream(tenant, workload)),
    own.events.map((e) => e.event as EngagementEvent),
    ten.events.map((e) => e.event as EngagementEvent),
    NOW.toISOString(),
  );
  return state;
}

const withoutAsOf = ({ asOf: _a, ...state }: PairDocument["state"]) => state;

/** What `npm run rebuild` does for one tenant's streams: fold every head again from the event documents. */
async function rebuildPair(instance: Services, tenant: string) {
  await instance.projector.rebuild(
    (async function* () {
      yield tenantStream(tenant);
      yield pairStream(tenant);
    })(),
  );
}

async function record(recorder: EventRecorder, streamId: string, events: EngagementEvent[]) {
  return recorder.record(streamId, events);
}

describe("a bounded head", () => {
  it("keeps at most TAIL_MAX events however long the stream, and folds to the evaluator's state", async () => {
    const tenant = randomUUID();
    await record(services.recorder, tenantStream(tenant), [profile(tenant, "p1", 0)]);
    for (let n = 1; n <= 150; n++)
      await record(services.recorder, pairStream(tenant), [pairEvent(tenant, n, n)]);
    const doc = await head(tenant);
    expect(doc.format).toBe(HEAD_FORMAT);
    expect(doc.version).toBe(150);
    expect(doc.tail.length).toBeLessThanOrEqual(TAIL_MAX);
    expect(doc.snapshot.cut).not.toBeNull();
    expect(doc.tail.some((e) => e.id === "e1")).toBe(false);
    expect(JSON.stringify(doc).length).toBeLessThan(64 * 1024);
    expect(withoutAsOf(doc.state)).toEqual(await expected(tenant));
    expect(doc.customerName).toBe("Customer p1");
  });

  it("takes a redelivery long after as a duplicate, and a late event by refolding from the event documents", async () => {
    const tenant = randomUUID();
    const events = Array.from({ length: 80 }, (_, i) => pairEvent(tenant, i + 1, 10 + i));
    for (const e of events) await record(services.recorder, pairStream(tenant), [e]);
    // e1 folded into the snapshot 48 events ago: only the event documents can tell it was stored.
    const again = await record(fresh().recorder, pairStream(tenant), [events[0]!]);
    expect(again.accepted).toEqual([]);
    expect(again.duplicates).toHaveLength(1);
    const stream = await services.projections.store.readStream(pairStream(tenant));
    expect(stream.version).toBe(80);
    // A genuinely new event dated before the cut lands, and the state folds it in its place.
    const late = { ...pairEvent(tenant, 1001, 2), id: "late" } as EngagementEvent;
    const landed = await record(services.recorder, pairStream(tenant), [late]);
    expect(landed.accepted).toHaveLength(1);
    const doc = await head(tenant);
    expect(doc.version).toBe(81);
    expect(withoutAsOf(doc.state)).toEqual(await expected(tenant));
    // And delivered once more, long after, it is a duplicate too.
    expect((await record(services.recorder, pairStream(tenant), [late])).duplicates).toHaveLength(1);
  });

  it("takes a resend of an event folded long ago, under another time after the cut, as a duplicate", async () => {
    const tenant = randomUUID();
    const events = Array.from({ length: 40 }, (_, i) => pairEvent(tenant, i + 1, 10 + i));
    for (const e of events) await record(services.recorder, pairStream(tenant), [e]);
    const before = await head(tenant);
    expect(before.snapshot.foldedKeys).toBeDefined();
    // The CRM resends e1 (folded 32 events ago) stamped with today's time: its key, not its time, is the event.
    const resent = { ...events[0]!, time: at(400) } as EngagementEvent;
    for (const recorder of [services.recorder, fresh().recorder]) {
      const again = await record(recorder, pairStream(tenant), [resent]);
      expect(again.accepted).toEqual([]);
      expect(again.duplicates).toHaveLength(1);
    }
    expect((await services.projections.store.readStream(pairStream(tenant))).version).toBe(40);
    // A new event after the cut is still taken the cheap way, and its key joins the filter when folded.
    const next = { ...pairEvent(tenant, 41, 50), id: "after" } as EngagementEvent;
    expect((await record(services.recorder, pairStream(tenant), [next])).accepted).toHaveLength(1);
    const doc = await head(tenant);
    expect(doc.version).toBe(41);
    expect(withoutAsOf(doc.state)).toEqual(await expected(tenant));
  });

  it("honours a void of an event folded long ago, and of an event that arrives after its void", async () => {
    const tenant = randomUUID();
    // A deployment makes the pair eligible; voiding it must take eligibility away again.
    const deployment = {
      specversion: "1.0",
      source: "crm://head",
      id: "deploy",
      time: at(400),
      type: "deployment.started",
      partnerid: PARTNER,
      tenantid: tenant,
      workload: "defender-endpoint",
      data: { activities: ["configuration"], delivery: "remote" },
    } as EngagementEvent;
    await record(services.recorder, pairStream(tenant), [deployment]);
    for (let n = 1; n <= 60; n++)
      await record(services.recorder, pairStream(tenant), [
        pairEvent(tenant, 4 * n + 2, 400 + n), // guidance only: nothing else makes it eligible
      ]);
    const before = await head(tenant);
    expect(before.snapshot.cut!.timeMs).toBeGreaterThan(Date.parse(deployment.time));
    const voidOf = (id: string, target: string, day: number) =>
      ({
        specversion: "1.0",
        source: "crm://head",
        id,
        time: at(day),
        type: "event.voided",
        partnerid: PARTNER,
        tenantid: tenant,
        workload: "defender-endpoint",
        data: { voidedSource: "crm://head", voidedId: target, reason: "entered twice", by: "ops" },
      }) as EngagementEvent;
    await record(services.recorder, pairStream(tenant), [voidOf("v1", "deploy", 470)]);
    const voided = await head(tenant);
    expect(withoutAsOf(voided.state)).toEqual(await expected(tenant));
    expect(voided.state.stage).not.toBe(before.state.stage);
    // A void first, the event it names later: voided on arrival.
    await record(services.recorder, pairStream(tenant), [voidOf("v2", "deploy-2", 471)]);
    await record(services.recorder, pairStream(tenant), [{ ...deployment, id: "deploy-2", time: at(472) }]);
    const after = await head(tenant);
    expect(withoutAsOf(after.state)).toEqual(await expected(tenant));
    expect(after.state.stage).toBe(voided.state.stage);
  });

  it("brings tenant events to the tenant's pairs through snapshot and tail, not by copying the tenant's history", async () => {
    const tenant = randomUUID();
    for (let i = 0; i < 50; i++)
      await record(services.recorder, tenantStream(tenant), [profile(tenant, `p${i}`, i)]);
    await record(services.recorder, pairStream(tenant), [pairEvent(tenant, 1, 60)]);
    await record(services.recorder, pairStream(tenant, "intune"), [pairEvent(tenant, 1, 61, "intune")]);
    // A profile change dated later reaches both pairs; one dated before their cut too (a refold).
    await record(services.recorder, tenantStream(tenant), [profile(tenant, "gov", 70, "government-dod")]);
    await record(services.recorder, tenantStream(tenant), [profile(tenant, "early", 5, "education")]);
    for (const workload of ["defender-endpoint", "intune"]) {
      const doc = await head(tenant, workload);
      expect(doc.tenantVersion).toBe(52);
      expect(doc.tail.length).toBeLessThanOrEqual(TAIL_MAX);
      expect(withoutAsOf(doc.state)).toEqual(await expected(tenant, workload));
      expect(doc.state.claim.eligibility).toBe("excluded");
    }
  });
});

describe("requests per ingest (counted at the SDK)", () => {
  it("a new pair of a tenant this instance knows: 3, no query; an append to a cached head: 2", async () => {
    const tenant = randomUUID();
    const instance = fresh();
    await record(instance.recorder, tenantStream(tenant), [profile(tenant, "p", 0)]);
    cosmos.requests.reset();
    await record(instance.recorder, pairStream(tenant), [pairEvent(tenant, 1, 1)]);
    expect(cosmos.requests.total).toBe(3);
    cosmos.requests.reset();
    await record(instance.recorder, pairStream(tenant), [pairEvent(tenant, 2, 2)]);
    expect(cosmos.requests.total).toBe(2);
    // Another instance, head not cached: read, create, replace.
    cosmos.requests.reset();
    await record(fresh().recorder, pairStream(tenant), [pairEvent(tenant, 3, 3)]);
    expect(cosmos.requests.total).toBe(3);
    expect(Object.keys(cosmos.requests.byKind()).some((k) => k.startsWith("query"))).toBe(false);
    // The timer writes the head (its alert record): the next append's replace gets 412, re-reads and
    // re-applies its event to that head, keeping the timer's record. 4 requests.
    const warm = fresh();
    await record(warm.recorder, pairStream(tenant), [pairEvent(tenant, 10, 10)]);
    const current = (await warm.projections.docs.read(PARTNER, `pair|${tenant}|defender-endpoint`))!;
    await warm.projections.docs.replace(
      { ...current.doc, raisedAlerts: ["timer"] } as PairDocument,
      current.etag,
    );
    cosmos.requests.reset();
    await record(warm.recorder, pairStream(tenant), [pairEvent(tenant, 11, 11)]);
    expect(cosmos.requests.total).toBe(4);
    expect((await head(tenant)).raisedAlerts).toEqual(["timer"]);
    expect((await head(tenant)).version).toBe(5);
    // The first instance's cached etag is stale now: a 412 falls back to a read, and nothing is lost.
    await record(instance.recorder, pairStream(tenant), [pairEvent(tenant, 4, 4)]);
    expect((await head(tenant)).version).toBe(6);
    expect(withoutAsOf((await head(tenant)).state)).toEqual(await expected(tenant));
  });
});

describe("several instances on one pair", () => {
  it("racing, each with its own cached heads, store every distinct event once and agree with the evaluator", async () => {
    const tenant = randomUUID();
    const [a, b, c] = [fresh(), fresh(), fresh()];
    await record(a.recorder, tenantStream(tenant), [profile(tenant, "p", 0)]);
    // Warm every instance's cache, then make all of them stale at once.
    for (const [i, s] of [a, b, c].entries())
      await record(s.recorder, pairStream(tenant), [pairEvent(tenant, i + 1, i + 1)]);
    const events = Array.from({ length: 60 }, (_, i) => pairEvent(tenant, i + 10, 200 - i)); // newest first: late arrivals
    const deliveries = [a, b, c].flatMap((s, k) =>
      events
        .filter((_, i) => i % 3 === k || i % 5 === 0)
        .map((e) => () => record(s.recorder, pairStream(tenant), [e])),
    );
    const results = await Promise.all(deliveries.map((d) => d()));
    const accepted = results.flatMap((r) => r.accepted.map((e) => e.id));
    expect(new Set(accepted).size).toBe(accepted.length);
    const stream = await services.projections.store.readStream(pairStream(tenant));
    expect(stream.version).toBe(63);
    expect(new Set(stream.events.map((e) => (e.event as EngagementEvent).id)).size).toBe(63);
    expect((await head(tenant)).version).toBe(63); // every writer leaves the head at least as far as it got
    // The projector changes nothing then.
    await fresh().projections.heal(pairStream(tenant), stream.version);
    const doc = await head(tenant);
    expect(doc.version).toBe(63);
    expect(withoutAsOf(doc.state)).toEqual(await expected(tenant));
  });
});

describe("a crash between the append and the head write", () => {
  it("leaves the event stored and the head behind; the change-feed projector and the next ingest heal it", async () => {
    const tenant = randomUUID();
    await record(services.recorder, pairStream(tenant), [pairEvent(tenant, 1, 1)]);
    // The fault: the process dies after the event document is created, before the head is replaced.
    const crashing = new DocumentCollection<ProjectionDocument>(containers.pairs, byPartner);
    const killed = async (): Promise<never> => {
      throw new Error("process killed");
    };
    crashing.replace = killed;
    crashing.create = killed;
    const victim = fresh();
    (victim.projections as unknown as { docs: unknown }).docs = crashing;
    await expect(record(victim.recorder, pairStream(tenant), [pairEvent(tenant, 2, 2)])).rejects.toThrow(
      "process killed",
    );
    expect((await services.projections.store.readStream(pairStream(tenant))).version).toBe(2);
    expect((await head(tenant)).version).toBe(1);
    // Azure's trigger hands the event document to the projector (retried until it succeeds).
    const { resource } = await containers.events
      .item(`${pairStream(tenant)}:2`, pairStream(tenant))
      .read<EventDocument>();
    await fresh().projector.handle([resource]);
    expect((await head(tenant)).version).toBe(2);
    expect(withoutAsOf((await head(tenant)).state)).toEqual(await expected(tenant));

    // Without the projector, the next ingest catches the head up (409 on the stale version, point reads).
    await expect(record(victim.recorder, pairStream(tenant), [pairEvent(tenant, 3, 3)])).rejects.toThrow();
    const next = await record(fresh().recorder, pairStream(tenant), [pairEvent(tenant, 4, 4)]);
    expect(next.accepted).toHaveLength(1);
    const doc = await head(tenant);
    expect(doc.version).toBe(4);
    expect(withoutAsOf(doc.state)).toEqual(await expected(tenant));
  });
});

describe("group commit", () => {
  it("fails only the delivery the store refuses; the others of the same group are stored", async () => {
    const tenant = randomUUID();
    const instance = fresh();
    const store = instance.projections.store;
    const append = store.append.bind(store);
    store.append = async (streamId, events, expected) => {
      if (events.some((e) => e.id === "poison"))
        throw Object.assign(new Error("Request size is too large"), { code: 413 });
      return append(streamId, events, expected);
    };
    await record(instance.recorder, pairStream(tenant), [pairEvent(tenant, 1, 1)]);
    const deliveries = Array.from({ length: 20 }, (_, i) =>
      i === 7 ? { ...pairEvent(tenant, 100, 100), id: "poison" } : pairEvent(tenant, i + 2, i + 2),
    ) as EngagementEvent[];
    const results = await Promise.allSettled(
      deliveries.map((e) => instance.recorder.record(pairStream(tenant), [e])),
    );
    expect(results.filter((r) => r.status === "rejected")).toHaveLength(1);
    expect(results[7]!.status).toBe("rejected");
    const stored = await services.projections.store.readStream(pairStream(tenant));
    expect(stored.version).toBe(20);
    expect(stored.events.some((e) => (e.event as EngagementEvent).id === "poison")).toBe(false);
  });
});

describe("the idempotency key", () => {
  it("is injective: a separator inside source or id cannot make two events one", () => {
    expect(idempotencyKey({ source: "crm://x\u0000y", id: "I" })).not.toBe(
      idempotencyKey({ source: "crm://x", id: "y\u0000I" }),
    );
  });
});

describe("a store written by the first storage format", () => {
  it("reads old heads (whole streams copied in) correctly, appends to them, and `rebuild` rewrites them", async () => {
    const tenant = randomUUID();
    const store = services.projections.store;
    const own = Array.from({ length: 40 }, (_, i) => pairEvent(tenant, i + 1, i + 1));
    const tenantEvents = [profile(tenant, "old", 0)];
    await store.append(tenantStream(tenant), tenantEvents, 0);
    await store.append(pairStream(tenant), own, 0);
    const old = services.projections.docs as unknown as DocumentCollection<
      { id: string } & Record<string, unknown>
    >;
    const state = evaluatePair(pairKeyOf(pairStream(tenant)), own, tenantEvents, NOW.toISOString());
    await old.create({
      id: tenantDocumentId(tenant),
      partnerId: PARTNER,
      streamId: tenantStream(tenant),
      docType: "tenant",
      tenantId: tenant,
      version: 1,
      events: tenantEvents,
      projectedAt: NOW.toISOString(),
    });
    await old.create({
      id: `pair|${tenant}|defender-endpoint`,
      partnerId: PARTNER,
      streamId: pairStream(tenant),
      docType: "pair",
      tenantId: tenant,
      workload: "defender-endpoint",
      version: 40,
      events: own,
      tenantVersion: 1,
      tenantEvents,
      state,
      nextAlertOn: null,
      raisedAlerts: ["kept"],
      projectedAt: NOW.toISOString(),
    });
    // Read as it is: lists and the timer fold the old head in memory.
    const raw = await old.read(PARTNER, `pair|${tenant}|defender-endpoint`);
    expect(withoutAsOf(pairStateAt(raw!.doc as never, NOW.toISOString()))).toEqual(withoutAsOf(state));
    // An append upgrades it; a redelivery of an old event is still a duplicate.
    const instance = fresh();
    expect((await record(instance.recorder, pairStream(tenant), [own[3]!])).duplicates).toHaveLength(1);
    await record(instance.recorder, pairStream(tenant), [pairEvent(tenant, 41, 41)]);
    let doc = await head(tenant);
    expect(doc.format).toBe(HEAD_FORMAT);
    expect(doc.raisedAlerts).toEqual(["kept"]);
    expect("events" in doc).toBe(false);
    expect(withoutAsOf(doc.state)).toEqual(await expected(tenant));
    // `npm run rebuild` folds every head again from the event documents, in the new format.
    await rebuildPair(instance, tenant);
    doc = await head(tenant);
    expect(doc.format).toBe(HEAD_FORMAT);
    expect(doc.version).toBe(41);
    expect(withoutAsOf(doc.state)).toEqual(await expected(tenant));
  });
});

/** A current head as the second format stored it: one-letter cut and compact scoring facts (written by hand). */
function asSecondFormat(doc: ProjectionDocument): Record<string, unknown> & { id: string } {
  const { cut, ...snapshot } = doc.snapshot as PairDocument["snapshot"];
  const scoring = (doc as PairDocument).snapshot.scoring;
  return {
    ...doc,
    format: 2,
    snapshot: {
      ...snapshot,
      cut: cut && { t: cut.timeMs, s: cut.source, i: cut.id },
      ...(scoring && {
        scoring: {
          v: scoring.version,
          c: scoring.claims.map((c) =>
            "approvedOn" in c ? [0, c.timeMs, c.claimId, c.approvedOn] : [1, c.timeMs, c.claimId],
          ),
          d: scoring.deploymentsCompletedOn,
          u: scoring.mauByMonth,
        },
      }),
    },
  };
}

describe("a store written by the second storage format (one-letter field names)", () => {
  it("reads old heads as they are (no request), appends to them in the current format, and `rebuild` rewrites them", async () => {
    const tenant = randomUUID();
    const own = Array.from({ length: 40 }, (_, i) => pairEvent(tenant, i + 1, i + 1));
    const approval = {
      ...own[0]!,
      id: "approved",
      time: at(30),
      type: "claim.approved",
      data: { claimId: "C-1", approvedOn: at(30).slice(0, 10) },
    } as EngagementEvent;
    await record(services.recorder, tenantStream(tenant), [profile(tenant, "p", 0)]);
    for (const e of [...own.slice(0, 30), approval, ...own.slice(30)])
      await record(services.recorder, pairStream(tenant), [e]);
    const current = await head(tenant);
    expect(current.snapshot.cut).not.toBeNull();
    expect(current.snapshot.scoring.claims).toHaveLength(1);
    const old = services.projections.docs as unknown as DocumentCollection<
      { id: string } & Record<string, unknown>
    >;
    for (const id of [`pair|${tenant}|defender-endpoint`, tenantDocumentId(tenant)]) {
      const found = (await old.read(PARTNER, id))!;
      await old.replace(asSecondFormat(found.doc as never), found.etag);
    }
    // Read as it is: lists, the timer and the designation read model translate it in memory.
    const raw = (await old.read(PARTNER, `pair|${tenant}|defender-endpoint`))!.doc;
    expect(raw.format).toBe(2);
    expect(withoutAsOf(pairStateAt(raw as never, NOW.toISOString()))).toEqual(await expected(tenant));
    expect(scoringFactsOfHead(raw as never)).toEqual(scoringFactsOfHead(current));
    // An append (another instance) reads it, keeps the duplicate check, and writes the current format.
    const instance = fresh();
    expect((await record(instance.recorder, pairStream(tenant), [own[39]!])).duplicates).toHaveLength(1);
    await record(instance.recorder, pairStream(tenant), [pairEvent(tenant, 41, 41)]);
    let doc = await head(tenant);
    expect(doc.format).toBe(HEAD_FORMAT);
    expect(doc.snapshot.cut!.timeMs).toBeGreaterThanOrEqual(current.snapshot.cut!.timeMs);
    // The old head could not say which events it folded; the first append refolded it and now it can.
    expect(doc.snapshot.foldedKeys).toBeDefined();
    expect(doc.version).toBe(42);
    expect(withoutAsOf(doc.state)).toEqual(await expected(tenant));
    const { version: _v, ...facts } = scoringFactsOfHead(doc);
    expect(facts.claims).toEqual([
      { claimId: "C-1", timeMs: Date.parse(at(30)), approvedOn: at(30).slice(0, 10) },
    ]);
    // `npm run rebuild` folds it again from the event documents: the same head.
    await rebuildPair(instance, tenant);
    doc = await head(tenant);
    expect(doc.format).toBe(HEAD_FORMAT);
    expect(scoringFactsOfHead(doc)).toMatchObject(facts);
    expect(withoutAsOf(doc.state)).toEqual(await expected(tenant));
  });
});
