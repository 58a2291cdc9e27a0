import { describe, expect, it } from "vitest";
import {
  type DesignationScore,
  designationScore,
  designationSeries,
  isActiveOn,
  type LedgerEntry,
  ledgerShardOf,
  ledgerShardsFor,
  type Metric,
  type PairStream,
  packEntry,
  pruneTraces,
  QUANTITY_WIDTH,
  quantitiesOf,
  scoreFromAggregates,
  scoringEntriesOf,
  unpackEntry,
} from "../domain/designation.ts";
import { type EngagementEvent, validateEvent } from "../domain/events.ts";
import { type TimedEvent, timed } from "../domain/facts.ts";

// FY25 values (domain/rules/fy25.ts): 2 per tenant ≤ 20, 3.3 per pair ≤ 20, 1 per 100 MAU ≤ 30,
// 5 per person ≤ 30, minimum 70, lifetime 12 months.

const PARTNER = "4811223";
const T = {
  A: "aaaaaaaa-0000-4000-8000-00000000000a",
  B: "bbbbbbbb-0000-4000-8000-00000000000b",
  C: "cccccccc-0000-4000-8000-00000000000c",
  D: "dddddddd-0000-4000-8000-00000000000d",
  E: "eeeeeeee-0000-4000-8000-00000000000e",
} as const;
type Tenant = keyof typeof T;

let seq = 0;
function ev(type: string, date: string, data: object, tenant?: Tenant, workload?: string): TimedEvent {
  const raw = {
    specversion: "1.0",
    id: `evt-${++seq}`,
    source: "crm://test",
    type,
    time: `${date}T09:00:00Z`,
    partnerid: PARTNER,
    ...(tenant ? { tenantid: T[tenant] } : {}),
    ...(workload ? { workload } : {}),
    data,
  };
  const v = validateEvent(raw);
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return timed(v.event as EngagementEvent);
}
const submitted = (t: Tenant, w: string, claimId: string, on: string) =>
  ev("claim.submitted", on, { claimId, claimType: "usage-incentive", submittedOn: on }, t, w);
const approvedEv = (t: Tenant, w: string, claimId: string, on: string) =>
  ev("claim.approved", on, { claimId, approvedOn: on }, t, w);
const completed = (t: Tenant, w: string, on: string) =>
  ev("deployment.completed", on, { completedOn: on }, t, w);
const usage = (t: Tenant, w: string, month: string, mau: number, reportedOn: string) =>
  ev("usage.reported", reportedOn, { month, mau, pau: 5_000 }, t, w);
const cert = (person: string, certification: string, on: string) =>
  ev("skilling.certification.recorded", on, { person, certification, earnedOn: on });

// The 18-month scenario.
// A: defender-endpoint approved 2025-01-15, deployment completed 2025-02-10.
// B: entra-id-p1 (usage-only workload, security for the score) deployed 2025-03-01, approved 2025-03-20
//    (usage-recognition claims count too, CLM-4), disassociated 2025-09-10: the customer is lost.
// C: defender-office365 approved 2025-05-05; MAU 100 in 2024-06 and 450 in 2025-06.
//    C also has copilot-m365 approved 2024-12-01: not a security workload, contributes nothing.
// D: sentinel approved 2024-08-01 (before the series starts).
// Certifications: ana SC-200 2025-04-02, ben AZ-500 2025-11-20, cy MS-900 2025-05-01 (not intermediate security).
const pairs: Record<Tenant, PairStream[]> = {
  A: [
    {
      workload: "defender-endpoint",
      events: [
        submitted("A", "defender-endpoint", "a1", "2025-01-05"),
        approvedEv("A", "defender-endpoint", "a1", "2025-01-15"),
        completed("A", "defender-endpoint", "2025-02-10"),
      ],
    },
  ],
  B: [
    {
      workload: "entra-id-p1",
      events: [
        completed("B", "entra-id-p1", "2025-03-01"),
        ev(
          "claim.submitted",
          "2025-03-05",
          { claimId: "b1", claimType: "usage-recognition", submittedOn: "2025-03-05" },
          "B",
          "entra-id-p1",
        ),
        approvedEv("B", "entra-id-p1", "b1", "2025-03-20"),
        ev(
          "claim.disassociated",
          "2025-09-10",
          { claimId: "b1", reason: "customer moved partner" },
          "B",
          "entra-id-p1",
        ),
      ],
    },
  ],
  C: [
    {
      workload: "defender-office365",
      events: [
        usage("C", "defender-office365", "2024-06", 100, "2024-07-03"),
        submitted("C", "defender-office365", "c1", "2025-04-20"),
        approvedEv("C", "defender-office365", "c1", "2025-05-05"),
        usage("C", "defender-office365", "2025-06", 450, "2025-07-03"),
      ],
    },
    {
      workload: "copilot-m365",
      events: [
        submitted("C", "copilot-m365", "c2", "2024-11-20"),
        approvedEv("C", "copilot-m365", "c2", "2024-12-01"),
      ],
    },
  ],
  D: [
    {
      workload: "sentinel",
      events: [
        submitted("D", "sentinel", "d1", "2024-07-20"),
        approvedEv("D", "sentinel", "d1", "2024-08-01"),
      ],
    },
  ],
  E: [],
};
const certifications = [
  cert("ana", "SC-200", "2025-04-02"),
  cert("ben", "AZ-500", "2025-11-20"),
  cert("cy", "MS-900", "2025-05-01"),
];

function ledger(upTo = "9999-12-31"): LedgerEntry[] {
  const until = (list: readonly TimedEvent[]) => list.filter((t) => t.date <= upTo);
  return [
    ...(Object.keys(T) as Tenant[]).flatMap((t) =>
      scoringEntriesOf({
        kind: "tenant",
        tenantId: T[t],
        pairs: pairs[t].map((p) => ({ workload: p.workload, events: until(p.events) })),
      }),
    ),
    ...scoringEntriesOf({ kind: "partner", events: until(certifications) }),
  ];
}

/** Tenant ids back to letters, for readable expectations. */
const short = (contributor: string) =>
  (Object.keys(T) as Tenant[]).reduce((s, k) => s.replace(T[k], k), contributor);
/** Counted contributions of a metric as "contributor:points→countsUntil". */
const counted = (score: DesignationScore, metric: Metric) =>
  score.metrics[metric].contributions.map((c) => `${short(c.contributor)}:${c.points}→${c.countsUntil}`);

describe("scoringEntriesOf: the ledger a tenant's pairs and the partner's certifications contribute", () => {
  it("emits small dated entries with their expiry and the approval window baked in", () => {
    const entries = ledger().map((e) => ({ ...e, contributor: short(e.contributor) }));
    expect(entries).toEqual([
      // A: first approval 2025-01-15 (DES-2), completion 2025-02-10 (DES-3); expiry = +12 months (DES-6).
      {
        metric: "netCustomerAdds",
        contributor: "A",
        earnedOn: "2025-01-15",
        expiresOn: "2026-01-15",
        value: 1,
        rule: "DES-2",
        via: "defender-endpoint",
      },
      {
        metric: "deployments",
        contributor: "A|defender-endpoint",
        earnedOn: "2025-02-10",
        expiresOn: "2026-02-10",
        value: 1,
        rule: "DES-3",
      },
      // B: completion before approval counts from the approval day and ends with the disassociation.
      {
        metric: "deployments",
        contributor: "B|entra-id-p1",
        earnedOn: "2025-03-01",
        expiresOn: "2026-03-01",
        value: 1,
        rule: "DES-3",
        countsFrom: "2025-03-20",
        endsOn: "2025-09-10",
      },
      {
        metric: "netCustomerAdds",
        contributor: "B",
        earnedOn: "2025-03-20",
        expiresOn: "2026-03-20",
        value: 1,
        rule: "DES-2",
        via: "entra-id-p1",
      },
      {
        metric: "netCustomerAdds",
        contributor: "B",
        earnedOn: "2025-09-10",
        expiresOn: "2026-09-10",
        value: -1,
        rule: "DES-2",
        via: "entra-id-p1",
      },
      // C: June 2024 snapshot (100 − nothing a year earlier = 100) counts from approval while it is the latest;
      // June 2025 snapshot 450 − 100 (June 2024) = 350. copilot-m365 contributes nothing.
      {
        metric: "usageGrowth",
        contributor: "C|defender-office365",
        earnedOn: "2024-06-30",
        expiresOn: "2025-06-30",
        value: 100,
        rule: "DES-4",
        countsFrom: "2025-05-05",
      },
      {
        metric: "netCustomerAdds",
        contributor: "C",
        earnedOn: "2025-05-05",
        expiresOn: "2026-05-05",
        value: 1,
        rule: "DES-2",
        via: "defender-office365",
      },
      {
        metric: "usageGrowth",
        contributor: "C|defender-office365",
        earnedOn: "2025-06-30",
        expiresOn: "2026-06-30",
        value: 350,
        rule: "DES-4",
      },
      {
        metric: "netCustomerAdds",
        contributor: "D",
        earnedOn: "2024-08-01",
        expiresOn: "2025-08-01",
        value: 1,
        rule: "DES-2",
        via: "sentinel",
      },
      // Skilling: ana and ben; cy's MS-900 is not an intermediate security certification.
      {
        metric: "skilling",
        contributor: "ana",
        earnedOn: "2025-04-02",
        expiresOn: "2026-04-02",
        value: 1,
        rule: "DES-5",
        via: "SC-200",
      },
      {
        metric: "skilling",
        contributor: "ben",
        earnedOn: "2025-11-20",
        expiresOn: "2026-11-20",
        value: 1,
        rule: "DES-5",
        via: "AZ-500",
      },
    ]);
  });

  it("does not depend on event order or duplicates", () => {
    const scrambled: PairStream[] = pairs.B.map((p) => ({
      workload: p.workload,
      events: [...p.events].reverse().concat(p.events),
    }));
    expect(scoringEntriesOf({ kind: "tenant", tenantId: T.B, pairs: scrambled })).toEqual(
      scoringEntriesOf({ kind: "tenant", tenantId: T.B, pairs: pairs.B }),
    );
  });

  it("adds a tenant on its first approved security pair and loses it with its last one", () => {
    const x = "defender-identity";
    const y = "intune";
    const entries = scoringEntriesOf({
      kind: "tenant",
      tenantId: T.E,
      pairs: [
        {
          workload: x,
          events: [
            approvedEv("E", x, "x1", "2025-01-01"),
            ev("claim.disassociated", "2025-03-01", { claimId: "x1", reason: "moved" }, "E", x),
            submitted("E", x, "x2", "2025-05-20"),
            approvedEv("E", x, "x2", "2025-06-01"),
          ],
        },
        {
          workload: y,
          events: [
            approvedEv("E", y, "y1", "2025-02-01"),
            ev("claim.declined", "2025-04-01", { claimId: "y1" }, "E", y),
          ],
        },
      ],
    });
    // Approved security pairs: x [Jan 1, Mar 1) ∪ y [Feb 1, Apr 1) ∪ x [Jun 1, …):
    // 0→1 on Jan 1 (add), x's loss on Mar 1 leaves y (no loss), 1→0 on Apr 1 (loss), 0→1 on Jun 1 (added again).
    expect(entries.map((e) => [e.earnedOn, e.value, e.via])).toEqual([
      ["2025-01-01", 1, x],
      ["2025-04-01", -1, y],
      ["2025-06-01", 1, x],
    ]);
  });
});

describe("designationSeries over 18 months (first of each month)", () => {
  const series = designationSeries(ledger(), "2025-01-01", "2026-06-01");

  it("has one point per month and every month's total", () => {
    expect(series.map((p) => p.date)).toEqual([
      "2025-01-01",
      "2025-02-01",
      "2025-03-01",
      "2025-04-01",
      "2025-05-01",
      "2025-06-01",
      "2025-07-01",
      "2025-08-01",
      "2025-09-01",
      "2025-10-01",
      "2025-11-01",
      "2025-12-01",
      "2026-01-01",
      "2026-02-01",
      "2026-03-01",
      "2026-04-01",
      "2026-05-01",
      "2026-06-01",
    ]);
    // netCustomerAdds + deployments + usageGrowth + skilling:
    expect(series.map((p) => p.score.total)).toEqual([
      2, //    2025-01  D                      = 2
      4, //    2025-02  D, A                   = 4
      7.3, //  2025-03  4 + A's deployment 3.3  (B's counts only from its approval, Mar 20)
      12.6, // 2025-04  D, A, B = 6 + 3.3 × 2 (A, B) = 12.6
      17.6, // 2025-05  + ana 5
      20.6, // 2025-06  + C 2 (adds 8) + C usage floor(100/100) = 1 → 8 + 6.6 + 1 + 5
      22.6, // 2025-07  C usage: June 2025 snapshot floor(350/100) = 3 → 8 + 6.6 + 3 + 5
      20.6, // 2025-08  D's add expired Aug 1 → 6 + 6.6 + 3 + 5
      20.6, // 2025-09
      15.3, // 2025-10  B lost Sep 10: adds 2×3 − 2 = 4; B's deployment ended → 3.3; 4 + 3.3 + 3 + 5
      15.3, // 2025-11
      20.3, // 2025-12  + ben 5 → 4 + 3.3 + 3 + 10
      20.3, // 2026-01
      18.3, // 2026-02  A's add expired Jan 15 → adds 2×2 − 2 = 2 → 2 + 3.3 + 3 + 10
      15, //   2026-03  A's deployment expired Feb 10 → 2 + 0 + 3 + 10
      13, //   2026-04  B's add expired Mar 20 → 2 − 2 = 0 → 0 + 0 + 3 + 10
      8, //    2026-05  ana expired Apr 2 → 0 + 0 + 3 + 5
      8, //    2026-06  C's add expired May 5 → −2, clamped to 0 → 0 + 0 + 3 + 5
    ]);
    expect(series.every((p) => !p.score.met)).toBe(true);
  });

  it("traces every point to its contributor and the day it stops counting", () => {
    const rows = series.map((p) => ({
      date: p.date,
      adds: counted(p.score, "netCustomerAdds"),
      deployments: counted(p.score, "deployments"),
      usage: counted(p.score, "usageGrowth"),
      skilling: counted(p.score, "skilling"),
    }));
    const A = "A:2→2026-01-15";
    const B = "B:2→2026-03-20";
    const C = "C:2→2026-05-05";
    const D = "D:2→2025-08-01";
    const lostB = "B:-2→2026-09-10";
    const depA = "A|defender-endpoint:3.3→2026-02-10";
    const depB = "B|entra-id-p1:3.3→2025-09-10"; // ends with the disassociation, before its expiry (2026-03-01)
    const use1 = "C|defender-office365:1→2025-06-30";
    const use3 = "C|defender-office365:3→2026-06-30";
    const ana = "ana:5→2026-04-02";
    const ben = "ben:5→2026-11-20";
    // Listed latest-expiring first.
    expect(rows).toEqual([
      { date: "2025-01-01", adds: [D], deployments: [], usage: [], skilling: [] },
      { date: "2025-02-01", adds: [A, D], deployments: [], usage: [], skilling: [] },
      { date: "2025-03-01", adds: [A, D], deployments: [depA], usage: [], skilling: [] },
      { date: "2025-04-01", adds: [B, A, D], deployments: [depA, depB], usage: [], skilling: [] },
      { date: "2025-05-01", adds: [B, A, D], deployments: [depA, depB], usage: [], skilling: [ana] },
      { date: "2025-06-01", adds: [C, B, A, D], deployments: [depA, depB], usage: [use1], skilling: [ana] },
      { date: "2025-07-01", adds: [C, B, A, D], deployments: [depA, depB], usage: [use3], skilling: [ana] },
      { date: "2025-08-01", adds: [C, B, A], deployments: [depA, depB], usage: [use3], skilling: [ana] },
      { date: "2025-09-01", adds: [C, B, A], deployments: [depA, depB], usage: [use3], skilling: [ana] },
      { date: "2025-10-01", adds: [lostB, C, B, A], deployments: [depA], usage: [use3], skilling: [ana] },
      { date: "2025-11-01", adds: [lostB, C, B, A], deployments: [depA], usage: [use3], skilling: [ana] },
      {
        date: "2025-12-01",
        adds: [lostB, C, B, A],
        deployments: [depA],
        usage: [use3],
        skilling: [ben, ana],
      },
      {
        date: "2026-01-01",
        adds: [lostB, C, B, A],
        deployments: [depA],
        usage: [use3],
        skilling: [ben, ana],
      },
      { date: "2026-02-01", adds: [lostB, C, B], deployments: [depA], usage: [use3], skilling: [ben, ana] },
      { date: "2026-03-01", adds: [lostB, C, B], deployments: [], usage: [use3], skilling: [ben, ana] },
      { date: "2026-04-01", adds: [lostB, C], deployments: [], usage: [use3], skilling: [ben, ana] },
      { date: "2026-05-01", adds: [lostB, C], deployments: [], usage: [use3], skilling: [ben] },
      { date: "2026-06-01", adds: [lostB], deployments: [], usage: [use3], skilling: [ben] },
    ]);
    // 2026-06: the loss still counts −2 but the metric is clamped at 0 (DES-2 "between 0 and 20").
    expect(series[17]!.score.metrics.netCustomerAdds.points).toBe(0);
  });

  it("names what dropped off each month and why", () => {
    const dropped = series
      .filter((p) => p.dropped.length > 0)
      .map((p) => [
        p.date,
        p.dropped.map((d) => `${d.metric}:${short(d.contributor)}:${d.points}:${d.reason}`),
      ]);
    expect(dropped).toEqual([
      ["2025-07-01", ["usageGrowth:C|defender-office365:1:expired"]], // superseded by June 2025 (3 points, listed as gained)
      ["2025-08-01", ["netCustomerAdds:D:2:expired"]],
      ["2025-10-01", ["deployments:B|entra-id-p1:3.3:ended"]],
      ["2026-02-01", ["netCustomerAdds:A:2:expired"]],
      ["2026-03-01", ["deployments:A|defender-endpoint:3.3:expired"]],
      ["2026-04-01", ["netCustomerAdds:B:2:expired"]],
      ["2026-05-01", ["skilling:ana:5:expired"]],
      ["2026-06-01", ["netCustomerAdds:C:2:expired"]],
    ]);
  });
});

describe("honest forecast: a future date with no new events", () => {
  it("equals the score from the events known today, and later events cannot leak backwards", () => {
    const today = "2025-10-15"; // ben's certification (2025-11-20) is not known yet
    const known = ledger(today);
    const forecast = designationScore(known, "2026-02-01");
    // 2026-02-01: adds B +2, C +2, B −2 = 2; A's deployment 3.3; C usage 3; ana 5 → 13.3
    expect(forecast.total).toBe(13.3);
    expect(forecast.ruleSet).toBe("FY26");
    // What happens after the forecast date does not change it (any event dated after 2026-02-01):
    const later = [
      ...known,
      ...scoringEntriesOf({
        kind: "tenant",
        tenantId: T.E,
        pairs: [{ workload: "purview-dlp", events: [approvedEv("E", "purview-dlp", "e1", "2026-03-01")] }],
      }),
      ...scoringEntriesOf({ kind: "partner", events: [cert("dee", "SC-300", "2026-02-02")] }),
    ];
    expect(designationScore(later, "2026-02-01")).toEqual(forecast);
    // Entry order does not matter either.
    expect(designationScore([...known].reverse(), "2026-02-01")).toEqual(forecast);
  });

  it("matches the actual score where no new event came in between", () => {
    const actual = ledger();
    // Between 2025-10-15 and 2025-11-01 nothing happened, so the forecast is the score.
    expect(designationScore(ledger("2025-10-15"), "2025-11-01")).toEqual(
      designationScore(actual, "2025-11-01"),
    );
    // After ben's certification the forecast misses exactly his 5 points: 18.3 − 5 = 13.3.
    expect(
      designationScore(actual, "2026-02-01").total -
        designationScore(ledger("2025-10-15"), "2026-02-01").total,
    ).toBeCloseTo(5, 9);
  });
});

describe("DES-1 met and the caps", () => {
  const entry = (
    metric: Metric,
    contributor: string,
    earnedOn: string,
    expiresOn: string,
    value = 1,
  ): LedgerEntry => ({
    metric,
    contributor,
    earnedOn,
    expiresOn,
    value,
    rule:
      metric === "netCustomerAdds"
        ? "DES-2"
        : metric === "deployments"
          ? "DES-3"
          : metric === "usageGrowth"
            ? "DES-4"
            : "DES-5",
  });
  const tenants = [
    entry("netCustomerAdds", "t01", "2024-11-01", "2025-11-01"),
    ...Array.from({ length: 10 }, (_, k) =>
      entry("netCustomerAdds", `t${String(k + 2).padStart(2, "0")}`, "2025-03-01", "2026-03-01"),
    ),
  ];
  const deployments = [
    ...Array.from({ length: 6 }, (_, k) => entry("deployments", `p${k + 1}`, "2025-06-01", "2026-06-01")),
    entry("deployments", "p7", "2025-01-15", "2026-01-15"),
  ];
  const growth = entry("usageGrowth", "u1", "2025-08-31", "2026-08-31", 2_000);
  const people = [
    entry("skilling", "s1", "2025-07-01", "2026-07-01"),
    entry("skilling", "s2", "2025-07-01", "2026-07-01"),
  ];
  const all = [...tenants, ...deployments, growth, ...people];

  it("counts the latest-expiring contributions under a cap and lists the rest as not counted", () => {
    const s = designationScore(all, "2025-10-01");
    // Adds: 11 tenants × 2 = 22 > 20: t02..t11 (expire 2026-03-01) count, t01 (expires 2025-11-01) does not.
    expect(s.metrics.netCustomerAdds.points).toBe(20);
    expect(s.metrics.netCustomerAdds.contributions.map((c) => c.contributor)).toEqual([
      "t02",
      "t03",
      "t04",
      "t05",
      "t06",
      "t07",
      "t08",
      "t09",
      "t10",
      "t11",
    ]);
    expect(s.metrics.netCustomerAdds.notCounted).toEqual([
      { contributor: "t01", points: 2, earnedOn: "2024-11-01", expiresOn: "2025-11-01", reason: "cap" },
    ]);
    // Deployments: 7 × 3.3 = 23.1 > 20: p1..p6 full (19.8), p7 (expires first) 0.2 of its 3.3 (3.1 cut).
    expect(s.metrics.deployments.points).toBe(20);
    expect(s.metrics.deployments.contributions.at(-1)).toMatchObject({
      contributor: "p7",
      points: 0.2,
      cutByCap: 3.1,
    });
    // Usage: floor(2000 / 100) = 20. Skilling: 2 × 5 = 10.
    expect(s.metrics.usageGrowth.points).toBe(20);
    expect(s.metrics.skilling.points).toBe(10);
    // 20 + 20 + 20 + 10 = 70 ≥ 70 and every metric > 0.
    expect(s.total).toBe(70);
    expect(s.met).toBe(true);
    expect(s.minimumScore).toBe(70);
  });

  it("flips met on the day a contribution that the total needs expires", () => {
    // 2025-11-01: t01 expires, but it was not counted (cap) → still 70.
    expect(designationScore(all, "2025-11-01").total).toBe(70);
    // 2026-01-14: p7 still counts its 0.2 → 70, met.
    expect(designationScore(all, "2026-01-14")).toMatchObject({ total: 70, met: true });
    // 2026-01-15: p7 expired → deployments 6 × 3.3 = 19.8 → 69.8 < 70, not met.
    expect(designationScore(all, "2026-01-15")).toMatchObject({ total: 69.8, met: false });
    // And the monthly series shows the flip between Jan and Feb.
    const metByMonth = designationSeries(all, "2025-10-01", "2026-03-01").map((p) => [p.date, p.score.met]);
    expect(metByMonth).toEqual([
      ["2025-10-01", true],
      ["2025-11-01", true],
      ["2025-12-01", true],
      ["2026-01-01", true],
      ["2026-02-01", false], // 69.8
      ["2026-03-01", false], // adds expired 2026-03-01 → 0 + 19.8 + 20 + 10 = 49.8
    ]);
    expect(designationScore(all, "2026-03-01").total).toBe(49.8);
  });

  it("is not met with 70 points when a metric is zero", () => {
    // 20 + 20 + floor(3500/100) = 35 → capped 30 + 0 = 70, but skilling is 0.
    const s = designationScore([...tenants, ...deployments, { ...growth, value: 3_500 }], "2025-10-01");
    expect(s.metrics.usageGrowth.points).toBe(30);
    expect(s.total).toBe(70);
    expect(s.met).toBe(false);
  });
});

describe("read model", () => {
  it("shards entries by the month of earnedOn and names the months a date needs", () => {
    expect(
      ledgerShardOf({
        metric: "deployments",
        contributor: "x",
        earnedOn: "2025-02-10",
        expiresOn: "2026-02-10",
        value: 1,
        rule: "DES-3",
      }),
    ).toBe("2025-02");
    // An entry counting on 2026-02-01 was earned after 2025-02-01 → shards 2025-02 … 2026-02 (13).
    const shards = ledgerShardsFor("2026-02-01");
    expect(shards).toHaveLength(13);
    expect([shards[0], shards.at(-1)]).toEqual(["2025-02", "2026-02"]);
    // Reading only those shards gives the same score as the whole ledger.
    const all = ledger();
    const needed = all.filter((e) => shards.includes(ledgerShardOf(e)));
    expect(needed.length).toBeLessThan(all.length);
    expect(designationScore(needed, "2026-02-01")).toEqual(designationScore(all, "2026-02-01"));
  });

  it("stores entries compactly and losslessly", () => {
    // Packed: expiresOn and rule come back from the rule set. The longest here (B's deployment with
    // countsFrom and endsOn) is 105 bytes: 2 MB holds ~19,000 such entries per document.
    for (const e of ledger()) {
      expect(unpackEntry(packEntry(e))).toEqual(e);
      expect(JSON.stringify(packEntry(e)).length).toBeLessThanOrEqual(105);
    }
  });
});

describe("corrections (event.voided) in the ledger", () => {
  it("DES-3: a voided deployment.completed earns nothing; a void of the void restores it", () => {
    const w = "defender-endpoint";
    const done = completed("C", w, "2025-02-10");
    const voidOf = (target: TimedEvent) =>
      ev(
        "event.voided",
        "2025-03-01",
        { voidedSource: target.event.source, voidedId: target.event.id, reason: "wrong pair", by: "ops" },
        "C",
        w,
      );
    const approval = [submitted("C", w, "c1", "2025-01-10"), approvedEv("C", w, "c1", "2025-01-15")];
    const deployments = (events: TimedEvent[]) =>
      scoringEntriesOf({ kind: "tenant", tenantId: T.C, pairs: [{ workload: w, events }] }).filter(
        (e) => e.metric === "deployments",
      );
    expect(deployments([...approval, done])).toHaveLength(1);
    const voided = voidOf(done);
    expect(deployments([...approval, done, voided])).toEqual([]);
    expect(deployments([...approval, done, voided, voidOf(voided)])).toHaveLength(1);
  });
});

describe("the score from aggregates (what the read model stores) is the ledger's score", () => {
  const bounds = { lossesTraced: 10, maxTraces: 2_400 };
  const fromAggregates = (entries: readonly LedgerEntry[], asOf: string) => {
    const active = new Array<number>(QUANTITY_WIDTH).fill(0);
    for (const e of entries) {
      if (!isActiveOn(e, asOf)) continue;
      quantitiesOf(e).forEach((q, i) => {
        active[i]! += q;
      });
    }
    return scoreFromAggregates(active, pruneTraces(entries, bounds).kept, asOf, false);
  };

  it("gives the same points, total, met and named contributions at every first of month", () => {
    const entries = ledger();
    for (const p of designationSeries(entries, "2025-01-01", "2026-06-01")) {
      const s = fromAggregates(entries, p.date);
      expect(s.total).toBe(p.score.total);
      expect(s.met).toBe(p.score.met);
      for (const m of ["netCustomerAdds", "deployments", "usageGrowth", "skilling"] as const) {
        expect(s.metrics[m].points).toBe(p.score.metrics[m].points);
        expect(s.metrics[m].contributions).toEqual(p.score.metrics[m].contributions);
        expect(s.metrics[m].traceComplete).toBe(true);
      }
    }
  });

  it("keeps as traces only entries that can count: pruning never changes what is named", () => {
    const entries = ledger();
    const kept = pruneTraces(entries, bounds).kept;
    for (const asOf of ["2025-03-01", "2025-09-15", "2026-02-01"]) {
      const [all, traced] = [designationScore(entries, asOf), designationScore(kept, asOf)];
      expect(traced.total).toBe(all.total);
      for (const m of ["netCustomerAdds", "deployments", "usageGrowth", "skilling"] as const)
        expect(traced.metrics[m].contributions).toEqual(all.metrics[m].contributions);
    }
  });
});
