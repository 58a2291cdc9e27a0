// Issue 10, load: the shared scenarios cloned over many pairs, padded with guidance sessions, shuffled
// (out of order), 10% redelivered, posted by 32 concurrent clients as single events and small batches.
// Prints throughput, p50/p99 and answers by status, then checks every pair against the offline fold
// of the same events and every stream against what was sent: nothing lost, nothing doubled.
// Quick profile in `npm test`; `npm run test:reliability` sends 50,000 events over 1,000+ pairs.
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EngagementEvent, validateEvent } from "../../domain/events.ts";
import { evaluatePairs } from "../../domain/fold.ts";
import type { LocalTracker } from "../../infra/devhost/local-tracker.ts";
import { countStored, deliver, PARTNER, percentile, read, startTracker, storedEvents } from "./harness.ts";

const FULL = process.env.RELIABILITY_PROFILE === "full";
const TARGET_EVENTS = Number(process.env.LOAD_EVENTS ?? (FULL ? 50_000 : 600));
const TARGET_PAIRS = Number(process.env.LOAD_PAIRS ?? (FULL ? 1_000 : 30));
const CLIENTS = 32;
const AS_OF = "2025-12-31T00:00:00Z";
const SCENARIOS = join(import.meta.dirname, "../../../shared/scenarios");

let tracker: LocalTracker;
beforeAll(async () => {
  tracker = await startTracker();
});
afterAll(async () => {
  await tracker?.stop();
});

/** A deterministic shuffle (LCG), so a failing run can be replayed. */
function shuffle<T>(list: T[], seed: number): T[] {
  let s = seed;
  for (let i = list.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}

/** Scenario events cloned onto fresh tenants until TARGET_PAIRS pairs, padded to TARGET_EVENTS. */
function workload(): Record<string, unknown>[] {
  const files = readdirSync(SCENARIOS)
    .filter((f) => f.endsWith(".ndjson"))
    .sort()
    .map((f) =>
      readFileSync(join(SCENARIOS, f), "utf8")
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        // Partner-wide events would put every client on one stream; the pairs are what is checked.
        .filter((e) => typeof e.tenantid === "string" && e.partnerid === PARTNER),
    )
    .filter((events) => events.length > 0);
  const events: Record<string, unknown>[] = [];
  const pairs = new Set<string>();
  for (let unit = 0; pairs.size < TARGET_PAIRS; unit++) {
    const tenants = new Map<string, string>();
    for (const e of files[unit % files.length]!) {
      const tenant = tenants.get(e.tenantid as string) ?? randomUUID();
      tenants.set(e.tenantid as string, tenant);
      const clone: Record<string, unknown> = { ...e, id: `L${unit}-${e.id}`, tenantid: tenant };
      events.push(clone);
      if (typeof clone.workload === "string") pairs.add(`${tenant}|${clone.workload}`);
    }
  }
  const pairList = [...pairs];
  for (let i = 0; events.length < TARGET_EVENTS; i++) {
    const [tenant, wl] = pairList[i % pairList.length]!.split("|");
    const day = 1 + (i % 28);
    events.push({
      specversion: "1.0",
      id: `pad-${i}`,
      source: "crm://load",
      type: "guidance.session.logged",
      time: `2025-0${1 + (i % 6)}-${String(day).padStart(2, "0")}T${String(i % 24).padStart(2, "0")}:00:00Z`,
      partnerid: PARTNER,
      tenantid: tenant,
      workload: wl,
      data: { minutes: 15 + (i % 60), topic: `session ${i}` },
    });
  }
  return events;
}

describe(`load: ${TARGET_EVENTS} events, ${CLIENTS} clients, ${TARGET_PAIRS}+ pairs`, () => {
  it("holds: every delivery lands once, every pair equals the offline evaluation", async () => {
    const events = workload();
    // Out of order (shuffled), 10% redelivered later, grouped into single posts and batches of up to 8.
    const sends = shuffle([...events, ...events.filter((_, i) => i % 10 === 3)], 42);
    const deliveries: Record<string, unknown>[][] = [];
    for (let i = 0, s = 7; i < sends.length; ) {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      const size = s % 10 < 7 ? 1 : 2 + (s % 7);
      deliveries.push(sends.slice(i, i + size));
      i += size;
    }

    const statuses = new Map<number, number>();
    const latencies: number[] = [];
    let retries = 0;
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < deliveries.length) {
          const batch = deliveries[next++]!;
          const body = JSON.stringify(batch.length === 1 ? batch[0] : batch);
          // At-least-once: a retryable answer (429/503, Retry-After) is retried.
          for (let attempt = 0; ; attempt++) {
            const answer = await deliver(tracker.url, body, {
              contentType:
                batch.length === 1 ? "application/cloudevents+json" : "application/cloudevents-batch+json",
            });
            latencies.push(answer.ms);
            statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
            if ((answer.status === 503 || answer.status === 429) && attempt < 50) {
              retries++;
              const wait = Number(answer.headers["retry-after"] ?? "1");
              await new Promise((r) => setTimeout(r, Math.min(wait, 2) * 1000 * Math.random()));
              continue;
            }
            expect([201, 202], answer.text).toContain(answer.status);
            break;
          }
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);

    // Nothing lost, nothing doubled: every stream holds exactly the distinct events sent to it.
    const stored = await storedEvents(tracker);
    const storedKeys = new Set<string>();
    let doubled = 0;
    for (const list of stored.values())
      for (const e of list) {
        const key = JSON.stringify([e.source, e.id]);
        if (storedKeys.has(key)) doubled++;
        storedKeys.add(key);
      }
    const distinct = new Set(events.map((e) => JSON.stringify([e.source, e.id]))).size;
    const lost = events.filter((e) => !storedKeys.has(JSON.stringify([e.source, e.id]))).length;

    // Every pair equals the offline fold of the same events (the evaluator's domain code).
    await tracker.drainChangeFeed();
    const valid = events.map((e) => {
      const v = validateEvent(e);
      if (!v.ok) throw new Error(`load generator made an invalid event: ${JSON.stringify(v.errors)}`);
      return v.event as EngagementEvent;
    });
    const expected = evaluatePairs(valid, AS_OF);
    const mismatches: string[] = [];
    let cursor = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (cursor < expected.length) {
          const want = expected[cursor++]!;
          const got = await read(tracker.url, `/api/pairs/${want.tenantId}/${want.workload}?asOf=${AS_OF}`);
          // The read may add members (the customer's name); STATE.md's are compared.
          const state = Object.fromEntries(Object.keys(want).map((k) => [k, got.body?.[k]]));
          if (got.status !== 200 || JSON.stringify(sortKeys(state)) !== JSON.stringify(sortKeys(want)))
            mismatches.push(
              `${want.tenantId}/${want.workload}: ${got.status} ${firstDifference(sortKeys(state), sortKeys(want))}`,
            );
        }
      }),
    );

    console.log(
      [
        `load: ${distinct} distinct events (+${sends.length - events.length} redeliveries) in ${deliveries.length} deliveries ` +
          `over ${expected.length} pairs from ${CLIENTS} clients`,
        `  ${(sends.length / seconds).toFixed(0)} events/s, ${(deliveries.length / seconds).toFixed(0)} deliveries/s over ${seconds.toFixed(1)} s; ` +
          `latency p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`,
        `  answers by status: ${[...statuses].map(([s, n]) => `${s}×${n}`).join("  ")}; retries ${retries}`,
        `  stored ${countStored(stored)} events; lost ${lost}, doubled ${doubled}; pairs differing from the offline evaluation: ${mismatches.length}`,
      ].join("\n"),
    );
    expect(lost).toBe(0);
    expect(doubled).toBe(0);
    expect(countStored(stored)).toBe(distinct);
    expect(mismatches.slice(0, 10)).toEqual([]);
  });
});

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  return value;
}

/** Where two JSON values first differ, as a path and both values (for the failure message). */
function firstDifference(a: unknown, b: unknown, path = "$"): string {
  if (JSON.stringify(a) === JSON.stringify(b)) return "";
  if (a && b && typeof a === "object" && typeof b === "object") {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        `${path}.${k}`,
      );
      if (d) return d;
    }
  }
  return `${path}: service ${JSON.stringify(a)?.slice(0, 150)} vs offline ${JSON.stringify(b)?.slice(0, 150)}`;
}
