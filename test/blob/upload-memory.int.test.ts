import { randomUUID } from "node:crypto";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { POE_FILE_ACCEPTANCE } from "../../application/file-kind.ts";
import { withPeakRss } from "../../bench/rss.ts";
import { PoeDocumentStore } from "../../infra/blob/poe-documents.ts";
import { type RunningAzurite, startAzurite } from "../../infra/emulators/azurite.ts";
import { generatedChunksInOneBuffer, generatedFile, MiB, sha256Of } from "./fixtures.ts";

// Its own file, so the measurement runs in its own worker, undisturbed by other tests' allocations.
// Azurite runs in a child process: its memory is not in this process's RSS.

setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

let azurite: RunningAzurite;
let store: PoeDocumentStore;

beforeAll(async () => {
  azurite = await startAzurite();
  store = PoeDocumentStore.fromConnectionString(azurite.connectionString, {
    containerName: `poe-${randomUUID()}`,
  });
});

afterAll(async () => {
  await azurite?.stop();
});

const upload = (content: AsyncIterable<Uint8Array>) =>
  store.store({
    acceptance: POE_FILE_ACCEPTANCE,
    partnerId: "4811223",
    tenantId: "6f1c2a9e-3c4b-4f1e-9a51-2b7c0d9e8f10",
    workload: "defender-endpoint",
    fileName: "large-sow.pdf",
    declaredContentType: "application/pdf",
    content,
    metadata: { kind: "sow", workloadsMentioned: ["defender-endpoint"] },
  });

/** Uploads while sampling RSS every 5 ms; the baseline is taken from a freshly collected heap. */
async function measured(content: AsyncIterable<Uint8Array>) {
  const { result: stored, ...memory } = await withPeakRss(() => upload(content), {
    gc: collectGarbage,
    everyMs: 5,
  });
  return { stored, ...memory };
}

const SIZE = 20 * MiB;
const report = (label: string, { seconds, baseline, growth }: Awaited<ReturnType<typeof measured>>) =>
  console.log(
    `${label}: ${seconds.toFixed(2)} s, ${(SIZE / MiB / seconds).toFixed(1)} MiB/s; ` +
      `RSS baseline ${(baseline / MiB).toFixed(1)} MiB, peak growth ${(growth / MiB).toFixed(1)} MiB`,
  );

it("streams a 20 MiB upload holding far less than the file in memory", async () => {
  // Warm up at full size first: connections, JIT and the heap's working size are not the upload's cost.
  await upload(generatedChunksInOneBuffer(SIZE, "%PDF-1.7\n", 1).chunks);

  // The producer refills one buffer, so the RSS growth seen here is what the store itself holds
  // (its pool of concurrency + 1 blocks, requests in flight), not the producer's garbage.
  const file = generatedChunksInOneBuffer(SIZE, "%PDF-1.7\n", 2);
  const run = await measured(file.chunks);
  report("20 MiB upload to Azurite (store's own footprint)", run);

  // Same hash as produced: the store never held on to a chunk the producer then overwrote.
  expect(run.stored).toMatchObject({ size: SIZE, sha256: await file.sha256 });
  // Loose on purpose (allocator and GC timing vary); buffering the file would show at least its 20 MiB.
  expect(run.growth).toBeLessThan(SIZE / 2);
});

it("streams a 20 MiB Readable (a request body's shape) at full speed", async () => {
  // A Readable allocates a fresh buffer per chunk, as an HTTP body does; that garbage waits for the GC,
  // so RSS is logged here rather than bounded. Larger files plateau (the growth does not scale with size).
  const file = generatedFile(SIZE, "%PDF-1.7\n", 3);
  const run = await measured(file.stream);
  report("20 MiB upload to Azurite (from a Readable)", run);
  expect(run.stored).toMatchObject({ size: SIZE, sha256: await file.sha256 });
  const opened = await store.open(
    "4811223",
    "6f1c2a9e-3c4b-4f1e-9a51-2b7c0d9e8f10",
    "defender-endpoint",
    run.stored.documentId,
  );
  expect((await sha256Of(opened!.stream)).sha256).toBe(run.stored.sha256);
});
