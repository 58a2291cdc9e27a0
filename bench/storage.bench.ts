// Storage benchmark (issue 12): what one ingest costs as a pair's history grows. The recorder runs in this
// process against the Cosmos emulator in a child process; every request is counted as it leaves the SDK,
// with the bytes of its body (what Cosmos charges a write by).
//
// Prints, against baselines computed in the same run:
// - bytes written per ingest at the 10th, 200th, 1,000th and 5,000th event of one pair (ratio 200th/10th:
//   goal <= 1.5), beside what the first storage format wrote for the same ingest (event document + a head
//   carrying every event of the pair and its tenant);
// - the head document's size at the 5,000th event (goal <= 64 KB), split into snapshot, tail and state,
//   beside the first format's head;
// - requests per ingest: new pairs (tenant known to the instance), appends to a cached head, appends from a
//   cold instance, and a half-new half-append mix (goal <= 3, no query; 2 on a cached append);
// - peak RSS of this process.

import { randomUUID } from "node:crypto";
import type { PairDocument } from "../application/stream-head.ts";
import { buildServices, type Services } from "../composition/services.ts";
import type { EngagementEvent } from "../domain/events.ts";
import { connectCosmos, ensureContainers } from "../infra/cosmos/client.ts";
import { startCosmosEmulator } from "../infra/emulators/cosmos.ts";

const PARTNER = "4811223";
const LONG_STREAM = Number(process.env.BENCH_STORAGE_EVENTS ?? 5_000);
const MIX_PAIRS = Number(process.env.BENCH_STORAGE_PAIRS ?? 400);
const MARKS = [10, 200, 1_000, LONG_STREAM];
const START = Date.UTC(2018, 0, 1);
/** 5,000 events over ~8 years: a long-lived pair with monthly usage reports. */
const STEP_MS = 14 * 3_600_000;

const bytesOf = (body: unknown) =>
  typeof body === "string" ? Buffer.byteLength(body) : Buffer.byteLength(JSON.stringify(body));
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

/** A realistic long stream: guidance and support most days, monthly usage, some adoption, deployments, claims. */
export function lifeOfAPair(tenant: string, n: number, workload = "defender-endpoint"): EngagementEvent {
  const time = new Date(START + n * STEP_MS).toISOString().replace(".000Z", "Z");
  const day = time.slice(0, 10);
  const base = {
    specversion: "1.0",
    source: "crm://bench-storage",
    id: `s${n}`,
    time,
    partnerid: PARTNER,
    tenantid: tenant,
    workload,
  };
  const ev = (type: string, data: object) => ({ ...base, type, data }) as unknown as EngagementEvent;
  const claimId = `claim-${Math.floor(n / 1000)}`;
  if (n % 50 === 0) return ev("usage.reported", { month: day.slice(0, 7), mau: 100 + (n % 977), pau: 2_000 });
  if (n % 1000 === 300)
    return ev("claim.submitted", { claimId, claimType: "usage-incentive", submittedOn: day });
  if (n % 1000 === 400) return ev("claim.approved", { claimId, approvedOn: day });
  if (n % 500 === 1)
    return ev("deployment.started", {
      activities: ["configuration", "pilot"],
      delivery: "remote",
      plannedStart: day,
    });
  if (n % 500 === 250) return ev("deployment.completed", { completedOn: day });
  if (n % 250 === 100)
    return ev("acknowledgement.recorded", {
      signedOn: day,
      signer: { name: "Dana Example", title: "CISO" },
      format: "e-signature",
      workloads: [workload],
    });
  if (n % 400 === 10)
    return ev("engagement.scope.described", {
      description: `phase ${n}`,
      usersInScope: 500,
      customerNeed: "audit",
      customerBenefit: "fewer incidents",
    });
  if (n % 97 === 0)
    return ev("adoption.activity.logged", {
      kind: "admin-enablement",
      handsOn: true,
      audience: "admins",
      delivery: "remote",
      durationDays: 3,
    });
  if (n % 7 === 0) return ev("support.case.logged", { kind: "technical-support", caseRef: `case-${n}` });
  return ev("guidance.session.logged", { minutes: 30, topic: `weekly call ${n}` });
}

type Measure = (work: () => Promise<unknown>) => Promise<{ requests: number; bytes: number }>;

/** Each event ingested, then its event document handed to the projector as the change feed would. */
async function designationCost(services: Services, measure: Measure, setNow: (d: Date) => void) {
  const events = Number(process.env.BENCH_STORAGE_SCORED ?? 1_000);
  const tenant = randomUUID();
  const stream = `${PARTNER}|${tenant}|defender-endpoint`;
  await services.recorder.record(`${PARTNER}|${tenant}`, [profile(tenant)]);
  // Usage reports are what changes the read model month after month; other events write nothing there.
  const marks = [50, 200, Math.floor(events / 50) * 50];
  const atMark = new Map<number, { bytes: number; requests: number }>();
  let total = 0;
  for (let n = 1; n <= events; n++) {
    const event = lifeOfAPair(tenant, n);
    setNow(new Date(Date.parse(event.time) + 3_600_000));
    await services.recorder.record(stream, [event]);
    const { resource } = await services.containers.events.item(`${stream}:${n}`, stream).read();
    const cost = await measure(() => services.projector.handle([resource]));
    total += cost.bytes;
    if (marks.includes(n)) atMark.set(n, cost);
  }
  const first = atMark.get(marks[0]!)!.bytes;
  console.log(
    `  designation read model through the projector: a usage report writes ${marks
      .map((n) => `${atMark.get(n)!.bytes} B at event ${n}`)
      .join(
        ", ",
      )} (ratio ${(atMark.get(marks[1]!)!.bytes / first).toFixed(2)}, ${(atMark.get(marks[2]!)!.bytes / first).toFixed(2)}); ${(total / events).toFixed(0)} B per event over all ${events} (most events change no score and write nothing)`,
  );
}

function profile(tenant: string): EngagementEvent {
  return {
    specversion: "1.0",
    source: "crm://bench-storage",
    id: `profile-${tenant}`,
    time: new Date(START - 86_400_000).toISOString(),
    type: "tenant.profiled",
    partnerid: PARTNER,
    tenantid: tenant,
    data: { customerName: "Contoso Bench", segment: "commercial", publicSector: false, country: "DE" },
  } as unknown as EngagementEvent;
}

export async function run(): Promise<void> {
  const emulator = await startCosmosEmulator({ separateProcess: true });
  const cosmos = connectCosmos({
    endpoint: emulator.endpoint,
    key: emulator.key,
    databaseId: "bench-storage",
  });
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  try {
    const containers = await ensureContainers(cosmos.database);
    let written = 0;
    const count = cosmos.requests.plugin.plugin;
    cosmos.requests.plugin.plugin = (context, diagnostics, next) => {
      const op = context.operationType;
      if (context.body && (op === "create" || op === "replace" || op === "upsert"))
        written += bytesOf(context.body);
      return count(context, diagnostics, next);
    };
    let now = new Date(START);
    const instance = (): Services =>
      buildServices({ cosmos, containers, access: { sources: [], apiKeys: [] }, clock: () => now });
    const services = instance();
    const measure = async (work: () => Promise<unknown>) => {
      cosmos.requests.reset();
      written = 0;
      await work();
      return { requests: cosmos.requests.total, bytes: written, kinds: cosmos.requests.byKind() };
    };

    // 1. One pair, LONG_STREAM events, each its own ingest; the clock follows the events like a live CRM.
    const tenant = randomUUID();
    const tenantStream = `${PARTNER}|${tenant}`;
    const pairStream = `${PARTNER}|${tenant}|defender-endpoint`;
    const tenantEvents = [profile(tenant)];
    await services.recorder.record(tenantStream, tenantEvents);
    const all: EngagementEvent[] = [];
    const started = performance.now();
    let early = 0;
    let late = 0;
    console.log(
      `storage: one pair, ${LONG_STREAM.toLocaleString()} single-event ingests (Cosmos emulator in pid ${emulator.pid})`,
    );
    console.log("  event    bytes written   first format (baseline)   requests   ingest ms");
    let at10 = 0;
    let at200 = 0;
    let legacyAt10 = 0;
    let legacyAt200 = 0;
    for (let n = 1; n <= LONG_STREAM; n++) {
      const event = lifeOfAPair(tenant, n);
      all.push(event);
      now = new Date(Date.parse(event.time) + 3_600_000);
      const t = performance.now();
      const cost = await measure(() => services.recorder.record(pairStream, [event]));
      const ms = performance.now() - t;
      if (n <= 100) early += ms;
      if (n > LONG_STREAM - 100) late += ms;
      if (!MARKS.includes(n)) continue;
      // The first format wrote the event document and a head with every event of the pair and its tenant.
      const head = (await services.projections.docs.read(PARTNER, `pair|${tenant}|defender-endpoint`))!
        .doc as PairDocument;
      const eventDoc = bytesOf({
        id: `${pairStream}:${n}`,
        streamId: pairStream,
        partnerId: PARTNER,
        kind: "pair",
        tenantId: tenant,
        workload: "defender-endpoint",
        firstVersion: n,
        lastVersion: n,
        recordedAt: now.toISOString(),
        events: [event],
      });
      const legacyHead = bytesOf({
        id: head.id,
        partnerId: PARTNER,
        streamId: pairStream,
        docType: "pair",
        tenantId: tenant,
        workload: head.workload,
        version: n,
        events: all,
        tenantVersion: 1,
        tenantEvents,
        state: head.state,
        nextAlertOn: head.nextAlertOn,
        raisedAlerts: [],
        projectedAt: head.projectedAt,
      });
      const legacy = eventDoc + legacyHead;
      if (n === 10) [at10, legacyAt10] = [cost.bytes, legacy];
      if (n === 200) [at200, legacyAt200] = [cost.bytes, legacy];
      console.log(
        `  ${String(n).padStart(5)}   ${String(cost.bytes).padStart(8)} B      ${String(legacy).padStart(10)} B (x${(legacy / cost.bytes).toFixed(1)} ours)   ${cost.requests}          ${ms.toFixed(1)}`,
      );
      if (n === LONG_STREAM) {
        const size = bytesOf(head);
        const part = (v: unknown) => kb(bytesOf(v));
        console.log(
          `  head at event ${n.toLocaleString()}: ${kb(size)} (goal <= 64 KB: ${size <= 64 * 1024 ? "met" : "NOT met"}); snapshot ${part(head.snapshot)} (facts ${part(head.snapshot.fold.facts)}, scoring ${part(head.snapshot.scoring)}), tail ${head.tail.length} events ${part(head.tail)}, state ${part(head.state)}; first format's head ${kb(legacyHead)} (x${(legacyHead / size).toFixed(0)})`,
        );
      }
    }
    console.log(
      `  bytes per ingest, 200th / 10th: ${(at200 / at10).toFixed(2)} (goal <= 1.5); first format ${(legacyAt200 / legacyAt10).toFixed(2)}`,
    );
    console.log(
      `  ingest latency, mean of the first 100: ${(early / 100).toFixed(1)} ms, of the last 100: ${(late / 100).toFixed(1)} ms (x${(late / early).toFixed(2)}); ${(LONG_STREAM / ((performance.now() - started) / 1000)).toFixed(0)} ingests/s sequential`,
    );

    // 2. Requests per ingest over many pairs: new pairs of a known tenant, appends to cached heads, a cold instance.
    const tenants = Array.from({ length: MIX_PAIRS / 4 }, () => randomUUID());
    for (const t of tenants) await services.recorder.record(`${PARTNER}|${t}`, [profile(t)]);
    const pairs = tenants.flatMap((t) =>
      ["defender-endpoint", "intune", "entra-id-p1", "purview"].map((w) => ({ t, w })),
    );
    const stream = (p: { t: string; w: string }) => `${PARTNER}|${p.t}|${p.w}`;
    const perIngest = (label: string, c: { requests: number; kinds: Record<string, number> }, n: number) => {
      const queries = Object.entries(c.kinds)
        .filter(([k]) => k.startsWith("query"))
        .reduce((s, [, v]) => s + v, 0);
      console.log(`  ${label.padEnd(44)} ${(c.requests / n).toFixed(2)} requests/ingest, ${queries} queries`);
    };
    console.log(
      `  requests per ingest over ${pairs.length} pairs (baseline: 1, the event document's create alone)`,
    );
    perIngest(
      "new pair (tenant known to the instance)",
      await measure(async () => {
        for (const p of pairs) await services.recorder.record(stream(p), [lifeOfAPair(p.t, 1, p.w)]);
      }),
      pairs.length,
    );
    perIngest(
      "append, head cached with its etag",
      await measure(async () => {
        for (const p of pairs) await services.recorder.record(stream(p), [lifeOfAPair(p.t, 2, p.w)]);
      }),
      pairs.length,
    );
    const half = pairs.slice(0, pairs.length / 2);
    const newTenants = Array.from({ length: half.length / 4 }, () => randomUUID());
    for (const t of newTenants) await services.recorder.record(`${PARTNER}|${t}`, [profile(t)]);
    const fresh = newTenants.flatMap((t) =>
      ["defender-endpoint", "intune", "entra-id-p1", "purview"].map((w) => ({ t, w })),
    );
    perIngest(
      "half new, half append (one instance)",
      await measure(async () => {
        for (let i = 0; i < half.length; i++) {
          await services.recorder.record(stream(half[i]!), [lifeOfAPair(half[i]!.t, 4, half[i]!.w)]);
          await services.recorder.record(stream(fresh[i]!), [lifeOfAPair(fresh[i]!.t, 1, fresh[i]!.w)]);
        }
      }),
      2 * half.length,
    );
    const cold = instance();
    perIngest(
      "append from a cold instance (head read)",
      await measure(async () => {
        for (const p of pairs) await cold.recorder.record(stream(p), [lifeOfAPair(p.t, 3, p.w)]);
      }),
      pairs.length,
    );

    // 3. The designation read model (scoring.ts) as the change-feed projector keeps it: bytes it writes per event.
    await designationCost(services, measure, (d) => {
      now = d;
    });

    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    console.log(
      `  peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB (this process; the emulator runs in its own)`,
    );
  } finally {
    clearInterval(sampler);
    cosmos.close();
    await emulator.stop();
  }
}
