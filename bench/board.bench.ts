// Partner board benchmark (issue 11): `npm run bench -- board`.
// 1. The list API the board reads: GET /api/pairs with each filter the board offers, over real HTTP to
//    the dev host, at 10,000 pairs; p50/p95 per filter and overall (goal: p95 < 300 ms), against a
//    baseline measured in the same run: GET of one pair (a point read and its streams).
// 2. The board's first render in headless Chromium at 5,000 pairs: from navigation start to the first
//    rows on screen (goal < 1.5 s), and to all pairs loaded; baseline: the same page with a search
//    that matches nothing (the page's own start-up and one empty list request).
// Seeding writes the pair heads as ingestion projects them (see seed()).

import type { HeadStore } from "../application/head-store.ts";
import { headWithEvents } from "../application/stream-head.ts";
import { buildBoard } from "../board/build.ts";
import { type EngagementEvent, pairStreamId } from "../domain/events.ts";
import { startLocalTracker } from "../infra/devhost/local-tracker.ts";
import { launchChromium } from "../test/browser.ts";
import { rawEvent } from "../test/domain/given.ts";
import { rng } from "./generate-events.ts";

// Callbacks given to page.evaluate run in the browser. Their globals are declared here, only as far as
// used: the DOM library itself would retype ReadableStream for the whole Node program.
declare const document: {
  documentElement: { dataset: Record<string, string | undefined> };
  querySelectorAll(selector: string): { length: number };
};
declare const sessionStorage: { setItem(key: string, value: string): void };

const PARTNER = "4811223";
const KEY = "bench-key";
const NOW = Date.parse("2025-06-15T09:00:00Z");
const FIRST = Number(process.env.BENCH_BOARD_RENDER_PAIRS ?? 5_000);
const TOTAL = Number(process.env.BENCH_BOARD_LIST_PAIRS ?? 10_000);
const WORKLOADS = ["defender-endpoint", "defender-identity", "entra-id-p2", "purview-dlp"];

const day = (offsetDays: number) => new Date(NOW + offsetDays * 86_400_000).toISOString();
const tenantOf = (t: number) =>
  `b0a0${String(t).padStart(4, "0")}-1111-4222-8333-${String(t).padStart(12, "0")}`;

/** Pairs `from`..`to`-1: two workloads per tenant, a spread of stages, claims and missing proof. */
function eventsFor(from: number, to: number): EngagementEvent[] {
  const random = rng(from + 7);
  const out: EngagementEvent[] = [];
  const base = (
    id: string,
    type: string,
    time: string,
    tenant: string,
    workload: string | undefined,
    data: object,
  ) =>
    rawEvent(type, workload ? "pair" : "tenant", data as Record<string, unknown>, {
      id,
      source: "crm://bench",
      time,
      partner: PARTNER,
      tenant,
      workload,
    }) as unknown as EngagementEvent;
  for (let i = from; i < to; i++) {
    const t = Math.floor(i / 2);
    const tenant = tenantOf(t);
    const workload = WORKLOADS[(i % 2) + 2 * (t % 2)]!;
    if (i % 2 === 0)
      out.push(
        base(`t-${t}`, "tenant.profiled", day(-400), tenant, undefined, {
          customerName: `Customer ${String(t).padStart(5, "0")}`,
          segment: "commercial",
          publicSector: false,
          country: "US",
        }),
      );
    const started = -Math.floor(random() * 450); // some beyond TIM-1's 12 months
    out.push(
      base(`d-${i}`, "deployment.started", day(started), tenant, workload, {
        activities: ["configuration"],
        delivery: "remote",
        plannedEnd: day(started + 30).slice(0, 10),
      }),
    );
    if (random() < 0.6)
      out.push(
        base(`a-${i}`, "acknowledgement.recorded", day(started + 5), tenant, workload, {
          signedOn: day(started + 5).slice(0, 10),
          signer: { name: "Sam" },
          format: "e-signature",
          workloads: [workload],
        }),
      );
    if (random() < 0.5)
      out.push(
        base(`s-${i}`, "engagement.scope.described", day(started + 1), tenant, workload, {
          description: `Rollout for customer ${t}`,
          startDate: day(started).slice(0, 10),
          endDate: day(started + 30).slice(0, 10),
        }),
      );
    if (random() < 0.15)
      out.push(
        base(`c-${i}`, "claim.submitted", day(started + 40 > 0 ? 0 : started + 40), tenant, workload, {
          claimId: `C-${i}`,
          claimType: "usage-incentive",
          submittedOn: day(started + 40 > 0 ? 0 : started + 40).slice(0, 10),
        }),
      );
  }
  return out;
}

/**
 * Writes each pair's head as ingestion would project it (its events and its tenant's folded by the
 * same code, then one create), straight into the emulator, as the claim-windows bench does: posting
 * 30,000 events would measure ingestion, not the board. The event documents are not written.
 */
async function seed(projections: HeadStore, from: number, to: number) {
  const events = eventsFor(from, to);
  const t = performance.now();
  const tenants = new Map<string, EngagementEvent[]>();
  const pairs = new Map<string, EngagementEvent[]>();
  for (const e of events) {
    if (!("workload" in e) || !e.workload) tenants.set(e.tenantid!, [...(tenants.get(e.tenantid!) ?? []), e]);
    else {
      const id = pairStreamId(PARTNER, e.tenantid!, e.workload);
      pairs.set(id, [...(pairs.get(id) ?? []), e]);
    }
  }
  const now = new Date(NOW);
  const queue = [...pairs];
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      for (let next = queue.pop(); next; next = queue.pop()) {
        const [streamId, own] = next;
        const tenantId = streamId.split("|")[1]!;
        const head = headWithEvents(streamId, own, now, tenants.get(tenantId) ?? []);
        await createOnce(() => projections.docs.create(projections.project(head)));
      }
    }),
  );
  console.log(
    `  seeded pairs ${from.toLocaleString()}–${(to - 1).toLocaleString()}: ${pairs.size.toLocaleString()} heads from ${events.length.toLocaleString()} events in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
}

/** The emulator may close an idle keep-alive socket as the SDK reuses it: try again (409: it landed). */
async function createOnce(create: () => Promise<unknown>) {
  for (let attempt = 1; ; attempt++) {
    try {
      await create();
      return;
    } catch (error) {
      if ((error as { name?: string }).name === "DocumentConflict") return;
      if (attempt >= 4 || (error as { code?: string }).code !== "ECONNRESET") throw error;
    }
  }
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: pct(s, 50), p95: pct(s, 95), max: s.at(-1)! };
};
const ms = (n: number) => `${n.toFixed(0)} ms`;

export async function run(): Promise<void> {
  const { gzipBytes } = await buildBoard({ quiet: true });
  console.log(`board bundle: ${(gzipBytes / 1024).toFixed(1)} KiB gzipped (JS + CSS + HTML)`);
  const started = Date.now();
  const tracker = await startLocalTracker({
    partnerId: PARTNER,
    apiKey: KEY,
    clock: () => new Date(NOW + (Date.now() - started)),
    enableTimers: false,
    quiet: true,
    cosmosInSeparateProcess: true,
  });
  const { projections } = tracker.services;
  const browser = await launchChromium();
  try {
    await seed(projections, 0, FIRST);

    // --- first render at FIRST pairs -----------------------------------------------------------
    const render = async (search?: string) => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.addInitScript((key) => sessionStorage.setItem("tracker.apiKey", key), KEY);
      await page.goto(`${tracker.url}/api/board/`);
      if (search) {
        await page.getByLabel("Search customer or tenant id").fill(search);
        const t0 = await page.evaluate(() => performance.now());
        await page.getByRole("button", { name: "Search" }).click();
        await page.locator("p.summary", { hasText: /^0 pairs/ }).waitFor();
        const t1 = await page.evaluate(() => performance.now());
        await page.close();
        return { first: t1 - t0, complete: t1 - t0, rows: 0 };
      }
      await page.waitForFunction(() => document.documentElement.dataset.boardComplete, undefined, {
        timeout: 120_000,
      });
      const marks = await page.evaluate(() => ({
        first: Number(document.documentElement.dataset.boardFirstRender),
        complete: Number(document.documentElement.dataset.boardComplete),
        rows: document.querySelectorAll("tr[data-pair]").length,
      }));
      await page.close();
      return marks;
    };
    await render(); // warm-up: the emulator's and the host's first queries
    const runs = [];
    for (let i = 0; i < 5; i++) runs.push(await render());
    const empty = [];
    for (let i = 0; i < 5; i++) empty.push(await render("no such customer"));
    const first = stats(runs.map((r) => r.first));
    const complete = stats(runs.map((r) => r.complete));
    const baseline = stats(empty.map((r) => r.first));
    console.log(`first render at ${FIRST.toLocaleString()} pairs (5 runs, headless Chromium, 1280×800):`);
    console.log(
      `  first rows on screen: p50 ${ms(first.p50)}, max ${ms(first.max)} (goal < 1,500 ms); ${runs[0]!.rows} rows rendered (100 per stage until "Show all")`,
    );
    console.log(
      `  all ${FIRST.toLocaleString()} pairs loaded and grouped: p50 ${ms(complete.p50)}, max ${ms(complete.max)}`,
    );
    console.log(
      `  baseline, an empty search (the page's own work and one list request): p50 ${ms(baseline.p50)}; first render / baseline ${(first.p50 / baseline.p50).toFixed(1)}×`,
    );

    // --- list API at TOTAL pairs ---------------------------------------------------------------
    await seed(projections, FIRST, TOTAL);
    const get = async (path: string) => {
      const t = performance.now();
      const response = await fetch(`${tracker.url}/api/${path}`, { headers: { "x-api-key": KEY } });
      const body = (await response.json()) as { items: unknown[]; continuationToken?: string };
      if (response.status !== 200) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
      return { ms: performance.now() - t, body };
    };
    const total = (await get("pairs?limit=1")).body;
    const firstPage = await get("pairs?limit=100");
    const token = encodeURIComponent(firstPage.body.continuationToken ?? "");
    const filters: [string, string][] = [
      ["no filter", "pairs?limit=100"],
      ["next page", `pairs?limit=100&continuationToken=${token}`],
      ["claimableNow=true", "pairs?claimableNow=true&limit=100"],
      ["eligibility=not-claimable", "pairs?eligibility=not-claimable&limit=100"],
      ["status=submitted", "pairs?status=submitted&limit=100"],
      ["stage+claimable", "pairs?stage=deployment&claimableNow=false&limit=100"],
      ["windowWithinDays=30", "pairs?windowWithinDays=30&limit=100"],
      ["search (one customer)", "pairs?search=customer%2004242&limit=100"],
      ["board page (200)", "pairs?limit=200"],
    ];
    for (const [, path] of filters) await get(path); // warm-up
    const all: number[] = [];
    const ROUNDS = 15;
    console.log(
      `list API at ${TOTAL.toLocaleString()} pairs (${ROUNDS} rounds of each filter, sequential, HTTP to the dev host):`,
    );
    const base: number[] = [];
    for (let i = 0; i < ROUNDS * 2; i++) {
      const k = (i * 377) % TOTAL;
      const t = Math.floor(k / 2);
      base.push((await get(`pairs/${tenantOf(t)}/${WORKLOADS[(k % 2) + 2 * (t % 2)]}`)).ms);
    }
    for (const [name, path] of filters) {
      const times: number[] = [];
      let items = 0;
      let more = false;
      for (let i = 0; i < ROUNDS; i++) {
        const r = await get(path);
        times.push(r.ms);
        items = r.body.items.length;
        more = Boolean(r.body.continuationToken);
      }
      all.push(...times);
      const s = stats(times);
      console.log(
        `  ${name.padEnd(26)} p50 ${ms(s.p50).padStart(7)}  p95 ${ms(s.p95).padStart(7)}  ${items} items${more ? " + token" : ", last page"}`,
      );
    }
    const overall = stats(all);
    const b = stats(base);
    console.log(
      `  all filters: p50 ${ms(overall.p50)}, p95 ${ms(overall.p95)}, max ${ms(overall.max)} (goal p95 < 300 ms)`,
    );
    console.log(
      `  baseline, GET one pair (point read + its streams): p50 ${ms(b.p50)}, p95 ${ms(b.p95)}; list p95 / pair p95 ${(overall.p95 / b.p95).toFixed(1)}×`,
    );
    if (total.items.length !== 1) throw new Error("no pairs listed");
  } finally {
    await browser.close();
    await tracker.stop();
  }
}
