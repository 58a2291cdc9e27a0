// Upload benchmark (issue: POE documents): a 20 MiB PDF through `POST /api/pairs/{t}/{w}/documents` on the
// dev host versus the same bytes uploaded directly with @azure/storage-blob to the same Azurite, in the same
// run. Prints the median MiB/s of each, their ratio (goal >= 0.8) and the peak RSS growth of this process
// while an upload is under way (goal < 64 MiB; the dev host and its handler run here, the uploading client
// and Azurite in processes of their own). Finally one extra, instrumented endpoint upload shows
// where its time goes (block staging, commit, event), to locate any bottleneck.

import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import {
  BlobClient,
  BlobServiceClient,
  BlockBlobClient,
  StorageSharedKeyCredential,
} from "@azure/storage-blob";
import { startLocalTracker } from "../infra/devhost/local-tracker.ts";
import { TrackerClient } from "../scripts/tracker-client.ts";
import { withPeakRss } from "./rss.ts";
import { pdfBytes } from "./upload-bytes.ts";
import { startUploadClient } from "./upload-client.ts";

const MiB = 2 ** 20;
const FILE_BYTES = Number(process.env.BENCH_UPLOAD_MIB ?? 20) * MiB;
const RUNS = Number(process.env.BENCH_UPLOAD_RUNS ?? 3);
// What PoeDocumentStore uses by default (blockBytes, concurrency).
const BLOCK_BYTES = MiB;
const CONCURRENCY = 4;
const TENANT = "7e1a2b3c-0000-4000-8000-00000000b0b0";
const WORKLOAD = "purview-dlp";
const UPLOAD_TIMEOUT_MS = 30_000;

/** `gc()` for a steadier RSS baseline: --expose-gc if given, else enabled at run time (V8 allows it). */
function findGc(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === "function") return exposed;
  try {
    setFlagsFromString("--expose-gc");
    const gc: unknown = runInNewContext("gc");
    return typeof gc === "function" ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

interface Measured {
  ms: number;
  /** Peak RSS minus RSS just before the upload began. */
  rssGrowth: number;
}

/** Times `work`, with the peak RSS growth over a baseline taken (after gc) just before it starts. */
async function measure(gc: (() => void) | undefined, work: () => Promise<void>): Promise<Measured> {
  const { seconds, growth } = await withPeakRss(work, { gc });
  return { ms: seconds * 1000, rssGrowth: growth };
}

interface Span {
  op: string;
  start: number;
  end: number;
}

/**
 * Records the start and end of the blob calls the store makes, for one diagnostic upload only (the
 * figures above are measured without it). Returns a function that restores the originals.
 */
function recordBlobCalls(spans: Span[]): () => void {
  const patches: [object, string, unknown][] = [];
  const wrap = (proto: object, name: string, op = name) => {
    const original = (proto as Record<string, unknown>)[name] as (...args: unknown[]) => Promise<unknown>;
    patches.push([proto, name, original]);
    (proto as Record<string, unknown>)[name] = async function (this: unknown, ...args: unknown[]) {
      const span = { op, start: performance.now(), end: Number.NaN };
      spans.push(span);
      try {
        const result = await original.apply(this, args);
        if (op === "beginCopyFromURL") {
          // The copy is done once the poller is: time the initial request and the polling apart.
          span.end = performance.now();
          const poll = { op: "pollCopy", start: span.end, end: Number.NaN };
          spans.push(poll);
          await (result as { pollUntilDone(): Promise<unknown> }).pollUntilDone();
          poll.end = performance.now();
        }
        return result;
      } finally {
        if (Number.isNaN(span.end)) span.end = performance.now();
      }
    };
  };
  wrap(BlockBlobClient.prototype, "stageBlock");
  wrap(BlockBlobClient.prototype, "commitBlockList");
  wrap(BlobClient.prototype, "beginCopyFromURL");
  wrap(BlobClient.prototype, "deleteIfExists");
  wrap(BlobClient.prototype, "generateSasUrl");
  return () => {
    for (const [proto, name, original] of patches.reverse())
      (proto as Record<string, unknown>)[name] = original;
  };
}

export async function run(): Promise<void> {
  const gc = findGc();
  const tracker = await startLocalTracker({ quiet: true, enableTimers: false });
  const uploader = startUploadClient();
  try {
    const client = new TrackerClient(tracker);
    const created = await client.post({
      specversion: "1.0",
      id: `bench-upload-${randomBytes(6).toString("hex")}`,
      source: "crm://bench",
      type: "deployment.started",
      time: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      partnerid: tracker.partnerId,
      tenantid: TENANT,
      workload: WORKLOAD,
      data: { activities: ["configuration"], delivery: "remote" },
    });
    if (created.status !== 201)
      throw new Error(`creating the pair: ${created.status} ${JSON.stringify(created.body)}`);
    await tracker.drainChangeFeed();

    // The direct baseline talks to the very Azurite the store uses, with the store's own account credential.
    const store = tracker.services.documents;
    if (!store) throw new Error("the tracker has no document store");
    const credential = store.container.credential;
    if (!(credential instanceof StorageSharedKeyCredential)) throw new Error("expected a shared-key account");
    const accountUrl = store.container.url.slice(0, store.container.url.lastIndexOf("/"));
    const scratch = new BlobServiceClient(accountUrl, credential).getContainerClient(
      `bench-upload-${randomBytes(4).toString("hex")}`,
    );
    await scratch.create();

    const direct = async (key: Buffer, size = FILE_BYTES) => {
      const blob = scratch.getBlockBlobClient(`direct-${key.toString("hex")}.pdf`);
      await blob.uploadStream(Readable.from(pdfBytes(key, size)), BLOCK_BYTES, CONCURRENCY, {
        blobHTTPHeaders: { blobContentType: "application/pdf" },
      });
    };
    // The endpoint's client runs in its own process, as a partner's browser or CRM would.
    const endpoint = async (key: Buffer, size = FILE_BYTES) => {
      const answer = await uploader.upload({
        url: `${tracker.url}/api/pairs/${TENANT}/${WORKLOAD}/documents`,
        apiKey: tracker.apiKey,
        keyHex: key.toString("hex"),
        size,
        workload: WORKLOAD,
        timeoutMs: UPLOAD_TIMEOUT_MS,
      });
      if (answer.status !== 201 || answer.body.size !== size || answer.body.duplicate !== false) {
        throw new Error(`upload answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      }
    };

    // Warm-up (not reported): connections, JIT, the store's container check, on a small file each.
    await direct(randomBytes(16), MiB);
    await endpoint(randomBytes(16), MiB);

    const directRuns: Measured[] = [];
    const endpointRuns: Measured[] = [];
    for (let i = 0; i < RUNS; i++) {
      const key = randomBytes(16);
      // Alternate which goes first, so neither always gets the warmer (or the more fragmented) process.
      const order = i % 2 === 0 ? (["direct", "endpoint"] as const) : (["endpoint", "direct"] as const);
      for (const which of order) {
        if (which === "direct") directRuns.push(await measure(gc, () => direct(key)));
        else endpointRuns.push(await measure(gc, () => endpoint(key)));
      }
    }

    // One more endpoint upload, instrumented, to see where its time goes.
    const spans: Span[] = [];
    const restore = recordBlobCalls(spans);
    let diagnostic: Measured;
    let t0 = Number.NaN;
    try {
      diagnostic = await measure(gc, () => {
        t0 = performance.now();
        return endpoint(randomBytes(16));
      });
    } finally {
      restore();
    }
    await scratch.deleteIfExists();

    const rate = (m: Measured) => FILE_BYTES / MiB / (m.ms / 1000);
    const directRate = median(directRuns.map(rate));
    const endpointRate = median(endpointRuns.map(rate));
    const ratio = endpointRate / directRate;
    const list = (runs: Measured[]) => runs.map((m) => rate(m).toFixed(1)).join(", ");
    const mib = (bytes: number) => (bytes / MiB).toFixed(0);
    const peakEndpoint = Math.max(...endpointRuns.map((m) => m.rssGrowth));
    console.log(`== upload (${FILE_BYTES / MiB} MiB, Azurite)`);
    console.log(
      `  direct @azure/storage-blob: ${directRate.toFixed(1)} MiB/s (median of ${RUNS}: ${list(directRuns)}; uploadStream ${BLOCK_BYTES / MiB} MiB x ${CONCURRENCY})`,
    );
    console.log(
      `  through POST /documents:    ${endpointRate.toFixed(1)} MiB/s (median of ${RUNS}: ${list(endpointRuns)})  ratio ${ratio.toFixed(2)} (goal >= 0.80)`,
    );
    console.log(
      `  peak RSS growth during upload: ${mib(peakEndpoint)} MiB (worst of ${RUNS}: ${endpointRuns.map((m) => mib(m.rssGrowth)).join(", ")}; goal < 64)` +
        `; direct upload for reference: ${directRuns.map((m) => mib(m.rssGrowth)).join(", ")} MiB`,
    );
    console.log(
      `  (RSS: this process = dev host + handler, the client posts from its own process; gc before each upload: ${gc ? "yes" : "no, gc unavailable"})`,
    );
    console.log(breakdown(spans, t0, diagnostic, directRate));
  } finally {
    uploader.stop();
    await tracker.stop();
  }
}

/** Where the instrumented upload's time went, phase by phase. */
function breakdown(spans: Span[], t0: number, total: Measured, directRate: number): string {
  const of = (op: string) => spans.filter((s) => s.op === op);
  const stages = of("stageBlock");
  const commits = of("commitBlockList");
  const copies = of("beginCopyFromURL");
  const deletes = of("deleteIfExists");
  const first = stages[0]?.start ?? Number.NaN;
  const lastStage = Math.max(...stages.map((s) => s.end));
  const commit = commits[0];
  const copy = copies[0];
  const poll = of("pollCopy")[0];
  // How many blocks were already in flight as each one started: about `CONCURRENCY - 1` means the store
  // waited on storage; well below it means the bytes were not arriving fast enough to fill blocks.
  const inFlight = stages.map((s) => stages.filter((o) => o.start < s.start && o.end > s.start).length);
  const del = deletes.find((d) => d.start > (poll?.end ?? 0));
  const end = t0 + total.ms;
  const ms = (n: number) => `${Math.round(n)} ms`;
  const stageMs = stages.reduce((sum, s) => sum + (s.end - s.start), 0);
  const stagingRate = FILE_BYTES / MiB / ((lastStage - first) / 1000);
  const parts = [
    `request -> first block ${ms(first - t0)}`,
    `${stages.length} blocks staged over ${ms(lastStage - first)} (${stagingRate.toFixed(1)} MiB/s, ${(stagingRate / directRate).toFixed(2)} of direct; mean ${ms(stageMs / stages.length)} per block)`,
    commit ? `commitBlockList ${ms(commit.end - commit.start)}` : "no commitBlockList",
    `mean ${(inFlight.reduce((a, b) => a + b, 0) / inFlight.length).toFixed(1)} blocks already in flight when one started`,
    // The store commits where it staged; a copy or delete here would mean the bytes were written twice.
    ...(copy && poll ? [`copy ${ms(poll.end - copy.start)}`] : []),
    ...(del ? [`delete ${ms(del.end - del.start)}`] : []),
    `then event + answer ${ms(end - (del?.end ?? poll?.end ?? lastStage))}`,
  ];
  return `  instrumented endpoint upload, ${ms(total.ms)} in all: ${parts.join("; ")}`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
