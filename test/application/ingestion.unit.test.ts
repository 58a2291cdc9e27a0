// Ingestion and projection through their ports (in-memory event store and document collection), in
// Emmett's given/when/then: what a delivery stores, what it refuses, and what the read side then answers.
import { describe, expect, it } from "vitest";
import { pairStreamId, tenantStreamId } from "../../domain/events.ts";
import {
  claimSubmitted,
  deploymentStarted,
  PARTNER,
  rawEvent,
  readyPoe,
  TENANT,
  tenantProfiled,
  WORKLOAD,
} from "../domain/given.ts";
import { tracker } from "./tracker.ts";

const PAIR = pairStreamId(PARTNER, TENANT, WORKLOAD);

describe("ingestion (application tier, in-memory ports)", () => {
  it("given nothing, when a pair event is delivered, then it is stored once and the pair reads its stage", async () => {
    const t = tracker();
    const event = deploymentStarted({ time: "2025-03-03" });

    const outcome = await t.ingestion.ingest(event, PARTNER);

    expect(outcome).toMatchObject({ kind: "accepted", accepted: 1, duplicates: 0 });
    expect((await t.store.readStream(PAIR)).events.map((r) => r.event.id)).toEqual([event.id]);
    expect((await t.pairs.pair(PARTNER, TENANT, WORKLOAD))?.stage).toBe("deployment");
  });

  it("given an event delivered, when it is delivered again in another batch, then nothing is doubled", async () => {
    const event = deploymentStarted({ time: "2025-03-03" });
    const t = await tracker().given(event);

    const outcome = await t.ingestion.ingest([event, claimSubmitted({ time: "2025-05-01" })], PARTNER);

    expect(outcome).toMatchObject({ kind: "accepted", accepted: 1, duplicates: 1 });
    expect((await t.store.readStream(PAIR)).version).toBe(2);
    expect((await t.pairs.pair(PARTNER, TENANT, WORKLOAD))?.claim.status).toBe("submitted");
  });

  it("when one item of a batch is invalid, then the delivery is refused with the field named and nothing is stored", async () => {
    const t = tracker();
    const bad = rawEvent("deployment.started", "pair", {}, { time: "not a time" });

    const outcome = await t.ingestion.ingest([deploymentStarted(), bad], PARTNER);

    expect(outcome.kind).toBe("invalid");
    expect(outcome.kind === "invalid" && outcome.errors.map((e) => e.path)).toContain("$[1].time");
    expect((await t.store.readStream(PAIR)).version).toBe(0);
    expect(t.heads.all()).toEqual([]);
  });

  it("when a source writes for another partner, then it is forbidden and nothing is stored", async () => {
    const t = tracker();

    const outcome = await t.ingestion.ingest(deploymentStarted({ partner: "999" }), PARTNER);

    expect(outcome).toMatchObject({ kind: "forbidden", errors: [{ path: "$.partnerid" }] });
    expect(t.heads.all()).toEqual([]);
  });

  it("given a pair with ready POE, when its tenant is profiled in an excluded segment, then the pair's verdict follows the tenant", async () => {
    const t = await tracker().given(deploymentStarted({ time: "2025-03-03" }), ...readyPoe());
    expect((await t.pairs.pair(PARTNER, TENANT, WORKLOAD))?.claim.eligibility).toBe("usage-incentive");
    const tenantVersion = (await t.store.readStream(tenantStreamId(PARTNER, TENANT))).version;

    await t.ingestion.ingest(tenantProfiled({ time: "2025-05-01", segment: "government-dod" }), PARTNER);

    expect((await t.store.readStream(tenantStreamId(PARTNER, TENANT))).version).toBe(tenantVersion + 1);
    expect((await t.pairs.pair(PARTNER, TENANT, WORKLOAD))?.claim.eligibility).toBe("excluded");
  });
});
