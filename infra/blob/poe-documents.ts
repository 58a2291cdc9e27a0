import { createHash, randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import type { TokenCredential } from "@azure/identity";
import {
  type BlobClient,
  type BlobGenerateSasUrlOptions,
  BlobSASPermissions,
  BlobServiceClient,
  type BlockBlobClient,
  type ContainerClient,
  RestError,
  SASProtocol,
  type StoragePipelineOptions,
  StorageSharedKeyCredential,
  type UserDelegationKey,
} from "@azure/storage-blob";
import {
  DEFAULT_MAX_DOCUMENT_BYTES,
  type DocumentMetadata,
  type FileAcceptance,
  type OpenedDocument,
  type PoeDocumentStore as PoeDocumentStorePort,
  type StoreDocument,
  type StoredDocument,
} from "../../application/ports/poe-documents.ts";
import { azureCredential, isTokenCredential } from "../identity.ts";

// The port's types are application/'s; re-exported so existing imports keep working.
export {
  DEFAULT_MAX_DOCUMENT_BYTES,
  type DocumentMetadata,
  type FileAcceptance,
  type OpenedDocument,
  type StoreDocument,
  type StoredDocument,
} from "../../application/ports/poe-documents.ts";

/**
 * POE documents in a private Blob container, one blob per upload:
 * `{partnerId}/{tenantId}/{workload}/{documentId}` where documentId = a random upload id (32 hex chars).
 *
 * The bytes are written once, as blocks staged directly on the final blob and committed at the end.
 * The blob is not named by its content: the SHA-256 is only known once the last byte has passed, and
 * naming by it meant staging elsewhere and copying, which cost about half of every upload. An id drawn
 * before the first byte lets the blocks go straight to the final name. Until the commit the blob has
 * only uncommitted blocks, which no reader sees; a refusal or fault discards them.
 *
 * De-duplicating identical bytes is therefore not the store's job: each committed upload is its own
 * document carrying its `sha256` (result and blob metadata), and the service decides (by that hash)
 * which of several identical uploads counts, deleting the others' blobs.
 *
 * Documents stored under the earlier content-addressed scheme (id = first 32 hex chars of the SHA-256)
 * have ids of the same shape, so `open`, `readLink` and `deleteDocument` read both.
 */

export const POE_CONTAINER = "poe-documents";
const DOCUMENT_ID = /^[0-9a-f]{32}$/;
const PARTNER_ID = /^\d{1,20}$/;
const TENANT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const WORKLOAD = /^[a-z0-9]+(?:-[a-z0-9]+){0,15}$/;

/** Blob storage failed (not the document's fault): HTTP 503/500. Nothing was left behind if cleanup could run. */
export class DocumentStorageFailed extends Error {
  constructor(operation: string, cause: unknown) {
    super(`Blob storage failed while ${operation}: ${describe(cause)}`, { cause });
    this.name = "DocumentStorageFailed";
  }
}

export interface PoeDocumentStoreOptions {
  containerName?: string;
  /** Size of each staged block; memory in flight is about blockBytes × (concurrency + 1). */
  blockBytes?: number;
  concurrency?: number;
}

export class PoeDocumentStore implements PoeDocumentStorePort {
  readonly container: ContainerClient;
  private readonly blockBytes: number;
  private readonly concurrency: number;
  private containerReady: Promise<void> | undefined;
  private delegationKey: { key: UserDelegationKey; expiresOn: Date } | undefined;

  constructor(
    private readonly service: BlobServiceClient,
    options: PoeDocumentStoreOptions = {},
  ) {
    this.container = service.getContainerClient(options.containerName ?? POE_CONTAINER);
    this.blockBytes = options.blockBytes ?? 1024 * 1024;
    this.concurrency = options.concurrency ?? 4;
  }

  static fromConnectionString(
    connectionString: string,
    options: PoeDocumentStoreOptions & { pipeline?: StoragePipelineOptions } = {},
  ): PoeDocumentStore {
    return new PoeDocumentStore(
      BlobServiceClient.fromConnectionString(connectionString, options.pipeline),
      options,
    );
  }

  /** In Azure: the managed identity (or a developer's login) via DefaultAzureCredential; no keys in config. */
  static fromAccountUrl(
    accountUrl: string,
    credential: TokenCredential = azureCredential(),
    options: PoeDocumentStoreOptions & { pipeline?: StoragePipelineOptions } = {},
  ): PoeDocumentStore {
    return new PoeDocumentStore(new BlobServiceClient(accountUrl, credential, options.pipeline), options);
  }

  /**
   * STORAGE_CONNECTION_STRING (Azurite, key-based accounts), else an account URL in STORAGE_ACCOUNT_URL
   * or STORAGE__blobServiceUri (the Functions identity-based connection setting).
   */
  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): PoeDocumentStore {
    const connectionString = env.STORAGE_CONNECTION_STRING;
    if (connectionString) return PoeDocumentStore.fromConnectionString(connectionString);
    const accountUrl = env.STORAGE_ACCOUNT_URL ?? env.STORAGE__blobServiceUri;
    if (accountUrl) return PoeDocumentStore.fromAccountUrl(accountUrl, azureCredential(env));
    throw new Error("Set STORAGE_CONNECTION_STRING or STORAGE_ACCOUNT_URL for POE document storage.");
  }

  /**
   * Creates the private container once (retried on the next call if it failed). With an identity the
   * deployment declared it and the app's role is scoped to it, so this only checks it is reachable.
   */
  ensureContainer(): Promise<void> {
    const check = () =>
      isTokenCredential(this.service.credential)
        ? this.container.getProperties()
        : this.container.createIfNotExists();
    this.containerReady ??= check().then(
      () => undefined,
      (error: unknown) => {
        this.containerReady = undefined;
        throw new DocumentStorageFailed("creating the container", error);
      },
    );
    return this.containerReady;
  }

  /**
   * Streams a document into storage under a new random documentId. The leading bytes are sniffed
   * before anything is written. Refusals (TooLarge, EmptyFile, UnacceptedType), errors of the content
   * stream and of the metadata promise are rethrown as they are; storage faults become
   * DocumentStorageFailed. In every failure case the blob's staged blocks (and the blob, should the
   * commit have gone through unseen) are discarded, so a refused or failed upload leaves nothing behind.
   */
  async store(input: StoreDocument): Promise<StoredDocument> {
    const prefix = pairPrefix(input.partnerId, input.tenantId, input.workload);
    const maxBytes = input.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
    const { acceptance } = input;
    const fileName = acceptance.fileName(input.fileName);
    const metadataReady = Promise.resolve(input.metadata);
    metadataReady.catch(() => {}); // observed below; must not count as unhandled meanwhile
    const source = iterate(input.content);

    let blob: BlockBlobClient | undefined;
    try {
      if (prefix === undefined) throw new RangeError("partnerId, tenantId or workload is not a valid id.");
      await this.ensureContainer();
      const { head, ended } = await readHead(source, acceptance.sniffBytes);
      acceptance.checkSize(head.length, maxBytes);
      const verdict = acceptance.judge(head, fileName, input.declaredContentType);

      // Random, so no other upload can ever write to (or be discarded with) this blob: 122 random bits.
      const documentId = randomUUID().replaceAll("-", "");
      const blobName = `${prefix}/${documentId}`;
      blob = this.container.getBlockBlobClient(blobName);
      const { sha256, size, blockIds } = await this.stage(blob, head, ended ? undefined : source, {
        maxBytes,
        text: verdict.text ? acceptance.textCheck() : undefined,
        checkSize: (bytes) => acceptance.checkSize(bytes, maxBytes),
      });
      // Only now, with every byte accepted: the fields may follow the file in a multipart body.
      const metadata = blobMetadata(sha256, fileName, await metadataReady);
      try {
        await blob.commitBlockList(blockIds, {
          blobHTTPHeaders: { blobContentType: verdict.contentType },
          metadata,
        });
      } catch (error) {
        throw new DocumentStorageFailed("committing the document", error);
      }
      return {
        documentId,
        sha256,
        size,
        contentType: verdict.contentType,
        fileName,
        blobName,
        created: true,
      };
    } catch (error) {
      // Stop (and destroy) the caller's stream, so a request body is not left half-read.
      await Promise.resolve(source.return?.()).catch(() => {});
      if (blob) await discard(blob);
      throw error;
    }
  }

  /**
   * Compensation when recording `poe.document.attached` fails after a store, or removal of the blob
   * of an upload whose bytes another upload of the same pair already recorded.
   */
  async deleteDocument(
    partnerId: string,
    tenantId: string,
    workload: string,
    documentId: string,
  ): Promise<boolean> {
    const blob = this.documentBlob(partnerId, tenantId, workload, documentId);
    if (!blob) return false;
    try {
      return (await blob.deleteIfExists({ deleteSnapshots: "include" })).succeeded;
    } catch (error) {
      throw new DocumentStorageFailed("deleting a document", error);
    }
  }

  async open(
    partnerId: string,
    tenantId: string,
    workload: string,
    documentId: string,
  ): Promise<OpenedDocument | undefined> {
    const blob = this.documentBlob(partnerId, tenantId, workload, documentId);
    if (!blob) return undefined;
    try {
      const response = await blob.download();
      const body = response.readableStreamBody;
      if (!body) throw new Error("the download had no body");
      const metadata = response.metadata ?? {};
      return {
        stream: body instanceof Readable ? body : Readable.from(body),
        contentType: response.contentType ?? "application/octet-stream",
        size: response.contentLength ?? 0,
        sha256: metadata.sha256 ?? "",
        fileName: decodeMetadata(metadata.filename) ?? "document",
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new DocumentStorageFailed("opening a document", error);
    }
  }

  /**
   * A short-lived, read-only URL for one document (undefined if there is none). Signed with the account
   * key where we have one (Azurite, connection strings), else with a user delegation key obtained via
   * the token credential (managed identity in Azure, which has no account key to sign with).
   */
  async readLink(
    partnerId: string,
    tenantId: string,
    workload: string,
    documentId: string,
    ttlMinutes = 15,
  ): Promise<string | undefined> {
    const blob = this.documentBlob(partnerId, tenantId, workload, documentId);
    if (!blob) return undefined;
    let fileName: string;
    try {
      const properties = await blob.getProperties();
      fileName = decodeMetadata(properties.metadata?.filename) ?? "document";
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new DocumentStorageFailed("reading document properties", error);
    }
    const options = this.readOnlySas(blob, ttlMinutes, fileName);
    try {
      return await this.signedUrl(blob, options);
    } catch (error) {
      throw new DocumentStorageFailed("signing a read link", error);
    }
  }

  private documentBlob(partnerId: string, tenantId: string, workload: string, documentId: string) {
    const prefix = pairPrefix(partnerId, tenantId, workload);
    if (prefix === undefined || !DOCUMENT_ID.test(documentId)) return undefined;
    return this.container.getBlockBlobClient(`${prefix}/${documentId}`);
  }

  /**
   * Stages the bytes as uncommitted blocks of `blockBytes` on the document's own blob, at most
   * `concurrency` requests in flight, hashing, counting and (for text) validating as they pass; memory
   * stays bounded whatever the file size. Returns the block ids for the caller to commit, once every
   * byte has been accepted and the metadata is known.
   */
  private async stage(
    blob: BlockBlobClient,
    head: Buffer,
    rest: AsyncIterator<unknown> | undefined,
    limits: {
      maxBytes: number;
      text: ReturnType<FileAcceptance["textCheck"]> | undefined;
      checkSize: (bytes: number) => void;
    },
  ): Promise<{ sha256: string; size: number; blockIds: string[] }> {
    const hash = createHash("sha256");
    const text = limits.text;
    const blockIds: string[] = [];
    const inFlight = new Set<Promise<void>>();
    let failure: DocumentStorageFailed | undefined;
    // A fixed pool of block buffers, reused once their request is done: a long upload allocates
    // concurrency + 1 blocks in total instead of one per block, which keeps RSS flat.
    const spare: Buffer[] = [];
    let block: Buffer = Buffer.allocUnsafe(this.blockBytes);
    let filled = 0;
    let size = 0;

    const sendBlock = async () => {
      // Fixed-width ids: Azure requires every block id of a blob to have the same length.
      const id = Buffer.from(`block-${String(blockIds.length).padStart(8, "0")}`).toString("base64");
      blockIds.push(id);
      const buffer = block;
      const request: Promise<void> = blob
        .stageBlock(id, buffer.subarray(0, filled), filled)
        .then(
          () => undefined,
          (error: unknown) => {
            failure ??= new DocumentStorageFailed("staging a block", error);
          },
        )
        .finally(() => {
          inFlight.delete(request);
          spare.push(buffer);
        });
      inFlight.add(request);
      while (inFlight.size >= this.concurrency) await Promise.race(inFlight);
      if (failure) throw failure;
      block = spare.pop() ?? Buffer.allocUnsafe(this.blockBytes);
      filled = 0;
    };

    const take = async (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) limits.checkSize(size);
      hash.update(chunk);
      text?.push(chunk);
      for (let offset = 0; offset < chunk.length; ) {
        const copied = chunk.copy(block, filled, offset);
        filled += copied;
        offset += copied;
        if (filled === this.blockBytes) await sendBlock();
      }
    };

    try {
      await take(head);
      while (rest) {
        const next = await rest.next();
        if (next.done) break;
        await take(asBuffer(next.value));
      }
      if (filled > 0) await sendBlock();
      await Promise.all(inFlight);
      if (failure) throw failure;
    } finally {
      // Cleanup must not race a block still being written, or that block would outlive the discard.
      await Promise.allSettled([...inFlight]);
    }
    text?.finish();
    return { sha256: hash.digest("hex"), size, blockIds };
  }

  private readOnlySas(blob: BlobClient, ttlMinutes: number, fileName?: string): BlobGenerateSasUrlOptions {
    const now = Date.now();
    return {
      permissions: BlobSASPermissions.parse("r"),
      startsOn: new Date(now - 5 * 60_000), // tolerate clock skew between us and storage
      expiresOn: new Date(now + ttlMinutes * 60_000),
      protocol: blob.url.startsWith("https:") ? SASProtocol.Https : SASProtocol.HttpsAndHttp,
      ...(fileName ? { contentDisposition: attachment(fileName) } : {}),
    };
  }

  private async signedUrl(blob: BlobClient, options: BlobGenerateSasUrlOptions): Promise<string> {
    const credential = this.service.credential;
    if (credential instanceof StorageSharedKeyCredential) return blob.generateSasUrl(options);
    if (isTokenCredential(credential)) {
      return blob.generateUserDelegationSasUrl(options, await this.userDelegationKey(options.expiresOn!));
    }
    // A SAS connection string: the URL already carries its token.
    return blob.url;
  }

  /** Delegation keys live up to 7 days; one per hour is plenty and saves a round trip per link. */
  private async userDelegationKey(needUntil: Date): Promise<UserDelegationKey> {
    const cached = this.delegationKey;
    if (cached && cached.expiresOn > needUntil) return cached.key;
    const startsOn = new Date(Date.now() - 5 * 60_000);
    const expiresOn = new Date(Math.max(needUntil.getTime(), Date.now() + 60 * 60_000) + 5 * 60_000);
    const key = await this.service.getUserDelegationKey(startsOn, expiresOn);
    this.delegationKey = { key, expiresOn };
    return key;
  }
}

/**
 * Discards an upload's blob including uncommitted blocks: committing an empty list drops them at once
 * (a blob with only uncommitted blocks cannot be deleted, it does not exist yet), then the now empty
 * blob is deleted. Also removes a blob whose commit went through although its answer was lost. Safe
 * because the name is this upload's own random id.
 */
async function discard(blob: BlockBlobClient): Promise<void> {
  try {
    await blob.commitBlockList([]);
    await blob.deleteIfExists();
  } catch {
    // Best effort: storage may be the thing that failed. Blocks never committed are dropped by the
    // service itself after a week; an empty blob left by a failed delete has no event and is never served.
  }
}

function pairPrefix(partnerId: string, tenantId: string, workload: string): string | undefined {
  if (!PARTNER_ID.test(partnerId) || !TENANT_ID.test(tenantId) || !WORKLOAD.test(workload)) return undefined;
  return `${partnerId}/${tenantId.toLowerCase()}/${workload}`;
}

function blobMetadata(sha256: string, fileName: string, metadata: DocumentMetadata): Record<string, string> {
  // Metadata travels as HTTP headers: percent-encode so non-ASCII file names survive.
  return {
    sha256,
    filename: encodeURIComponent(fileName),
    kind: encodeURIComponent(metadata.kind),
    workloadsmentioned: metadata.workloadsMentioned.map(encodeURIComponent).join(","),
    ...(metadata.tenantIdOnDocument
      ? { tenantidondocument: encodeURIComponent(metadata.tenantIdOnDocument) }
      : {}),
  };
}

function decodeMetadata(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function attachment(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

async function readHead(
  source: AsyncIterator<unknown>,
  bytes: number,
): Promise<{ head: Buffer; ended: boolean }> {
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < bytes) {
    const next = await source.next();
    if (next.done) return { head: Buffer.concat(chunks, length), ended: true };
    // Copied: a producer may reuse its buffer once we ask for the next chunk.
    const chunk = Buffer.from(asBuffer(next.value));
    chunks.push(chunk);
    length += chunk.length;
  }
  return { head: Buffer.concat(chunks, length), ended: false };
}

function iterate(content: Readable | AsyncIterable<Uint8Array>): AsyncIterator<unknown> {
  return (content as AsyncIterable<unknown>)[Symbol.asyncIterator]();
}

function asBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === "string") return Buffer.from(chunk, "utf8");
  throw new TypeError("The document stream must yield bytes.");
}

function isNotFound(error: unknown): boolean {
  return error instanceof RestError && error.statusCode === 404;
}

function describe(error: unknown): string {
  if (error instanceof RestError)
    return `${error.statusCode ?? "no status"} ${error.code ?? ""} ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
