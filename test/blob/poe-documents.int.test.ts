import { createHash, randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import {
  BlobServiceClient,
  newPipeline,
  type RequestPolicyFactory,
  RestError,
  StorageSharedKeyCredential,
  type WebResource,
} from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmptyFile, POE_FILE_ACCEPTANCE, TooLarge, UnacceptedType } from "../../application/file-kind.ts";
import { MissingField, parseDocumentUpload } from "../../application/multipart.ts";
import { DocumentStorageFailed, PoeDocumentStore } from "../../infra/blob/poe-documents.ts";
import {
  AZURITE_ACCOUNT,
  AZURITE_ACCOUNT_KEY,
  type RunningAzurite,
  startAzurite,
} from "../../infra/emulators/azurite.ts";
import { allBlobs, generatedFile, MiB, sha256Of } from "./fixtures.ts";

const PARTNER = "4811223";
const TENANT = "6f1c2a9e-3c4b-4f1e-9a51-2b7c0d9e8f10";
const WORKLOAD = "defender-endpoint";
const METADATA = {
  kind: "sow",
  workloadsMentioned: ["defender-endpoint", "entra-id-p1"],
  tenantIdOnDocument: TENANT,
};
const PNG = Buffer.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
]);

let azurite: RunningAzurite;

beforeAll(async () => {
  azurite = await startAzurite();
});

afterAll(async () => {
  await azurite?.stop();
});

/** A store over its own container, so "the container holds no blob" is about this test alone. */
function freshStore(options: ConstructorParameters<typeof PoeDocumentStore>[1] = {}) {
  return PoeDocumentStore.fromConnectionString(azurite.connectionString, {
    containerName: `poe-${randomUUID()}`,
    ...options,
  });
}

const upload = (store: PoeDocumentStore, content: Readable | Buffer, fileName: string, extra: object = {}) =>
  store.store({
    acceptance: POE_FILE_ACCEPTANCE,
    partnerId: PARTNER,
    tenantId: TENANT,
    workload: WORKLOAD,
    fileName,
    declaredContentType: "application/pdf",
    content: Buffer.isBuffer(content) ? Readable.from([content]) : content,
    metadata: METADATA,
    ...extra,
  });

describe("PoeDocumentStore against Azurite", () => {
  it("round-trips a document with its hash, size, content type and metadata, in a private container", async () => {
    const store = PoeDocumentStore.fromEnvironment({ STORAGE_CONNECTION_STRING: azurite.connectionString });
    expect(store.container.containerName).toBe("poe-documents");
    const file = generatedFile(3 * MiB + 12_345);
    const stored = await upload(store, file.stream, "Statement of Work — Contoso.pdf");
    const sha256 = await file.sha256;

    expect(stored).toEqual({
      documentId: expect.stringMatching(/^[0-9a-f]{32}$/),
      sha256,
      size: 3 * MiB + 12_345,
      contentType: "application/pdf",
      fileName: "Statement of Work — Contoso.pdf",
      blobName: `${PARTNER}/${TENANT}/${WORKLOAD}/${stored.documentId}`,
      created: true,
    });
    // The id is the upload's own, not derived from the content.
    expect(stored.documentId).not.toBe(sha256.slice(0, 32));

    const opened = await store.open(PARTNER, TENANT, WORKLOAD, stored.documentId);
    expect(opened).toMatchObject({
      contentType: "application/pdf",
      size: stored.size,
      sha256,
      fileName: "Statement of Work — Contoso.pdf",
    });
    expect(await sha256Of(opened!.stream)).toEqual({ sha256, size: stored.size });

    const properties = await store.container.getBlockBlobClient(stored.blobName).getProperties();
    expect(properties.metadata).toEqual({
      sha256,
      filename: encodeURIComponent("Statement of Work — Contoso.pdf"),
      kind: "sow",
      workloadsmentioned: "defender-endpoint,entra-id-p1",
      tenantidondocument: TENANT,
    });
    expect((await store.container.getAccessPolicy()).blobPublicAccess).toBeUndefined();
    expect(await allBlobs(store.container)).toEqual([stored.blobName]); // one blob, written once, nothing else
  });

  it("stores a re-upload of the same bytes as a document of its own, with the same sha256", async () => {
    // De-duplication is the service's (by sha256); the store writes each upload once, under its own id.
    const store = freshStore();
    const bytes = Buffer.concat([Buffer.from("%PDF-1.4\n"), Buffer.alloc(50_000, 7)]);
    const first = await upload(store, bytes, "sow.pdf");
    const again = await upload(store, bytes, "sow-copy.pdf");
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ sha256: first.sha256, size: first.size, created: true });
    expect(again.documentId).not.toBe(first.documentId);
    expect(await allBlobs(store.container)).toEqual([first.blobName, again.blobName].sort());
    expect((await store.open(PARTNER, TENANT, WORKLOAD, again.documentId))?.fileName).toBe("sow-copy.pdf");

    // Deleting the one (as the service does with an upload that lost) leaves the other intact.
    expect(await store.deleteDocument(PARTNER, TENANT, WORKLOAD, again.documentId)).toBe(true);
    const kept = await store.open(PARTNER, TENANT, WORKLOAD, first.documentId);
    expect(await sha256Of(kept!.stream)).toEqual({ sha256: first.sha256, size: first.size });
    expect(await allBlobs(store.container)).toEqual([first.blobName]);
  });

  it("still reads a document stored under the earlier content-addressed id", async () => {
    const store = freshStore();
    await store.ensureContainer();
    const bytes = Buffer.from("%PDF-1.7 stored before the change");
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const legacyId = sha256.slice(0, 32);
    await store.container
      .getBlockBlobClient(`${PARTNER}/${TENANT}/${WORKLOAD}/${legacyId}`)
      .uploadData(bytes, {
        blobHTTPHeaders: { blobContentType: "application/pdf" },
        metadata: { sha256, filename: "old.pdf", kind: "sow", workloadsmentioned: WORKLOAD },
      });
    const opened = await store.open(PARTNER, TENANT, WORKLOAD, legacyId);
    expect(opened).toMatchObject({ sha256, fileName: "old.pdf", size: bytes.length });
    expect((await sha256Of(opened!.stream)).sha256).toBe(sha256);
    expect(await store.readLink(PARTNER, TENANT, WORKLOAD, legacyId)).toBeDefined();
    expect(await store.deleteDocument(PARTNER, TENANT, WORKLOAD, legacyId)).toBe(true);
    expect(await allBlobs(store.container)).toEqual([]);
  });

  it("answers undefined for a document that does not exist or an id that is not one", async () => {
    const store = freshStore();
    await store.ensureContainer();
    expect(await store.open(PARTNER, TENANT, WORKLOAD, "0".repeat(32))).toBeUndefined();
    expect(await store.open(PARTNER, TENANT, WORKLOAD, "../../secrets")).toBeUndefined();
    expect(await store.readLink(PARTNER, TENANT, WORKLOAD, "0".repeat(32))).toBeUndefined();
    expect(await store.open("other-partner", TENANT, WORKLOAD, "0".repeat(32))).toBeUndefined();
  });

  describe("read links", () => {
    it("download with a plain fetch, name the file, and refuse writes and deletes", async () => {
      const store = freshStore();
      const bytes = Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.from("link test ".repeat(1000))]);
      const stored = await upload(store, bytes, "Prüfbericht.pdf");
      const link = await store.readLink(PARTNER, TENANT, WORKLOAD, stored.documentId, 5);
      expect(link).toBeDefined();
      const url = new URL(link!);
      expect(url.searchParams.get("sp")).toBe("r");
      expect(new Date(url.searchParams.get("se")!).getTime()).toBeLessThanOrEqual(
        Date.now() + 5 * 60_000 + 1000,
      );

      const download = await fetch(link!);
      expect(download.status).toBe(200);
      expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
      expect(download.headers.get("content-type")).toBe("application/pdf");
      expect(download.headers.get("content-disposition")).toContain("filename*=UTF-8''Pr%C3%BCfbericht.pdf");

      const overwrite = await fetch(link!, {
        method: "PUT",
        headers: { "x-ms-blob-type": "BlockBlob", "content-type": "application/pdf" },
        body: "%PDF-1.7 forged",
      });
      expect(overwrite.status).toBe(403);
      await overwrite.body?.cancel();
      const remove = await fetch(link!, { method: "DELETE" });
      expect(remove.status).toBe(403);
      await remove.body?.cancel();

      const opened = await store.open(PARTNER, TENANT, WORKLOAD, stored.documentId);
      expect((await sha256Of(opened!.stream)).sha256).toBe(stored.sha256);
    });

    it("stop working when the signature is tampered with", async () => {
      const store = freshStore();
      const stored = await upload(store, Buffer.from("%PDF-1.7 tamper"), "t.pdf");
      const link = new URL((await store.readLink(PARTNER, TENANT, WORKLOAD, stored.documentId))!);
      link.searchParams.set("sp", "rw"); // widen the permissions without re-signing
      const response = await fetch(link);
      expect(response.status).toBe(403);
      await response.body?.cancel();
    });
  });

  describe("refusals leave no blob behind", () => {
    it("refuses 25 MiB + 1 byte, streamed", async () => {
      const store = freshStore();
      const file = generatedFile(25 * MiB + 1);
      await expect(upload(store, file.stream, "big.pdf")).rejects.toBeInstanceOf(TooLarge);
      expect(await allBlobs(store.container)).toEqual([]);
    });

    it("accepts exactly the limit and refuses one byte more", async () => {
      const store = freshStore();
      const exact = await upload(store, generatedFile(10_000).stream, "a.pdf", { maxBytes: 10_000 });
      expect(exact.size).toBe(10_000);
      await expect(
        upload(store, generatedFile(10_001, "%PDF-", 2).stream, "b.pdf", { maxBytes: 10_000 }),
      ).rejects.toBeInstanceOf(TooLarge);
      expect(await allBlobs(store.container)).toEqual([exact.blobName]);
    });

    it.each([
      ["a PNG named .pdf", PNG, "sow.pdf", "application/pdf"],
      ["a PNG declared as PDF", PNG, "scan", "application/pdf"],
      [
        "an executable",
        Buffer.from("MZ\x90\x00\x03\x00\x00\x00This program cannot be run in DOS mode", "latin1"),
        "setup.exe",
        "application/x-msdownload",
      ],
      ["an executable named .pdf", Buffer.from("MZ\x90\x00\x03\x00", "latin1"), "sow.pdf", "application/pdf"],
    ])("refuses %s", async (_case, bytes, fileName, declaredContentType) => {
      const store = freshStore();
      await expect(upload(store, bytes, fileName, { declaredContentType })).rejects.toBeInstanceOf(
        UnacceptedType,
      );
      expect(await allBlobs(store.container)).toEqual([]);
    });

    it("refuses a text file whose tail, past the sniffed head, is binary", async () => {
      const store = freshStore();
      const content = Readable.from([
        Buffer.from("Meeting notes\n".repeat(2000)),
        Buffer.from([0x00, 0xff, 0xfe]),
      ]);
      const refusal = upload(store, content, "notes.txt", { declaredContentType: "text/plain" });
      await expect(refusal).rejects.toBeInstanceOf(UnacceptedType);
      expect(await allBlobs(store.container)).toEqual([]);
    });

    it("refuses an empty file", async () => {
      const store = freshStore();
      await expect(upload(store, Readable.from([]), "empty.pdf")).rejects.toBeInstanceOf(EmptyFile);
      expect(await allBlobs(store.container)).toEqual([]);
    });

    it("sanitises a hostile file name and refuses it when the bytes do not match", async () => {
      const store = freshStore();
      const hostile = "../../etc/passwd\u0000.pdf";
      const stored = await upload(store, Buffer.from("%PDF-1.7 hostile"), hostile);
      expect(stored.fileName).toBe("passwd.pdf");
      expect(stored.blobName).toBe(`${PARTNER}/${TENANT}/${WORKLOAD}/${stored.documentId}`);
      expect((await store.open(PARTNER, TENANT, WORKLOAD, stored.documentId))?.fileName).toBe("passwd.pdf");

      const other = freshStore();
      await expect(upload(other, PNG, hostile)).rejects.toBeInstanceOf(UnacceptedType);
      expect(await allBlobs(other.container)).toEqual([]);
    });

    it("sniffs before writing: a refused type never sends a byte to storage", async () => {
      const writes: string[] = [];
      const pipeline = newPipeline(new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY));
      pipeline.factories.unshift({
        create: (next) => ({
          sendRequest: (request) => {
            const url = new URL(request.url);
            // Anything but the container's own creation.
            if (request.method !== "GET" && url.searchParams.get("restype") !== "container") {
              writes.push(`${request.method} ${url.pathname}${url.search}`);
            }
            return next.sendRequest(request);
          },
        }),
      });
      const store = new PoeDocumentStore(new BlobServiceClient(azurite.blobEndpoint, pipeline), {
        containerName: `poe-${randomUUID()}`,
      });
      const content = Readable.from([PNG, Buffer.alloc(3 * MiB)]);
      await expect(upload(store, content, "sow.pdf")).rejects.toBeInstanceOf(UnacceptedType);
      expect(writes).toEqual([]);
      expect(await allBlobs(store.container)).toEqual([]);
    });

    it("refuses ids that would escape the pair's folder", async () => {
      const store = freshStore();
      await expect(
        store.store({
          acceptance: POE_FILE_ACCEPTANCE,
          partnerId: PARTNER,
          tenantId: "../../other-partner",
          workload: WORKLOAD,
          fileName: "x.pdf",
          content: Readable.from([Buffer.from("%PDF-")]),
          metadata: METADATA,
        }),
      ).rejects.toBeInstanceOf(RangeError);
    });

    it("discards the upload when the metadata (form fields after the file) turn out invalid", async () => {
      const store = freshStore();
      const boundary = "b0undary";
      const body = Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="sow.pdf"\r\n` +
          "Content-Type: application/pdf\r\n\r\n%PDF-1.7 fields come later\r\n" +
          `--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nsow\r\n--${boundary}--\r\n`,
      );
      const parsed = await parseDocumentUpload(
        Readable.from([body]),
        `multipart/form-data; boundary=${boundary}`,
      );
      const refusal = upload(store, parsed.file.stream, parsed.file.fileName, { metadata: parsed.fields });
      await expect(refusal).rejects.toBeInstanceOf(MissingField);
      expect(await allBlobs(store.container)).toEqual([]);
    });
  });

  it("stores a multipart upload whose fields follow the file", async () => {
    const store = freshStore();
    const boundary = "b0undary";
    const file = generatedFile(2 * MiB + 3);
    async function* body() {
      yield Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="C:\\\\tmp\\\\SOW.pdf"\r\n` +
          "Content-Type: application/pdf\r\n\r\n",
      );
      yield* file.stream;
      yield Buffer.from(
        `\r\n--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nsow\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="workloadsMentioned"\r\n\r\n["sentinel"]\r\n` +
          `--${boundary}--\r\n`,
      );
    }
    const parsed = await parseDocumentUpload(
      Readable.from(body()),
      `multipart/form-data; boundary=${boundary}`,
    );
    const stored = await upload(store, parsed.file.stream, parsed.file.fileName, {
      declaredContentType: parsed.file.declaredContentType,
      metadata: parsed.fields,
    });
    expect(stored).toMatchObject({
      sha256: await file.sha256,
      size: 2 * MiB + 3,
      fileName: "SOW.pdf",
      created: true,
    });
    const properties = await store.container.getBlockBlobClient(stored.blobName).getProperties();
    expect(properties.metadata).toMatchObject({ kind: "sow", workloadsmentioned: "sentinel" });
  });

  it("lets two concurrent identical uploads make two complete documents with the same sha256", async () => {
    // Which of them counts is the service's decision (one event per sha256); the store must only keep
    // them apart: each its own blob, neither mixing blocks with the other.
    const store = freshStore();
    const names: string[] = [];
    for (let round = 0; round < 5; round++) {
      const file = generatedFile(1.5 * MiB, "%PDF-", 100 + round);
      const twin = generatedFile(1.5 * MiB, "%PDF-", 100 + round);
      const results = await Promise.all([file, twin].map((f) => upload(store, f.stream, "sow.pdf")));
      const sha256 = await file.sha256;
      expect(await twin.sha256).toBe(sha256);
      expect(results.map((r) => r.created)).toEqual([true, true]);
      expect(results.map((r) => r.sha256)).toEqual([sha256, sha256]);
      expect(results[0]!.documentId).not.toBe(results[1]!.documentId);
      for (const result of results) {
        const opened = await store.open(PARTNER, TENANT, WORKLOAD, result.documentId);
        expect(await sha256Of(opened!.stream)).toEqual({ sha256, size: 1.5 * MiB });
        names.push(result.blobName);
      }
    }
    expect(await allBlobs(store.container)).toEqual(names.sort());
  });

  it("deleteDocument removes a stored document (compensation when recording the event fails)", async () => {
    const store = freshStore();
    const stored = await upload(store, Buffer.from("%PDF-1.7 compensate"), "c.pdf");
    expect(await store.deleteDocument(PARTNER, TENANT, WORKLOAD, stored.documentId)).toBe(true);
    expect(await store.deleteDocument(PARTNER, TENANT, WORKLOAD, stored.documentId)).toBe(false);
    expect(await allBlobs(store.container)).toEqual([]);
  });

  describe("a storage fault mid-upload", () => {
    /**
     * Fails the n-th request that matches, as a dropped connection would, at the storage client: before
     * it reaches storage, or (`after`) once storage has carried it out and only the answer is lost.
     */
    function faultAt(
      matches: (request: WebResource) => boolean,
      n: number,
      when: "before" | "after" = "before",
    ): RequestPolicyFactory {
      let seen = 0;
      return {
        create: (next) => ({
          sendRequest: async (request) => {
            const hit = matches(request) && ++seen === n;
            if (hit && when === "before") {
              throw new RestError("injected fault: connection reset", { code: "ECONNRESET" });
            }
            const response = await next.sendRequest(request);
            if (hit) throw new RestError("injected fault: answer lost", { code: "ECONNRESET" });
            return response;
          },
        }),
      };
    }

    function storeWithFault(fault: RequestPolicyFactory) {
      const pipeline = newPipeline(new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY), {
        retryOptions: { maxTries: 1 },
      });
      pipeline.factories.unshift(fault);
      return new PoeDocumentStore(new BlobServiceClient(azurite.blobEndpoint, pipeline), {
        containerName: `poe-${randomUUID()}`,
      });
    }

    const putBlock = (r: WebResource) =>
      r.method === "PUT" && new URL(r.url).searchParams.get("comp") === "block";
    const putBlockList = (r: WebResource) =>
      r.method === "PUT" && new URL(r.url).searchParams.get("comp") === "blocklist";

    it("while staging blocks: typed failure, no blob left (not even uncommitted blocks)", async () => {
      const store = storeWithFault(faultAt(putBlock, 3));
      const refusal = upload(store, generatedFile(6 * MiB).stream, "sow.pdf");
      await expect(refusal).rejects.toBeInstanceOf(DocumentStorageFailed);
      await expect(refusal).rejects.toThrow(/injected fault/);
      expect(await allBlobs(store.container)).toEqual([]);
    });

    it("while committing: typed failure, no blob left (not even uncommitted blocks)", async () => {
      const store = storeWithFault(faultAt(putBlockList, 1));
      const refusal = upload(store, generatedFile(2 * MiB).stream, "sow.pdf");
      await expect(refusal).rejects.toBeInstanceOf(DocumentStorageFailed);
      await expect(refusal).rejects.toThrow(/committing the document: .*injected fault/);
      expect(await allBlobs(store.container)).toEqual([]);
    });

    it("when the commit went through but its answer was lost: typed failure, the blob removed", async () => {
      const store = storeWithFault(faultAt(putBlockList, 1, "after"));
      const refusal = upload(store, generatedFile(2 * MiB).stream, "sow.pdf");
      await expect(refusal).rejects.toBeInstanceOf(DocumentStorageFailed);
      expect(await allBlobs(store.container)).toEqual([]);
    });
  });
});
