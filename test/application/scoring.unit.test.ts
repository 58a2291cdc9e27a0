// The designation read model through its ports (in-memory heads and scores), given/when/then: after
// the projector heals a pair, the stored score equals the domain's own (domain/designation.ts) over
// the same events, so the rules keep one home whatever the read model stores.
import { describe, expect, it } from "vitest";
import type { ScoreDocument } from "../../application/scoring.ts";
import { Scoring } from "../../application/scoring.ts";
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
        heads: { "defender-endpoint": [expect.any(String), expect.any(Number)] },
      });
      expect(source).not.toHaveProperty("pairs");
      sizes.push(JSON.stringify((source as { heads: unknown }).heads).length);
      const stored = await Promise.all(DATES.map(async (d) => (await scoring.scoreAt(PARTNER, d)).total));
      expect(stored).toEqual(await domainTotals(t, ["defender-endpoint"]));
      if (months === 24) expect(Math.max(...stored)).toBeGreaterThan(0);
    }
    expect(sizes[1]! - sizes[0]!).toBeLessThanOrEqual(2); // the head version's digits, not the history
  });

  it("given a source written by the previous version (facts inline), when another pair is handed over, then both pairs still count and the source moves to head references", async () => {
    const t = await tracker("2027-06-02T09:00:00Z").given(
      ...securityPair(TENANT, "defender-endpoint"),
      ...usage(18),
      ...securityPair(TENANT, "intune"),
    );
    const scores = new InMemoryDocuments<ScoreDocument>((d) => d.partnerId);
    const scoring = new Scoring(scores, t.heads, () => new Date("2027-06-02T09:00:00Z"));
    const heads = t.heads.all().filter((h) => h.docType === "pair");
    const first = heads.filter((h) => h.workload === "defender-endpoint");
    await scoring.updateAfterHeal(first);
    // Rewrite the source into the previous format: the facts inline, no head references.
    const read = (await scores.read(PARTNER, `source|${TENANT.toLowerCase()}`))!;
    const { heads: refs, ...rest } = read.doc as ScoreDocument & { heads: Record<string, [string, number]> };
    const inline = Object.fromEntries(
      Object.keys(refs).map((w) => [w, scoringFactsOfHead(first.find((h) => h.workload === w) as never)]),
    );
    await scores.replace({ ...rest, pairs: inline } as ScoreDocument, read.etag);

    await scoring.updateAfterHeal(heads.filter((h) => h.workload === "intune"));
    const stored = await Promise.all(DATES.map(async (d) => (await scoring.scoreAt(PARTNER, d)).total));
    expect(stored).toEqual(await domainTotals(t, ["defender-endpoint", "intune"]));
    const source = (await scores.read(PARTNER, `source|${TENANT.toLowerCase()}`))!.doc;
    expect(Object.keys((source as { heads: object }).heads)).toEqual(["intune"]);
    expect(Object.keys((source as { pairs: object }).pairs)).toEqual(["defender-endpoint"]);
    // Handed over again, the old pair moves to a reference too; the scores stay.
    await scoring.updateAfterHeal(heads);
    const after = (await scores.read(PARTNER, `source|${TENANT.toLowerCase()}`))!.doc;
    expect(after).not.toHaveProperty("pairs");
    expect(await Promise.all(DATES.map(async (d) => (await scoring.scoreAt(PARTNER, d)).total))).toEqual(
      stored,
    );
  });
});
