// Timer benchmark (issue 5): 100,000 pairs, of which 1% are due on one day and a disjoint 10% the
// next. Prints each run's time and Cosmos requests. Goal: requests grow with the due pairs, not with
// all pairs (at most 2 per due pair plus paging).
//
// Seeding: pair projections are written through the same code path ingestion uses to project them
// (emptyHead + events + HeadStore.project, then one create each), straight into the emulator, since
// posting 100,000 deliveries over HTTP would measure ingestion, not the timer.

import { headWithEvents, type PairDocument } from "../application/stream-head.ts";
import { buildServices } from "../composition/services.ts";
import type { EngagementEvent } from "../domain/events.ts";
import { pairStreamId } from "../domain/events.ts";
import { connectCosmos, ensureContainers } from "../infra/cosmos/client.ts";
import { startCosmosEmulator } from "../infra/emulators/cosmos.ts";

const PAIRS = Number(process.env.BENCH_TIMER_PAIRS ?? 100_000);
const PARTNER = "4811223";
const DAY1 = "2025-06-02";
const DAY2 = "2025-06-03";
const SEEDED_AT = new Date("2025-06-01T06:00:00Z");

const day = (d: string, offset: number) =>
  new Date(Date.parse(`${d}T09:00:00Z`) + offset * 86_400_000).toISOString();

/** Group A (1%): claim-early already inside 7 days on DAY1. Group B (10%): a deployment that takes effect for DAY2. */
function eventsFor(i: number, tenantId: string): EngagementEvent[] {
  const started = i % 100 === 1 ? day(DAY1, -26) : i % 10 === 0 ? `${DAY2}T03:00:00Z` : day(DAY1, -200);
  return [
    {
      specversion: "1.0",
      id: `b-${i}`,
      source: "crm://bench",
      type: "deployment.started",
      time: started,
      partnerid: PARTNER,
      tenantid: tenantId,
      workload: "defender-endpoint",
      data: { activities: ["configuration"], delivery: "remote" },
    } as EngagementEvent,
  ];
}

export async function run(): Promise<void> {
  const emulator = await startCosmosEmulator({ separateProcess: true });
  const cosmos = connectCosmos({ endpoint: emulator.endpoint, key: emulator.key, databaseId: "timer-bench" });
  try {
    const containers = await ensureContainers(cosmos.database);
    let clock = SEEDED_AT;
    const services = buildServices({
      cosmos,
      containers,
      access: { sources: [], apiKeys: [] },
      clock: () => clock,
    });
    const docs = services.projections.docs;

    let t = performance.now();
    const CONCURRENCY = 48;
    let next = 0;
    let due1 = 0;
    let due2 = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < PAIRS; i = next++) {
          const tenantId = `${(0x20000000 + i).toString(16)}-3c4b-4f1e-9a51-${String(i).padStart(12, "0")}`;
          const events = eventsFor(i, tenantId);
          const head = headWithEvents(
            pairStreamId(PARTNER, tenantId, "defender-endpoint"),
            events,
            SEEDED_AT,
          ) as PairDocument;
          const doc = services.projections.project(head) as PairDocument;
          if (doc.nextAlertOn !== null && doc.nextAlertOn <= DAY1) due1++;
          else if (doc.nextAlertOn === DAY2) due2++;
          await docs.create(doc);
        }
      }),
    );
    console.log(
      `claim-windows: ${PAIRS.toLocaleString()} pairs seeded in ${((performance.now() - t) / 1000).toFixed(1)} s (Cosmos emulator in pid ${emulator.pid}); due on ${DAY1}: ${due1}, on ${DAY2}: ${due2}`,
    );

    for (const [when, share] of [
      [DAY1, "1%"],
      [DAY2, "10%"],
    ] as const) {
      clock = new Date(`${when}T06:00:00Z`);
      cosmos.requests.reset();
      t = performance.now();
      const result = await services.claimWindows.run(clock);
      const ms = performance.now() - t;
      const requests = cosmos.requests.total;
      const kinds = Object.entries(cosmos.requests.byKind())
        .map(([k, n]) => `${k} ${n}`)
        .join(", ");
      console.log(
        `  ${share} due (${result.duePairs.toLocaleString()} pairs, ${result.raised.length.toLocaleString()} alerts): ${(ms / 1000).toFixed(2)} s, ${requests.toLocaleString()} Cosmos requests = ${(requests / Math.max(1, result.duePairs)).toFixed(2)} per due pair (${kinds})`,
      );
    }
    console.log("  goal: requests grow with due pairs, not all pairs (<= 2 per due pair plus paging)");
  } finally {
    cosmos.close();
    await emulator.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
