// Scoring benchmark (issue 6): one partner with 100,000 pairs and 2,000,000 events (BENCH_SCORING_PAIRS
// scales it; 20 events per pair). Prints the Cosmos requests and latency of GET /api/designations/security
// (goal: at most 3 requests, no cross-partition query, whatever the size), the bytes one GET reads, the largest
// document the read model writes (a Cosmos document is at most 2 MB), the time to rebuild the read model,
// and the projector's scoring step on changed heads (then the same batches redelivered).
//
// How it is seeded: posting 2,000,000 events through HTTP and the change feed would take far longer than
// the bench may. The events are generated here and written straight into the projection heads (container
// `pairs`, one PairDocument per pair holding its events, plus the partner head with the certifications),
// through the same DocumentCollection the projector writes them with; the events container is left empty.
// The read model is then built by `Scoring.rebuildPartner`, the code path `npm run rebuild` runs after it has
// refolded the heads from the events (given the pair head ids, as `npm run rebuild` gives the ones it refolded):
// that is the rebuild time printed. The live step calls
// `Scoring.updateAfterHeal` with changed heads, as the projector does after healing a change-feed batch.

import type { MonthDocument } from "../application/scoring.ts";
import {
  headWithEvents,
  type PairDocument,
  type ProjectionDocument,
  withEvents,
} from "../application/stream-head.ts";
import { addMonths } from "../domain/dates.ts";
import { ledgerShardsFor } from "../domain/designation.ts";
import { type EngagementEvent, pairStreamId } from "../domain/events.ts";
import { byPartner, DocumentCollection } from "../infra/cosmos/documents.ts";
import { startLocalTracker } from "../infra/devhost/local-tracker.ts";
import { rng } from "./generate-events.ts";

const PAIRS = Number(process.env.BENCH_SCORING_PAIRS ?? 100_000);
const EVENTS_PER_PAIR = 20;
const PARTNER = "4811223";
const API_KEY = "bench-key";
const AS_OF = "2025-10-15";
const GETS = 20;
/** The events each seeded head was folded from (heads keep a bounded tail only). */
const eventsOf = new Map<string, EngagementEvent[]>();
/** Pair heads changed for the live (projector) measurement, handed over in change-feed-sized batches. */
const LIVE_PAIRS = 1_000;
const LIVE_BATCH = 100;
const WORKLOADS = [
  "defender-endpoint",
  "defender-office365",
  "defender-identity",
  "entra-id-p2",
  "purview-dlp",
  "intune",
  "sentinel",
  "copilot-m365",
];

const BASE = Date.UTC(2024, 6, 1);
const day = (offset: number) => new Date(BASE + offset * 86_400_000).toISOString().slice(0, 10);

/** Pairs of ~2.5 per tenant, 20 events each: work, a claim (70% approved, some lost), 12 usage months. */
function* pairDocuments(now: Date): Generator<PairDocument> {
  const r = rng(7);
  let n = 0;
  let tenant = 0;
  let made = 0;
  while (made < PAIRS) {
    tenant++;
    const tenantId = `${(0x20000000 + tenant).toString(16)}-3c4b-4f1e-9a51-${String(tenant).padStart(12, "0")}`;
    const workloads = 1 + Math.floor(r() * 4);
    for (let w = 0; w < workloads && made < PAIRS; w++, made++) {
      const workload = WORKLOADS[(tenant + w) % WORKLOADS.length]!;
      const start = Math.floor(r() * 420);
      const events: Record<string, unknown>[] = [];
      const ev = (type: string, offset: number, data: object) =>
        events.push({
          specversion: "1.0",
          id: `s${++n}`,
          source: "crm://bench-scoring",
          type,
          time: `${day(start + offset)}T09:00:00Z`,
          partnerid: PARTNER,
          tenantid: tenantId,
          workload,
          data,
        });
      const claimId = `C-${tenant}-${w}`;
      ev("guidance.session.logged", 0, { minutes: 30, topic: "overview" });
      ev("deployment.started", 5, { activities: ["configuration"], delivery: "remote" });
      ev("adoption.activity.logged", 20, {
        kind: "health-check",
        handsOn: true,
        durationDays: 3,
        meetings: 2,
      });
      ev("deployment.completed", 30, { completedOn: day(start + 30) });
      ev("claim.submitted", 32, { claimId, claimType: "usage-incentive", submittedOn: day(start + 32) });
      const approved = r() < 0.7;
      if (approved) ev("claim.approved", 45, { claimId, approvedOn: day(start + 45) });
      else ev("claim.info-requested", 45, { claimId, comment: "more detail" });
      if (approved && r() < 0.05) ev("claim.disassociated", 200, { claimId, reason: "moved" });
      else ev("guidance.session.logged", 200, { minutes: 30, topic: "check-in" });
      let mau = Math.floor(r() * 200);
      for (let m = 0; m < EVENTS_PER_PAIR - 8; m++) {
        mau += Math.floor(r() * 120);
        ev("usage.reported", 30 * m + 1, { month: day(start + 30 * m).slice(0, 7), mau, pau: 5000 });
      }
      ev("guidance.session.logged", 380, { minutes: 30, topic: "renewal" });
      const head = headWithEvents(
        pairStreamId(PARTNER, tenantId, workload),
        events as never,
        now,
      ) as PairDocument;
      eventsOf.set(head.id, events as never);
      yield head;
    }
  }
}

async function inParallel<T>(
  items: AsyncIterable<T> | Iterable<T>,
  width: number,
  work: (item: T) => Promise<unknown>,
) {
  const it = (Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]()) as
    | AsyncIterator<T>
    | Iterator<T>;
  const worker = async () => {
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      await work(next.value);
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
}

const ms = (t: number) => `${t.toFixed(1)} ms`;

export async function run(): Promise<void> {
  // The emulator holds every head in its own process; give it room.
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ""} --max-old-space-size=12288`.trim();
  const started = performance.now();
  const tracker = await startLocalTracker({
    partnerId: PARTNER,
    apiKey: API_KEY,
    enableTimers: false,
    cosmosInSeparateProcess: true,
    // The events container stays empty; a long interval keeps the poller out of the request counts.
    changeFeedIntervalMs: 3_600_000,
    quiet: true,
  });
  try {
    const { services } = tracker;
    const heads = new DocumentCollection<ProjectionDocument>(services.containers.pairs, byPartner);
    const now = new Date(`${AS_OF}T12:00:00Z`);

    let t = performance.now();
    let pairs = 0;
    let events = 0;
    const sample: PairDocument[] = [];
    const headIds: string[] = [];
    await inParallel(pairDocuments(now), 32, async (doc) => {
      await heads.create(doc);
      headIds.push(doc.id);
      if (pairs % Math.max(1, Math.floor(PAIRS / LIVE_PAIRS)) === 0 && sample.length < LIVE_PAIRS)
        sample.push(doc);
      pairs++;
      events += eventsOf.get(doc.id)!.length;
    });
    const certifications = Array.from({ length: 40 }, (_, i) => ({
      specversion: "1.0",
      id: `cert-${i}`,
      source: "crm://bench-scoring",
      type: "skilling.certification.recorded",
      time: `${day(60 + i * 11)}T09:00:00Z`,
      partnerid: PARTNER,
      data: {
        person: `person-${i % 25}`,
        certification: ["SC-200", "SC-300", "AZ-500"][i % 3],
        earnedOn: day(60 + i * 11),
      },
    }));
    await heads.create(headWithEvents(PARTNER, certifications as never, now));
    events += certifications.length;
    console.log(
      `scoring: seeded ${pairs.toLocaleString()} pair heads with ${events.toLocaleString()} events in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );

    t = performance.now();
    const built = await services.scoring.rebuildPartner(PARTNER, headIds);
    const rebuildMs = performance.now() - t;
    console.log(
      `  rebuild of the read model from the heads: ${(rebuildMs / 1000).toFixed(1)} s (${built.sources.toLocaleString()} sources, ${built.entries.toLocaleString()} entries, ${built.buckets} buckets in ${built.shards} months)`,
    );
    console.log(
      `  largest document written: ${built.largestDocument.id} ${(built.largestDocument.bytes / 2 ** 20).toFixed(2)} MiB (limit 2 MiB); largest month document ${(built.largestMonthBytes / 1024).toFixed(0)} KiB`,
    );

    // What a score reads: the 13 month documents of the date (the GET's single query returns exactly these).
    const shardsRead = ledgerShardsFor(AS_OF);
    const { resources: months } = await services.containers.scores.items
      .query<MonthDocument>(
        {
          query:
            "SELECT c.month, c.aggregate FROM c WHERE c.docType = 'month' AND c.month >= @first AND c.month <= @last",
          parameters: [
            { name: "@first", value: shardsRead[0]! },
            { name: "@last", value: shardsRead.at(-1)! },
          ],
        },
        { partitionKey: PARTNER },
      )
      .fetchAll();
    const read = months.reduce((n, m) => n + Buffer.byteLength(JSON.stringify(m)), 0);
    const traces = months.reduce((n, m) => n + m.aggregate.traces.length, 0);
    console.log(
      `  read per GET: ${months.length} month documents, ${(read / 2 ** 20).toFixed(2)} MiB (${traces.toLocaleString()} traces; a query page holds at most 4 MiB)`,
    );

    const url = `${tracker.url}/api/designations/security?asOf=${AS_OF}`;
    const get = async () => {
      const answer = await fetch(url, { headers: { "x-api-key": API_KEY } });
      const body = await answer.text();
      if (answer.status !== 200) throw new Error(`GET ${answer.status}: ${body.slice(0, 300)}`);
      return body;
    };
    await get(); // warm the client's metadata caches and the JIT
    const counter = services.cosmos.requests;
    const latencies: number[] = [];
    let requests = 0;
    let kinds: Record<string, number> = {};
    let body = "";
    for (let i = 0; i < GETS; i++) {
      counter.reset();
      t = performance.now();
      body = await get();
      latencies.push(performance.now() - t);
      requests = Math.max(requests, counter.total);
      kinds = counter.byKind();
    }
    latencies.sort((a, b) => a - b);
    const score = JSON.parse(body) as {
      total: number;
      met: boolean;
      metrics: Record<string, { points: number }>;
    };
    console.log(
      `  GET /api/designations/security?asOf=${AS_OF}: ${requests} Cosmos requests (${JSON.stringify(kinds)}; goal <= 3, partition key given: no cross-partition query)`,
    );
    console.log(
      `  latency over ${GETS} calls: p50 ${ms(latencies[Math.floor(GETS / 2)]!)}, p95 ${ms(latencies[Math.floor(GETS * 0.95)]!)}, max ${ms(latencies.at(-1)!)}; answer ${(body.length / 1024).toFixed(0)} KiB, total ${score.total}, met ${score.met}`,
    );

    counter.reset();
    t = performance.now();
    const series = await fetch(`${tracker.url}/api/designations/security?from=2025-01-01&to=2026-06-01`, {
      headers: { "x-api-key": API_KEY },
    });
    await series.text();
    console.log(
      `  GET ...?from=2025-01-01&to=2026-06-01 (18 points): ${counter.total} Cosmos requests, ${ms(performance.now() - t)}`,
    );

    // The live path: the projector hands healed heads to Scoring.updateAfterHeal. Each sampled pair gets a
    // usage report for the month after its last (a new entry, and the previous one now ends), written to
    // its head directly; batches of LIVE_BATCH as the change feed delivers them; then the same batches again
    // (an at-least-once redelivery), which must change nothing.
    const changed = sample.map((doc) => {
      const last = eventsOf
        .get(doc.id)!
        .filter((e) => e.type === "usage.reported")
        .at(-1) as unknown as {
        data: { month: string; mau: number };
      };
      const month = addMonths(`${last.data.month}-01`, 1).slice(0, 7);
      const event = {
        specversion: "1.0",
        id: `live-${doc.id}`,
        source: "crm://bench-scoring",
        type: "usage.reported",
        time: `${month}-28T09:00:00Z`,
        partnerid: PARTNER,
        tenantid: doc.tenantId,
        workload: doc.workload,
        data: { month, mau: last.data.mau + 150, pau: 5000 },
      };
      const next = withEvents(doc, [event as never], now)!;
      return { ...next, version: doc.version + 1 };
    });
    await inParallel(changed, 32, (doc) => heads.upsert(doc));
    const batches: PairDocument[][] = [];
    for (let i = 0; i < changed.length; i += LIVE_BATCH) batches.push(changed.slice(i, i + LIVE_BATCH));
    const beforeLive = JSON.parse(await get()) as { total: number };
    /** Every batch handed to the projector's scoring step: time, requests, and the answer after. */
    const handOver = async () => {
      counter.reset();
      const from = performance.now();
      for (const batch of batches) await services.scoring.updateAfterHeal(batch);
      return { ms: performance.now() - from, requests: counter.total, answer: await get() };
    };
    const { ms: liveMs, requests: liveRequests, answer: afterLive } = await handOver();
    const { ms: replayMs, requests: replayRequests, answer: afterReplay } = await handOver();
    console.log(
      `  projector scoring step: ${changed.length} changed pair heads in batches of ${LIVE_BATCH}: ${(liveMs / 1000).toFixed(1)} s (${((changed.length * 1000) / liveMs).toFixed(0)} heads/s, ${(liveRequests / changed.length).toFixed(1)} Cosmos requests per head, no query over heads); total ${beforeLive.total} -> ${(JSON.parse(afterLive) as { total: number }).total}`,
    );
    console.log(
      `  the same batches redelivered: ${(replayMs / 1000).toFixed(1)} s, ${replayRequests} requests (reads only), answer unchanged: ${afterReplay === afterLive}`,
    );
    console.log(`  bench total ${((performance.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await tracker.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
