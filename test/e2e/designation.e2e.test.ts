// Issue 6, end to end: usage on the pair's state, and GET /api/designations/security from the scoring
// read model kept by the change-feed projector. Real HTTP against the dev host, Cosmos through
// @azure/cosmos against the emulator, both started here; the clock is the test's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOSSES_TRACED, type MonthDocument, type ScoreDocument, Scoring } from "../../application/scoring.ts";
import {
  headWithEvents,
  PARTNER_DOCUMENT_ID,
  type PairDocument,
  type ProjectionDocument,
  pairDocumentId,
} from "../../application/stream-head.ts";
import { designationScore, scoringEntriesOf } from "../../domain/designation.ts";
import { type EngagementEvent, pairStreamId } from "../../domain/events.ts";
import { timed } from "../../domain/facts.ts";
import { connectCosmos } from "../../infra/cosmos/client.ts";
import { byPartner, DocumentCollection } from "../../infra/cosmos/documents.ts";
import { type LocalTracker, startLocalTracker } from "../../infra/devhost/local-tracker.ts";
import { COSMOS_EMULATOR_KEY } from "../../infra/emulators/cosmos.ts";
import { TrackerClient } from "../../scripts/tracker-client.ts";

const PARTNER = "4811223";
const OTHER_PARTNER = "5900001";
const T = {
  A: "aaaaaaaa-0000-4000-8000-00000000000a",
  B: "bbbbbbbb-0000-4000-8000-00000000000b",
  C: "cccccccc-0000-4000-8000-00000000000c",
  D: "dddddddd-0000-4000-8000-00000000000d",
  R: "12121212-0000-4000-8000-000000000012", // rising usage around approval
  S: "5c5c5c5c-0000-4000-8000-00000000005c", // education tenant
} as const;
type Tenant = keyof typeof T;

let now = new Date("2026-01-10T12:00:00Z");
let tracker: LocalTracker;
let client: TrackerClient;
let other: TrackerClient;

beforeAll(async () => {
  tracker = await startLocalTracker({
    partnerId: PARTNER,
    webhookSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    apiKey: "partner-key",
    access: { apiKeys: [{ partnerId: OTHER_PARTNER, key: "other-key" }] },
    clock: () => now,
    enableTimers: false,
    changeFeedIntervalMs: 100,
    quiet: true,
  });
  client = new TrackerClient(tracker);
  other = new TrackerClient({ url: tracker.url, webhookSecret: "unused", apiKey: "other-key" });
  await post(scenario());
  await tracker.drainChangeFeed();
}, 120_000);
afterAll(async () => {
  await tracker?.stop();
});

let seq = 0;
function ev(type: string, date: string, data: object, tenant?: Tenant, workload?: string) {
  return {
    specversion: "1.0",
    id: `dsg-${++seq}`,
    source: "crm://e2e-designation",
    type,
    time: `${date}T09:00:00Z`,
    partnerid: PARTNER,
    ...(tenant ? { tenantid: T[tenant] } : {}),
    ...(workload ? { workload } : {}),
    data,
  };
}
const submitted = (t: Tenant, w: string, claimId: string, on: string, claimType = "usage-incentive") =>
  ev("claim.submitted", on, { claimId, claimType, submittedOn: on }, t, w);
const approved = (t: Tenant, w: string, claimId: string, on: string) =>
  ev("claim.approved", on, { claimId, approvedOn: on }, t, w);
const completed = (t: Tenant, w: string, on: string) =>
  ev("deployment.completed", on, { completedOn: on }, t, w);
const usage = (t: Tenant, w: string, month: string, mau: number, pau: number, reportedOn: string) =>
  ev("usage.reported", reportedOn, { month, mau, pau }, t, w);
const cert = (person: string, certification: string, on: string) =>
  ev("skilling.certification.recorded", on, { person, certification, earnedOn: on });

/**
 * The 18-month designation scenario (the same as test/designation.unit.test.ts):
 * A defender-endpoint approved 2025-01-15, deployed 2025-02-10.
 * B entra-id-p1 deployed 2025-03-01, approved 2025-03-20 (recognition claim), disassociated 2025-09-10.
 * C defender-office365: MAU 100 in 2024-06, approved 2025-05-05, MAU 450 in 2025-06; copilot-m365 approved (not security).
 * D sentinel approved 2024-08-01.
 * Certifications: ana SC-200 2025-04-02, ben AZ-500 2025-11-20 (added late), cy MS-900 (not intermediate security).
 */
function scenario() {
  return [
    submitted("A", "defender-endpoint", "a1", "2025-01-05"),
    approved("A", "defender-endpoint", "a1", "2025-01-15"),
    completed("A", "defender-endpoint", "2025-02-10"),
    completed("B", "entra-id-p1", "2025-03-01"),
    submitted("B", "entra-id-p1", "b1", "2025-03-05", "usage-recognition"),
    approved("B", "entra-id-p1", "b1", "2025-03-20"),
    ev(
      "claim.disassociated",
      "2025-09-10",
      { claimId: "b1", reason: "customer moved partner" },
      "B",
      "entra-id-p1",
    ),
    usage("C", "defender-office365", "2024-06", 100, 5_000, "2024-07-03"),
    submitted("C", "defender-office365", "c1", "2025-04-20"),
    approved("C", "defender-office365", "c1", "2025-05-05"),
    usage("C", "defender-office365", "2025-06", 450, 5_000, "2025-07-03"),
    submitted("C", "copilot-m365", "c2", "2024-11-20"),
    approved("C", "copilot-m365", "c2", "2024-12-01"),
    submitted("D", "sentinel", "d1", "2024-07-20"),
    approved("D", "sentinel", "d1", "2024-08-01"),
    cert("ana", "SC-200", "2025-04-02"),
    cert("cy", "MS-900", "2025-05-01"),
    // Usage rising before and after approval (R): approval 2025-04-10.
    ...(
      [
        ["2025-01", 100],
        ["2025-02", 250],
        ["2025-03", 400],
        ["2025-04", 380],
        ["2025-05", 500],
        ["2025-06", 650],
      ] as const
    ).map(([m, mau]) => usage("R", "defender-identity", m, mau, 1_000, `${m}-28`)),
    submitted("R", "defender-identity", "r1", "2025-03-15"),
    approved("R", "defender-identity", "r1", "2025-04-10"),
    // Education tenant (S): 900 paid seats, students push MAU up; approval 2025-02-05.
    ev(
      "tenant.profiled",
      "2024-12-01",
      {
        customerName: "Fabrikam School District",
        segment: "education",
        publicSector: true,
        country: "US",
        paidSeats: 900,
        studentSeats: 20_000,
      },
      "S",
    ),
    usage("S", "purview-dlp", "2025-01", 700, 20_900, "2025-01-31"),
    usage("S", "purview-dlp", "2025-02", 1_500, 20_900, "2025-02-28"),
    usage("S", "purview-dlp", "2025-03", 1_800, 20_900, "2025-03-31"),
    submitted("S", "purview-dlp", "s1", "2025-01-25"),
    approved("S", "purview-dlp", "s1", "2025-02-05"),
  ];
}

async function post(events: unknown[]) {
  const answer = await client.post(events, { now });
  expect([201, 202]).toContain(answer.status);
}

/** Tenant ids back to letters, for readable expectations. */
const short = (s: string) => (Object.keys(T) as Tenant[]).reduce((x, k) => x.replaceAll(T[k], k), s);
type Contribution = { contributor: string; points: number; countsUntil: string };
const traced = (metric: { contributions: Contribution[] }) =>
  metric.contributions.map((c) => `${short(c.contributor)}:${c.points}→${c.countsUntil}`);

describe("usage on the pair's state (HWM-*, SEG-2)", () => {
  it("a pair whose usage rises before and after approval: starting HWM and compensable units", async () => {
    const got = await client.get(`pairs/${T.R}/defender-identity?asOf=2025-07-15T00:00:00Z`);
    expect(got.status).toBe(200);
    const u = got.body.usage;
    // Jan 31, Feb 28, Mar 31 are measured before the approval (Apr 10): starting HWM = max(100, 250, 400) = 400.
    expect(u.startingHighWaterMark).toBe(400);
    expect(u.approvedOn).toBe("2025-04-10");
    // Apr 380 − 400 → 0 (HWM stays 400); May 500 − 400 = 100 (HWM 500); Jun 650 − 500 = 150.
    expect(
      u.months.map((m: Record<string, unknown>) => [
        m.month,
        m.priorHighWaterMark,
        m.compensableUnits,
        m.countsAfterApproval,
      ]),
    ).toEqual([
      ["2025-01", 0, 0, false],
      ["2025-02", 100, 0, false],
      ["2025-03", 250, 0, false],
      ["2025-04", 400, 0, true],
      ["2025-05", 400, 100, true],
      ["2025-06", 500, 150, true],
    ]);
    expect(u.compensableUnitsTotal).toBe(250); // 0 + 100 + 150
    expect(u.estimate).toBeNull(); // FY25 carries no rate (HWM-3)
    expect(u.ruleSet).toBe("FY25");
  });

  it("an education tenant: student seats raise the mark, units are all users, the estimate paid seats only", async () => {
    const got = await client.get(`pairs/${T.S}/purview-dlp?asOf=2025-04-10T00:00:00Z`);
    const u = got.body.usage;
    expect(u.startingHighWaterMark).toBe(700); // January only (measured Jan 31 < Feb 5)
    // Feb min(1500, 20900) − 700 = 800; Mar 1800 − 1500 = 300 → 1,100; estimate units on 900 paid seats:
    // Feb min(1500, 20900, 900) − 700 = 200, Mar min(1800, 20900, 900) − 1500 → 0.
    expect(u.months.map((m: { compensableUnits: number }) => m.compensableUnits)).toEqual([0, 800, 300]);
    expect(u.months.map((m: { estimateUnits: number }) => m.estimateUnits)).toEqual([0, 200, 0]);
    expect(u.compensableUnitsTotal).toBe(1_100);
    expect(u.rules).toContain("SEG-2");
  });

  it("a pair without reported usage carries no usage field", async () => {
    const got = await client.get(`pairs/${T.A}/defender-endpoint`);
    expect(got.status).toBe(200);
    expect(got.body.usage).toBeUndefined();
  });
});

describe("GET /api/designations/security", () => {
  // R and S are approved pairs too (defender-identity and purview-dlp are security workloads):
  // R adds 2 points from 2025-04-10 to 2026-04-10, S from 2025-02-05 to 2026-02-05; R's usage snapshots
  // count (growth ≥ 100 MAU, no year-earlier figure); S's growth likewise. They are listed below.
  it("answers the score at a date, traced to each contributor, and names the rule set", async () => {
    const got = await client.get("designations/security?asOf=2025-10-01");
    expect(got.status).toBe(200);
    const b = got.body;
    expect(b.ruleSet).toBe("FY26"); // 2025-10-01 is in FY26 (CAL-1), which carries FY25's values
    expect(b.asOf).toBe("2025-10-01");
    const m = b.metrics;
    // Adds (DES-2): A, B, C, R, S added (2 each) and B lost (−2); D's add expired 2025-08-01 → 5×2 − 2 = 8.
    expect(traced(m.netCustomerAdds)).toEqual([
      "B:-2→2026-09-10",
      "C:2→2026-05-05",
      "R:2→2026-04-10",
      "B:2→2026-03-20",
      "S:2→2026-02-05",
      "A:2→2026-01-15",
    ]);
    expect(m.netCustomerAdds.points).toBe(8);
    expect(m.netCustomerAdds.rule).toBe("DES-2");
    // Deployments (DES-3): A only (B's ended with its disassociation 2025-09-10) → 3.3.
    expect(traced(m.deployments)).toEqual(["A|defender-endpoint:3.3→2026-02-10"]);
    expect(m.deployments.contributions[0]).toMatchObject({ tenantId: T.A, workload: "defender-endpoint" });
    // Usage growth (DES-4): C June 2025 (450 − 100) → 3; R June 2025 650 → 6; S March 2025 1800 → 18 → 27.
    // Listed latest-expiring first; R and C expire together, then by contributor ("1212…" before "cccc…").
    expect(traced(m.usageGrowth)).toEqual([
      "R|defender-identity:6→2026-06-30",
      "C|defender-office365:3→2026-06-30",
      "S|purview-dlp:18→2026-03-31",
    ]);
    expect(m.usageGrowth.points).toBe(27);
    // Skilling (DES-5): ana 5; cy's MS-900 is not an intermediate security certification.
    expect(traced(m.skilling)).toEqual(["ana:5→2026-04-02"]);
    expect(m.skilling.contributions[0]).toMatchObject({ person: "ana", via: "SC-200" });
    // 8 + 3.3 + 27 + 5 = 43.3 < 70: not met (DES-1).
    expect(b.total).toBe(43.3);
    expect(b.met).toBe(false);
    expect(b.minimumScore).toBe(70);
  });

  it("answers a monthly series over 18 months: expiries, a lost customer and a new certification", async () => {
    // ben's AZ-500 arrives late (posted after the first answers): the projector adds it.
    await post([cert("ben", "AZ-500", "2025-11-20")]);
    await tracker.drainChangeFeed();
    const got = await client.get("designations/security?from=2025-01-01&to=2026-06-01");
    expect(got.status).toBe(200);
    const series = got.body.series as {
      date: string;
      total: number;
      met: boolean;
      points: Record<string, number>;
      dropped: { metric: string; contributor: string; points: number; reason: string }[];
      score: { metrics: Record<string, { contributions: Contribution[] }> };
    }[];
    expect(series).toHaveLength(18);
    // [adds, deployments, usage, skilling] on the 1st of each month, hand-computed:
    // A add 01-15..2026-01-15, dep 02-10..2026-02-10; B add 03-20..2026-03-20, dep 03-20..09-10, lost 09-10;
    // C add 05-05..2026-05-05, usage 1 (from 05-05, until 06-30), then 3 (06-30..2026-06-30); D add ..2025-08-01;
    // R add 04-10..2026-04-10, usage: Mar 4 (04-10..04-30, from approval), Apr 380 → 3 (04-30..05-31),
    // May 5 (..06-30), Jun 6 (06-30..2026-06-30); S add 02-05..2026-02-05, usage: Jan 7 (02-05..02-28),
    // Feb 15 (02-28..03-31), Mar 18 (03-31..2026-03-31); ana 04-02..2026-04-02, ben 11-20..2026-11-20.
    expect(
      series.map((p) => [
        p.date,
        p.points.netCustomerAdds,
        p.points.deployments,
        p.points.usageGrowth,
        p.points.skilling,
      ]),
    ).toEqual([
      ["2025-01-01", 2, 0, 0, 0], //       D
      ["2025-02-01", 4, 0, 0, 0], //       D A
      ["2025-03-01", 6, 3.3, 15, 0], //    D A S; dep A; S Feb 1500 (measured Feb 28) → 15
      ["2025-04-01", 8, 6.6, 18, 0], //    + B; dep A B; S Mar 1800 (measured Mar 31) → 18
      ["2025-05-01", 10, 6.6, 21, 5], //   + R; R Apr 380 → 3; ana
      ["2025-06-01", 12, 6.6, 24, 5], //   + C; C Jun 2024 100 → 1; R May 500 → 5; S 18
      ["2025-07-01", 12, 6.6, 27, 5], //   C Jun 2025 350 → 3; R Jun 650 → 6; S 18
      ["2025-08-01", 10, 6.6, 27, 5], //   D's add expired Aug 1
      ["2025-09-01", 10, 6.6, 27, 5],
      ["2025-10-01", 8, 3.3, 27, 5], //    B lost Sep 10 (−2); B's deployment ended
      ["2025-11-01", 8, 3.3, 27, 5],
      ["2025-12-01", 8, 3.3, 27, 10], //   + ben
      ["2026-01-01", 8, 3.3, 27, 10],
      ["2026-02-01", 6, 3.3, 27, 10], //   A's add expired Jan 15
      ["2026-03-01", 4, 0, 27, 10], //     S's add expired Feb 5; A's deployment Feb 10
      ["2026-04-01", 2, 0, 9, 10], //      B's add expired Mar 20; S's usage expired Mar 31 (−18)
      ["2026-05-01", 0, 0, 9, 5], //       R's add expired Apr 10 → 2 − 2 = 0; ana expired Apr 2
      ["2026-06-01", 0, 0, 9, 5], //       C's add expired May 5 → −2, clamped to 0
    ]);
    expect(series.map((p) => p.total)).toEqual([
      2, 4, 24.3, 32.6, 42.6, 47.6, 50.6, 48.6, 48.6, 43.3, 43.3, 48.3, 48.3, 46.3, 41, 21, 14, 14,
    ]);
    expect(series.every((p) => !p.met)).toBe(true);
    // Each drop is named: D's add expired in July, B's deployment ended with the disassociation.
    const drops = (date: string) =>
      series
        .find((p) => p.date === date)!
        .dropped.map((d) => `${d.metric}:${short(d.contributor)}:${d.points}:${d.reason}`);
    expect(drops("2025-08-01")).toEqual(["netCustomerAdds:D:2:expired"]);
    expect(drops("2025-10-01")).toEqual(["deployments:B|entra-id-p1:3.3:ended"]);
    expect(drops("2026-04-01")).toEqual(
      expect.arrayContaining(["netCustomerAdds:B:2:expired", "usageGrowth:S|purview-dlp:18:expired"]),
    );
    expect(drops("2026-05-01")).toEqual(
      expect.arrayContaining(["netCustomerAdds:R:2:expired", "skilling:ana:5:expired"]),
    );
    // ben traced from December on, until 2026-11-20.
    expect(traced(series[11]!.score.metrics.skilling!)).toEqual(["ben:5→2026-11-20", "ana:5→2026-04-02"]);
  });

  it("the forecast is honest: a future date scores as it will once the clock gets there without new events", async () => {
    const forecast = await client.get("designations/security?asOf=2026-05-20");
    const saved = now;
    try {
      now = new Date("2026-05-20T08:00:00Z");
      await tracker.drainChangeFeed();
      const actual = await client.get("designations/security");
      expect(actual.status).toBe(200);
      expect(actual.body).toEqual(forecast.body);
    } finally {
      now = saved;
    }
  });

  it("reads the shards with at most 3 Cosmos requests and no cross-partition query", async () => {
    // Its own connection, so the change-feed poller's requests are not counted.
    const endpoint = await tracker.services.cosmos.client.getReadEndpoint();
    const cosmos = connectCosmos({ endpoint, key: COSMOS_EMULATOR_KEY, databaseId: "engagements" });
    try {
      const db = cosmos.database;
      const scoring = new Scoring(
        new DocumentCollection<ScoreDocument>(db.container("scores"), byPartner),
        new DocumentCollection<ProjectionDocument>(db.container("pairs"), byPartner),
        () => now,
      );
      await scoring.scoreAt(PARTNER, "2025-10-01"); // warm the client's metadata caches
      cosmos.requests.reset();
      const score = await scoring.scoreAt(PARTNER, "2025-10-01");
      expect(score.total).toBe(43.3);
      const kinds = cosmos.requests.byKind();
      expect(cosmos.requests.total, JSON.stringify(kinds)).toBeLessThanOrEqual(3);
      // One single-partition query (the SDK fetches a query plan beside every query; it is not used
      // when the partition key is given, but it is a request and is counted).
      expect(kinds["query docs"]).toBe(1);
      expect(cosmos.requests.total - (kinds["query docs"] ?? 0) - (kinds["queryplan docs"] ?? 0)).toBe(0);
    } finally {
      cosmos.close();
    }
  });

  it("is scoped to the caller's partner, and validates its query", async () => {
    const foreign = await other.get("designations/security?asOf=2025-10-01");
    expect(foreign.status).toBe(200);
    expect(foreign.body.total).toBe(0);
    expect(foreign.body.metrics.netCustomerAdds.contributions).toEqual([]);
    expect((await client.get("designations/security", "wrong-key")).status).toBe(401);
    for (const bad of [
      "asOf=yesterday",
      "from=2025-01-01",
      "from=2025-06-01&to=2025-01-01",
      "from=2020-01-01&to=2026-01-01",
    ]) {
      const answer = await client.get(`designations/security?${bad}`);
      expect(answer.status, bad).toBe(400);
      expect(answer.body.errors.length, bad).toBeGreaterThan(0);
    }
  });
});

describe("the scoring read model under races and rebuilds", () => {
  const score = async () => (await client.get("designations/security?from=2025-01-01&to=2026-06-01")).body;

  it("concurrent projector runs for one tenant leave the shards exactly as one run would", async () => {
    const before = await score();
    // A late usage report for C lands while eight projector runs update C (and the partner) at once.
    await tracker.services.projections.store.append(
      `${PARTNER}|${T.C}|defender-office365`,
      [usage("C", "defender-office365", "2025-09", 850, 5_000, "2025-10-02") as never],
      4,
    );
    await tracker.services.projections.heal(`${PARTNER}|${T.C}|defender-office365`, 5);
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        i % 2
          ? tracker.services.scoring.updateTenant(PARTNER, T.C)
          : tracker.services.scoring.updatePartner(PARTNER),
      ),
    );
    await tracker.drainChangeFeed();
    const after = await score();
    // From 2025-10-01 C's usage is its September snapshot: 850 − nothing a year earlier → 8 (was 3). With
    // R 6 and S 18 that is 32 > 30: the cap cuts S's (earliest-expiring) to 16, so +3 until S expires
    // 2026-03-31, then 8 + 6 = 14 instead of 9: +5.
    const delta = after.series.map(
      (p: { total: number }, i: number) => Math.round((p.total - before.series[i].total) * 10) / 10,
    );
    expect(delta).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 3, 3, 3, 3, 3, 5, 5, 5]);
    const shards = await tracker.services.scoring.readShards(PARTNER, "2024-01", "2026-12");
    const c = shards.entries.filter(
      (e) => e.contributor === `${T.C}|defender-office365` && e.metric === "usageGrowth",
    );
    expect(c.map((e) => [e.earnedOn, e.value, e.endsOn ?? null]).sort()).toEqual([
      ["2024-06-30", 100, null],
      ["2025-06-30", 350, "2025-09-30"],
      ["2025-09-30", 850, null],
    ]);
  });

  it("npm run rebuild folds the same read model again from the events", async () => {
    const before = await score();
    // Spoil the read model: drop a shard and corrupt a source's bookkeeping.
    const scores = tracker.services.containers.scores;
    await scores.item("ledger|2025-01", PARTNER).delete();
    const rebuilt = await tracker.services.projector.rebuild(
      tracker.services.projections.store.listStreams(),
    );
    expect(rebuilt).toBeGreaterThan(0);
    expect(await score()).toEqual(before);
  });
});

describe("the scoring read model: exact aggregates, bounded traces, an at-least-once projector", () => {
  const heads = () =>
    new DocumentCollection<ProjectionDocument>(tracker.services.containers.pairs, byPartner);
  const scores = () => new DocumentCollection<ScoreDocument>(tracker.services.containers.scores, byPartner);

  it("a redelivered projector batch changes nothing (no write at all)", async () => {
    const docs: ProjectionDocument[] = [];
    for (const id of [
      pairDocumentId(T.C, "defender-office365"),
      pairDocumentId(T.A, "defender-endpoint"),
      PARTNER_DOCUMENT_ID,
    ])
      docs.push((await heads().read(PARTNER, id))!.doc);
    const month = async () => (await scores().read(PARTNER, "ledger|2025-06"))!.etag;
    const before = await client.get("designations/security?from=2025-01-01&to=2026-06-01");
    const etag = await month();
    await tracker.services.scoring.updateAfterHeal(docs);
    await tracker.services.scoring.updateAfterHeal(docs);
    expect(await month()).toBe(etag);
    expect((await client.get("designations/security?from=2025-01-01&to=2026-06-01")).body).toEqual(
      before.body,
    );
  });

  // A partner of its own: 40 tenants approved the same day, 12 of them lost the same later day, all
  // projected by 52 concurrent projector runs (one tenant each) into the same months and buckets.
  const BIG = "7700001";
  const tenants = Array.from(
    { length: 40 },
    (_, i) => `e${String(i).padStart(7, "0")}-0000-4000-8000-000000000000`,
  );
  let n = 0;
  const event = (tenant: string, type: string, date: string, data: object) => ({
    specversion: "1.0",
    id: `big-${++n}`,
    source: "crm://e2e-big",
    type,
    time: `${date}T09:00:00Z`,
    partnerid: BIG,
    tenantid: tenant,
    workload: "defender-endpoint",
    data,
  });
  const headOf = (tenant: string, lost: boolean): PairDocument & { events: EngagementEvent[] } => {
    const events = [
      event(tenant, "claim.approved", "2025-03-10", { claimId: `k-${tenant}`, approvedOn: "2025-03-10" }),
      event(tenant, "deployment.completed", "2025-03-12", { completedOn: "2025-03-12" }),
      event(tenant, "usage.reported", "2025-03-31", { month: "2025-03", mau: 180, pau: 900 }),
      ...(lost ? [event(tenant, "claim.declined", "2025-06-01", { claimId: `k-${tenant}` })] : []),
    ];
    const stored = events as unknown as EngagementEvent[];
    const head = headWithEvents(pairStreamId(BIG, tenant, "defender-endpoint"), stored, now) as PairDocument;
    return { ...head, events: stored };
  };
  const expected = (docs: readonly (PairDocument & { events: EngagementEvent[] })[], asOf: string) =>
    designationScore(
      docs.flatMap((d) =>
        scoringEntriesOf({
          kind: "tenant",
          tenantId: d.tenantId,
          pairs: [{ workload: d.workload, events: d.events.map(timed) }],
        }),
      ),
      asOf,
    );

  it("concurrent updates of different tenants in the same month all land; points exact, traces bounded", async () => {
    const approved = tenants.map((t) => headOf(t, false));
    for (const h of approved) await heads().upsert(h);
    await Promise.all(approved.map((h) => tracker.services.scoring.updateAfterHeal([h])));
    const lost = tenants.slice(0, 12).map((t) => headOf(t, true));
    for (const h of lost) await heads().upsert(h);
    await Promise.all(lost.map((h) => tracker.services.scoring.updateAfterHeal([h])));
    const final = [...lost, ...approved.slice(12)];

    for (const asOf of ["2025-04-01", "2025-07-01"]) {
      const want = expected(final, asOf);
      const got = await tracker.services.scoring.scoreAt(BIG, asOf);
      for (const m of ["netCustomerAdds", "deployments", "usageGrowth", "skilling"] as const)
        expect(got.metrics[m].points, `${asOf} ${m}`).toBe(want.metrics[m].points);
      expect(got.total).toBe(want.total);
      // The cap's latest-first choice is the domain's, from the traces alone.
      expect(got.metrics.deployments.contributions).toEqual(want.metrics.deployments.contributions);
      expect(got.metrics.deployments.notCountedTotal).toBe(asOf === "2025-04-01" ? 40 - 7 : 28 - 7);
    }
    const april = await tracker.services.scoring.scoreAt(BIG, "2025-04-01");
    expect(april.metrics.netCustomerAdds.points).toBe(20);
    expect(april.metrics.netCustomerAdds.contributions).toEqual(
      expected(final, "2025-04-01").metrics.netCustomerAdds.contributions,
    );
    expect(april.traceComplete).toBe(true);
    // 12 losses active, only LOSSES_TRACED named: the points stay exact, the trace says it is incomplete.
    const july = await tracker.services.scoring.scoreAt(BIG, "2025-07-01");
    expect(july.metrics.netCustomerAdds.points).toBe(20); // 2 × (40 − 12) = 56, at most 20
    expect(july.metrics.netCustomerAdds.contributions.filter((c) => c.points < 0)).toHaveLength(
      LOSSES_TRACED,
    );
    expect(july.metrics.netCustomerAdds.traceComplete).toBe(false);
    expect(july.metrics.deployments.traceComplete).toBe(true);

    // Every entry is in a bucket slot; the month document keeps only the bounded traces.
    const shards = await tracker.services.scoring.readShards(BIG, "2025-01", "2025-12");
    expect(shards.entries.filter((e) => e.metric === "deployments")).toHaveLength(40);
    const month = (await scores().read(BIG, "ledger|2025-03"))!.doc as MonthDocument;
    const count = (metric: number, negative = false) =>
      month.aggregate.traces.filter((p) => p[0] === metric && p[3] < 0 === negative).length;
    expect(count(0)).toBe((20 + 2 * LOSSES_TRACED) / 2); // adds: max 20 + 2 per traced loss, 2 points each
    expect(count(2)).toBe(30); // usage: 1 point each, max 30
    expect(count(0, true)).toBe(0); // losses are earned in June
    expect(count(1)).toBe(7); // deployments: 6 × 3.3 < 20 <= 7 × 3.3
  });
});
