// The designation read model through its ports (in-memory heads and scores), given/when/then: after
// the projector heals a pair, the stored score equals the domain's own (domain/designation.ts) over
// the same events, so the rules keep one home whatever the read model stores.
import { describe, expect, it } from "vitest";
import type { ScoreDocument } from "../../application/scoring.ts";
import { Scoring } from "../../application/scoring.ts";
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
});
