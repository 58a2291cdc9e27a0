// Issue 4, end to end: uploads over real HTTP to the dev host, Blob storage through
// @azure/storage-blob against Azurite, events through @azure/cosmos against the emulator.
import { createHash } from "node:crypto";
import {
  BlobServiceClient,
  newPipeline,
  type RequestPolicyFactory,
  RestError,
  StorageSharedKeyCredential,
  type WebResource,
} from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PoeEvidence } from "../../application/poe-evidence.ts";
import { pairStreamId } from "../../domain/events.ts";
import { DocumentStorageFailed, PoeDocumentStore } from "../../infra/blob/poe-documents.ts";
import { type LocalTracker, startLocalTracker } from "../../infra/devhost/local-tracker.ts";
import { AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY } from "../../infra/emulators/azurite.ts";
import { type Answer, TrackerClient } from "../../scripts/tracker-client.ts";

const PARTNER = "4811223";
const TENANT = "1a2b3c4d-1111-4222-8333-444455556666";
const WORKLOAD = "purview-dlp";
const PDF = Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.alloc(40_000, 7), Buffer.from("\n%%EOF\n")]);

let tracker: LocalTracker;
let client: TrackerClient;

beforeAll(async () => {
  tracker = await startLocalTracker({
    partnerId: PARTNER,
    webhookSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    apiKey: "partner-key",
    access: { apiKeys: [{ partnerId: "5900001", key: "other-key" }] },
    enableTimers: false,
    quiet: true,
  });
  client = new TrackerClient(tracker);
  const event = (id: string, type: string, data: object, time = "2025-04-07T09:00:00Z") => ({
    specversion: "1.0",
    id,
    source: "crm://docs",
    type,
    time,
    partnerid: PARTNER,
    tenantid: TENANT,
    workload: WORKLOAD,
    data,
  });
  // p10's shape: the acknowledgement names another workload, so POE-3 is missing until a document names this one.
  const answer = await client.post([
    event("d-1", "deployment.started", { activities: ["configuration"], delivery: "remote" }),
    event("d-2", "acknowledgement.recorded", {
      signedOn: "2025-04-01",
      signer: { name: "Dana" },
      format: "signed-sow",
      workloads: ["purview-information-protection"],
    }),
    event("d-3", "engagement.scope.described", {
      description: "DLP rollout",
      startDate: "2025-04-07",
      endDate: "2025-05-30",
    }),
  ]);
  expect(answer.status).toBe(201);
});
afterAll(async () => {
  await tracker?.stop();
});

function form(
  file: Blob,
  fileName: string,
  fields: Record<string, string> = { kind: "sow", workloadsMentioned: WORKLOAD },
) {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  body.append("file", file, fileName);
  return body;
}

async function upload(
  body: FormData | ReadableStream,
  opts: { tenant?: string; apiKey?: string; headers?: Record<string, string> } = {},
) {
  const response = await fetch(`${tracker.url}/api/pairs/${opts.tenant ?? TENANT}/${WORKLOAD}/documents`, {
    method: "POST",
    headers: { "x-api-key": opts.apiKey ?? "partner-key", ...opts.headers },
    body,
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
  return { status: response.status, body: await response.json() } as Answer;
}

async function storedBlobs(): Promise<string[]> {
  const container = (
    tracker.services.documents as unknown as {
      container: { listBlobsFlat(): AsyncIterable<{ name: string }> };
    }
  ).container;
  const names: string[] = [];
  for await (const b of container.listBlobsFlat()) names.push(b.name);
  return names;
}

async function pairEvents(): Promise<string[]> {
  const stream = await tracker.services.projections.store.readStream(pairStreamId(PARTNER, TENANT, WORKLOAD));
  return stream.events.map((e) => e.event.type as string);
}

describe("POE documents", () => {
  it("round-trips a document with its hash and counts it toward the POE checklist at once", async () => {
    const before = await client.get(`pairs/${TENANT}/${WORKLOAD}?asOf=2025-05-22T00:00:00Z`);
    expect(before.body.poe.missing).toContain("workload-not-in-poe");

    const stored = await upload(form(new Blob([PDF], { type: "application/pdf" }), "statement of work.pdf"));
    expect(stored.status).toBe(201);
    const sha256 = createHash("sha256").update(PDF).digest("hex");
    expect(stored.body).toMatchObject({
      sha256,
      size: PDF.length,
      contentType: "application/pdf",
      duplicate: false,
    });

    const bytes = await fetch(
      `${tracker.url}/api/pairs/${TENANT}/${WORKLOAD}/documents/${stored.body.documentId}`,
      {
        headers: { "x-api-key": "partner-key" },
      },
    );
    expect(bytes.status).toBe(200);
    expect(
      createHash("sha256")
        .update(Buffer.from(await bytes.arrayBuffer()))
        .digest("hex"),
    ).toBe(sha256);

    const link = await client.get(`pairs/${TENANT}/${WORKLOAD}/documents/${stored.body.documentId}?as=link`);
    expect(link.status).toBe(200);
    const viaLink = await fetch(link.body.url);
    expect(
      createHash("sha256")
        .update(Buffer.from(await viaLink.arrayBuffer()))
        .digest("hex"),
    ).toBe(sha256);

    const after = await client.get(`pairs/${TENANT}/${WORKLOAD}?asOf=2099-01-01T00:00:00Z`);
    expect(after.body.poe.missing).not.toContain("workload-not-in-poe");
    expect(after.body.timeline.at(-1)).toMatchObject({
      type: "poe.document.attached",
      data: { sha256, kind: "sow" },
    });
  });

  it("the same bytes uploaded concurrently are one document and one event", async () => {
    const bytes = Buffer.concat([PDF, Buffer.from("concurrent")]);
    const eventsBefore = (await pairEvents()).length;
    const blobsBefore = (await storedBlobs()).length;
    const answers = await Promise.all(
      [1, 2, 3].map(() => upload(form(new Blob([bytes], { type: "application/pdf" }), "same.pdf"))),
    );
    expect(new Set(answers.map((a) => a.body.documentId)).size).toBe(1);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 201]);
    expect((await pairEvents()).length).toBe(eventsBefore + 1);
    expect((await storedBlobs()).filter((n) => n.endsWith(answers[0]!.body.documentId))).toHaveLength(1);
    expect((await storedBlobs()).length).toBe(blobsBefore + 1);
  });

  it("a path in the file name is stripped to a safe name", async () => {
    const answer = await upload(
      form(new Blob([Buffer.concat([PDF, Buffer.from("x")])]), "..\\..\\evil\u202e fdp.pdf"),
    );
    expect(answer.status).toBe(201);
    for (const unsafe of ["/", "\\", "\u0000", "\u202e", ".."])
      expect(answer.body.fileName).not.toContain(unsafe);
    expect(answer.body.fileName.endsWith(".pdf")).toBe(true);
  });

  describe("refusals store nothing", () => {
    const tooLarge = () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          const boundary = "----tracker";
          controller.enqueue(
            Buffer.from(
              `--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nsow\r\n--${boundary}\r\nContent-Disposition: form-data; name="workloadsMentioned"\r\n\r\n${WORKLOAD}\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\n`,
            ),
          );
          const chunk = Buffer.alloc(1024 * 1024, 1);
          for (let i = 0; i < 26; i++) controller.enqueue(chunk);
          controller.enqueue(Buffer.from(`\r\n--${boundary}--\r\n`));
          controller.close();
        },
      });
    it.each([
      [
        "a file over 25 MiB",
        () =>
          upload(tooLarge(), { headers: { "content-type": "multipart/form-data; boundary=----tracker" } }),
        413,
      ],
      [
        "a PDF that is really a PNG",
        () => upload(form(new Blob([Buffer.from("89504e470d0a1a0a0000000d49484452", "hex")]), "report.pdf")),
        415,
      ],
      ["an executable", () => upload(form(new Blob([Buffer.from("MZ\x90\x00\x03")]), "setup.exe")), 415],
      ["an empty file", () => upload(form(new Blob([]), "empty.pdf")), 400],
      [
        "a hostile file name (path and NUL)",
        () => upload(form(new Blob([PDF]), "../../etc/passwd\u0000.pdf")),
        400,
      ],
      ["a missing workloadsMentioned", () => upload(form(new Blob([PDF]), "a.pdf", { kind: "sow" })), 400],
      ["another partner's pair", () => upload(form(new Blob([PDF]), "a.pdf"), { apiKey: "other-key" }), 404],
      [
        "a pair that does not exist",
        () => upload(form(new Blob([PDF]), "a.pdf"), { tenant: "00000000-1111-4222-8333-444455556666" }),
        404,
      ],
    ])("%s", async (_name, send, status) => {
      const blobs = await storedBlobs();
      const events = await pairEvents();
      const answer = await send();
      expect(answer.status).toBe(status);
      expect(answer.body.type).toMatch(/^\/problems\//);
      expect(await storedBlobs()).toEqual(blobs);
      expect(await pairEvents()).toEqual(events);
    });
  });

  it("a blob-write failure (fault at the storage client) records no event and leaves no blob", async () => {
    // A storage outage cannot be caused on Azurite on demand: the storage client's pipeline drops the
    // commit request, as a reset connection would; everything else (recorder, Cosmos) is real.
    let failed = 0;
    const dropCommit: RequestPolicyFactory = {
      create: (next) => ({
        sendRequest: async (request: WebResource) => {
          if (request.method === "PUT" && new URL(request.url).searchParams.get("comp") === "blocklist") {
            failed++;
            throw new RestError("injected fault: connection reset", { code: "ECONNRESET" });
          }
          return next.sendRequest(request);
        },
      }),
    };
    const pipeline = newPipeline(new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY), {
      retryOptions: { maxTries: 1 },
    });
    pipeline.factories.unshift(dropCommit);
    const endpoint = /BlobEndpoint=([^;]+)/.exec(tracker.blobConnectionString)![1]!;
    const faulty = new PoeDocumentStore(new BlobServiceClient(endpoint, pipeline));
    const { projections, recorder, clock } = tracker.services;
    const evidence = new PoeEvidence(faulty, projections.docs, recorder, clock);

    const blobs = await storedBlobs();
    const events = await pairEvents();
    const body = form(
      new Blob([Buffer.concat([PDF, Buffer.from("fault")])], { type: "application/pdf" }),
      "fault.pdf",
    );
    const request = new Request("http://local/upload", { method: "POST", body });
    await expect(
      evidence.upload(PARTNER, TENANT, WORKLOAD, request.body!, request.headers.get("content-type")!),
    ).rejects.toThrow(DocumentStorageFailed);
    expect(failed).toBeGreaterThanOrEqual(1); // the commit, and the cleanup's empty commit too
    expect(await pairEvents()).toEqual(events);
    expect(await storedBlobs()).toEqual(blobs);
  });

  it("another partner cannot download a document", async () => {
    const stored = await upload(form(new Blob([Buffer.concat([PDF, Buffer.from("mine")])]), "mine.pdf"));
    const theirs = await client.get(
      `pairs/${TENANT}/${WORKLOAD}/documents/${stored.body.documentId}`,
      "other-key",
    );
    expect(theirs.status).toBe(404);
  });

  it("writes the POE summary for the claim form from the pair's events", async () => {
    const response = await fetch(
      `${tracker.url}/api/pairs/${TENANT}/${WORKLOAD}/poe-summary?asOf=2025-05-22T00:00:00Z`,
      {
        headers: { "x-api-key": "partner-key" },
      },
    );
    expect(response.headers.get("content-type")).toMatch(/text\/markdown/);
    const text = await response.text();
    expect(text).toContain(WORKLOAD);
    expect(text).toContain("2025-05-30");
    expect(text).toContain("delivery is remote");
  });
});
