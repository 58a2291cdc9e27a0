import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import type { TokenCredential } from "@azure/identity";
import {
  BlobServiceClient,
  type BlockBlobClient,
  type ContainerClient,
  type StoragePipelineOptions,
} from "@azure/storage-blob";
import {
  DEFAULT_MAX_DOCUMENT_BYTES,
  type OpenedDocument,
  type PoeDocumentStore as PoeDocumentStorePort,
  type StoreDocument,
  type StoredDocument,
} from "../../application/ports/poe-documents.ts";
import { azureCredential, isTokenCredential } from "../identity.ts";
import { discard, iterate, readHead, stageBlocks } from "./block-staging.ts";
import {
  blobMetadata,
  DOCUMENT_ID,
  DocumentStorageFailed,
  decodeMetadata,
  isNotFound,
  POE_CONTAINER,
  pairPrefix,
} from "./document-names.ts";
import { ReadLinkSigner } from "./read-links.ts";

export { DocumentStorageFailed } from "./document-names.ts";

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
  private readonly links: ReadLinkSigner;

  constructor(
    private readonly service: BlobServiceClient,
    options: PoeDocumentStoreOptions = {},
  ) {
    this.container = service.getContainerClient(options.containerName ?? POE_CONTAINER);
    this.blockBytes = options.blockBytes ?? 1024 * 1024;
    this.concurrency = options.concurrency ?? 4;
    this.links = new ReadLinkSigner(service);
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
      const { sha256, size, blockIds } = await stageBlocks(blob, head, ended ? undefined : source, {
        blockBytes: this.blockBytes,
        concurrency: this.concurrency,
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
    try {
      return await this.links.sign(blob, ttlMinutes, fileName);
    } catch (error) {
      throw new DocumentStorageFailed("signing a read link", error);
    }
  }

  private documentBlob(partnerId: string, tenantId: string, workload: string, documentId: string) {
    const prefix = pairPrefix(partnerId, tenantId, workload);
    if (prefix === undefined || !DOCUMENT_ID.test(documentId)) return undefined;
    return this.container.getBlockBlobClient(`${prefix}/${documentId}`);
  }
}
