// The designation read model through its ports (in-memory heads and scores), given/when/then: after
// the projector heals a pair, the stored score equals the domain's own (domain/designation.ts) over
// the same events, so the rules keep one home whatever the read model stores.
import { describe, expect, it } from "vitest";
import type { ScoreDocument } from "../../application/scoring.ts";
import { Scoring } from "../../application/scoring.ts";
import { type Aggregate, SCORES_FORMAT, type SourceDocument } from "../../application/scoring-documents.ts";
import { scoringFactsOfHead } from "../../application/scoring-source.ts";
import { addMonths } from "../../domain/dates.ts";
import { designationScore, scoringEntriesOf } from "../../domain/designation.ts";
import { pairStreamId } from "../../domain/events.ts";
import { timed } from "../../domain/facts.ts";
import {
  claimApproved,
  claimSubmitted,
  deploymentCompleted,
  deploymentStarted,
  OTHER_TENANT,
  PARTNER,
  TENANT,
  usageReported,
} from "../domain/given.ts";
import { InMemoryDocuments } from "./memory-documents.ts";
import { tracker } from "./tracker.ts";

const securityPair = (tenant: string, workload: string) => [
  deploymentStarted({ tenant, workload, time: "2025-02-03" }),
  deploymentCompleted({ tenant, workload, time: "2025-03-01", completedOn: "2025-03-01" }),
  claimSubmitted({ tenant, workload, time: "2025-03-05", claimId: `C-${tenant.slice(0, 4)}-${workload}` }),
  claimApproved({
    tenant,
    workload,
    time: "2025-03-20",
    claimId: `C-${tenant.slice(0, 4)}-${workload}`,
    approvedOn: "2025-03-20",
  }),
];

describe("designation score (application tier, in-memory ports)", () => {
  it("given approved security pairs, when their heads are healed, then the read model's score is the domain's", async () => {
    const pairs = [
      [TENANT, "defender-endpoint"],
      [TENANT, "intune"],
      [OTHER_TENANT, "sentinel"],
    ] as const;
    const t = await tracker("2025-06-02T09:00:00Z").given(...pairs.flatMap(([tn, w]) => securityPair(tn, w)));
    const scores = new InMemoryDocuments<ScoreDocument>((d) => d.partnerId);
    const scoring = new Scoring(scores, t.heads, () => new Date("2025-06-02T09:00:00Z"));

    await scoring.updateAfterHeal(t.heads.all());
    const stored = await scoring.scoreAt(PARTNER, "2025-06-01");

    const byTenant = new Map<string, { workload: string; events: ReturnType<typeof timed>[] }[]>();
    for (const [tenant, workload] of pairs) {
      const { events } = await t.store.readStream(pairStreamId(PARTNER, tenant, workload));
      const list = byTenant.get(tenant) ?? [];
      list.push({ workload, events: events.map((r) => timed(r.event as never)) });
      byTenant.set(tenant, list);
    }
    const expected = designationScore(
      [...byTenant].flatMap(([tenantId, streams]) =>
        scoringEntriesOf({ kind: "tenant", tenantId, pairs: streams }),
      ),
      "2025-06-01",
    );
    expect(stored.total).toBeGreaterThan(0);
    expect(stored.metrics.deployments.points).toBeGreaterThan(0);
    expect({ total: stored.total, netCustomerAdds: stored.metrics.netCustomerAdds.points }).toEqual({
      total: expected.total,
      netCustomerAdds: expected.metrics.netCustomerAdds.points,
    });
    expect(stored.metrics.deployments.points).toBe(expected.metrics.deployments.points);
  });

  // Usage month by month from 2025-04 (rising MAU earns DES-4 points), on the pair approved in March.
  const usage = (months: number, workload = "defender-endpoint") =>
    Array.from({ length: months }, (_, k) => {
      const month = addMonths("2025-04-01", k).slice(0, 7);
      return usageReported({ tenant: TENANT, workload, time: `${month}-28`, month, mau: 400 + 700 * k });
    });
  const DATES = [
    "2025-03-31",
    "2025-06-01",
    "2025-12-31",
    "2026-06-30",
    "2027-01-01",
    "2027-09-30",
    "2029-01-01",
  ];

  async function domainTotals(
    t: Awaited<ReturnType<ReturnType<typeof tracker>["given"]>>,
    workloads: string[],
  ) {
    const streams = await Promise.all(
      workloads.map(async (workload) => ({
        workload,
        events: (await t.store.readStream(pairStreamId(PARTNER, TENANT, workload))).events.map((r) =>
          timed(r.event as never),
        ),
      })),
    );
    const entries = scoringEntriesOf({ kind: "tenant", tenantId: TENANT.toLowerCase(), pairs: streams });
    return DATES.map((d) => designationScore(entries, d).total);
  }

  it("given 3 or 24 months of usage, when the pair is handed over, then the source names the head (same size) and every score is the domain's", async () => {
    const sizes: number[] = [];
    for (const months of [3, 24]) {
      const t = await tracker("2027-06-02T09:00:00Z").given(
        ...securityPair(TENANT, "defender-endpoint"),
        ...usage(months),
      );
      const scores = new InMemoryDocuments<ScoreDocument>((d) => d.partnerId);
      const scoring = new Scoring(scores, t.heads, () => new Date("2027-06-02T09:00:00Z"));
      await scoring.updateAfterHeal(t.heads.all());
      const source = scores.all().find((d) => d.docType === "source" && d.source !== "partner")!;
      expect(source).toMatchObject({
        pairHeads: {
          "defender-endpoint": { headId: expect.any(String), scoringVersion: expect.any(Number) },
        },
      });
      expect(source).not.toHaveProperty("inlineFacts");
      sizes.push(JSON.stringify((source as { pairHeads: unknown }).pairHeads).length);
      const stored = await Promise.all(DATES.map(async (d) => (await scoring.scoreAt(PARTNER, d)).total));
      expect(stored).toEqual(await domainTotals(t, ["defender-endpoint"]));
      if (months === 24) expect(Math.max(...stored)).toBeGreaterThan(0);
    }
    expect(sizes[1]! - sizes[0]!).toBeLessThanOrEqual(2); // the head version's digits, not the history
  });

  /** A tenant with two approved security pairs, one with 18 months of usage, and an empty read model. */
  async function twoPairsOfOneTenant() {
    const t = await tracker("2027-06-02T09:00:00Z").given(
      ...securityPair(TENANT, "defender-endpoint"),
      ...usage(18),
      ...securityPair(TENANT, "intune"),
    );
    const scores = new InMemoryDocuments<ScoreDocument>((d) => d.partnerId);
    return { t, scores, scoring: new Scoring(scores, t.heads, () => new Date("2027-06-02T09:00:00Z")) };
  }

  it("given a source written by the previous version (facts inline), when another pair is handed over, then both pairs still count and the source moves to head references", async () => {
    const { t, scores, scoring } = await twoPairsOfOneTenant();
    const heads = t.heads.all().filter((h) => h.docType === "pair");
    const first = heads.filter((h) => h.workload === "defender-endpoint");
    await scoring.updateAfterHeal(first);
    // Rewrite the source into the previous format: the facts inline, no head references.
    const read = (await scores.read(PARTNER, `source|${TENANT.toLowerCase()}`))!;
    const { pairHeads: refs, ...rest } = read.doc as SourceDocument & { pairHeads: object };
    const inline = Object.fromEntries(
      Object.keys(refs).map((w) => [w, scoringFactsOfHead(first.find((h) => h.workload === w) as never)]),
    );
    await scores.replace({ ...rest, inlineFacts: inline } as ScoreDocument, read.etag);

    await scoring.updateAfterHeal(heads.filter((h) => h.workload === "intune"));
    const stored = await Promise.all(DATES.map(async (d) => (await scoring.scoreAt(PARTNER, d)).total));
    expect(stored).toEqual(await domainTotals(t, ["defender-endpoint", "intune"]));
    const source = (await scores.read(PARTNER, `source|${TENANT.toLowerCase()}`))!.doc;
    expect(Object.keys((source as SourceDocument).pairHeads!)).toEqual(["intune"]);
    expect(Object.keys((source as SourceDocument).inlineFacts!)).toEqual(["defender-endpoint"]);
    // Handed over again, the old pair moves to a reference too; the scores stay.
    await scoring.updateAfterHeal(heads);
    const after = (await scores.read(PARTNER, `source|${TENANT.toLowerCase()}`))!.doc;
    expect(after).not.toHaveProperty("inlineFacts");
    expect(await Promise.all(DATES.map(async (d) => (await scoring.scoreAt(PARTNER, d)).total))).toEqual(
      stored,
    );
  });

  it("given a store written in the first designation format (one-letter names), when it is read, handed over and rebuilt, then every score is the domain's and each write moves a document to the current format", async () => {
    const { t, scores, scoring } = await twoPairsOfOneTenant();
    const totals = () => Promise.all(DATES.map(async (d) => (await scoring.scoreAt(PARTNER, d)).total));
    const heads = t.heads.all().filter((h) => h.docType === "pair");
    await scoring.updateAfterHeal(heads.filter((h) => h.workload === "defender-endpoint"));
    const entries = (await scoring.readShards(PARTNER, "2024-01", "2028-12")).entries;
    for (const doc of scores.all()) {
      const read = (await scores.read(PARTNER, doc.id))!;
      await scores.replace(asFirstFormat(read.doc) as never, read.etag);
    }
    expect(scores.all().map((d) => d.format)).toEqual(scores.all().map(() => undefined));

    // Read as stored: the same entries and scores.
    expect((await scoring.readShards(PARTNER, "2024-01", "2028-12")).entries).toEqual(entries);
    expect(await totals()).toEqual(await domainTotals(t, ["defender-endpoint"]));
    // Another pair handed over: its source, bucket and month are written in the current format.
    await scoring.updateAfterHeal(heads.filter((h) => h.workload === "intune"));
    expect(await totals()).toEqual(await domainTotals(t, ["defender-endpoint", "intune"]));
    const source = (await scores.read(PARTNER, `source|${TENANT.toLowerCase()}`))!.doc as SourceDocument;
    expect(source.format).toBe(SCORES_FORMAT);
    expect(Object.keys(source.pairHeads!).sort()).toEqual(["defender-endpoint", "intune"]);
    // `npm run rebuild`: every document in the current format, the same scores.
    await scoring.rebuildPartner(PARTNER);
    expect(scores.all().every((d) => d.format === SCORES_FORMAT)).toBe(true);
    expect(await totals()).toEqual(await domainTotals(t, ["defender-endpoint", "intune"]));
  });
});

/** A current designation document as the first format stored it (one-letter names), written by hand. */
function asFirstFormat(doc: ScoreDocument): Record<string, unknown> {
  const aggregate = (a: Aggregate) => ({
    d: a.changesByDay,
    t: a.traces,
    ...(a.tracesIncompleteFrom ? { tf: a.tracesIncompleteFrom } : {}),
  });
  const each = <A, B>(r: Record<string, A>, f: (a: A) => B) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, f(v)]));
  const { id, partnerId, updatedAt } = doc;
  const common = { id, partnerId, updatedAt };
  switch (doc.docType) {
    case "month":
      return {
        ...common,
        docType: "month",
        month: doc.month,
        ...aggregate(doc.aggregate),
        from: doc.bucketEtags,
      };
    case "bucket":
      return {
        ...common,
        docType: "bucket",
        month: doc.month,
        b: doc.bucket,
        slots: each(doc.slots, (slot) => ({ s: slot.claimSeq, e: slot.entries })),
        agg: aggregate(doc.aggregate),
      };
    case "source":
      return {
        ...common,
        docType: "source",
        source: doc.source,
        seq: doc.claimSeq,
        ...(doc.pairHeads ? { heads: each(doc.pairHeads, (h) => [h.headId, h.scoringVersion]) } : {}),
        ...(doc.partnerVersion !== undefined ? { v: doc.partnerVersion } : {}),
        ...(doc.certificationEntries ? { certs: doc.certificationEntries } : {}),
        months: doc.digestByMonth,
        touch: doc.monthsToRewrite,
        complete: doc.complete,
      };
  }
}
