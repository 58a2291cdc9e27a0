// The POE document store port: what application/ needs of a store of uploaded files. The blob adapter
// (infra/blob/poe-documents.ts) implements it against Azure Blob Storage (Azurite locally).
import type { Readable } from "node:stream";

/** The largest document a partner may upload unless the caller says otherwise (the store enforces it while streaming). */
export const DEFAULT_MAX_DOCUMENT_BYTES = 25 * 1024 * 1024;

export interface DocumentMetadata {
  kind: string;
  workloadsMentioned: readonly string[];
  tenantIdOnDocument?: string | undefined;
}

/**
 * The file-acceptance policy the store applies while the bytes stream: application/ decides what is
 * accepted (application/file-kind.ts, POE_FILE_ACCEPTANCE); the store only applies it. Each check
 * throws the refusal it decides (DocumentRefused), which the store lets through after cleaning up.
 */
export interface FileAcceptance {
  /** How many first bytes `judge` needs. */
  readonly sniffBytes: number;
  /** The name to store for the name the uploader gave. */
  fileName(claimed: string): string;
  /** Refuses an empty upload or one over `maxBytes`. */
  checkSize(bytes: number, maxBytes: number): void;
  /** Judges the first bytes: the content type to store, and whether the rest must be valid text. */
  judge(
    head: Uint8Array,
    fileName: string,
    declaredContentType?: string,
  ): { contentType: string; text: boolean };
  /** A check of text as it streams; `finish` refuses what was not valid text. */
  textCheck(): { push(chunk: Uint8Array): void; finish(): void };
}

export interface StoreDocument {
  /** What is accepted, decided by the application. */
  acceptance: FileAcceptance;
  partnerId: string;
  tenantId: string;
  workload: string;
  fileName: string;
  declaredContentType?: string | undefined;
  content: Readable | AsyncIterable<Uint8Array>;
  /**
   * May still be pending while the bytes stream (multipart fields can follow the file); it is awaited
   * only before the commit, and a rejection discards the upload.
   */
  metadata: DocumentMetadata | PromiseLike<DocumentMetadata>;
  maxBytes?: number;
}

export interface StoredDocument {
  documentId: string;
  sha256: string;
  size: number;
  contentType: string;
  fileName: string;
  blobName: string;
  /**
   * Always true: every committed upload is a blob of its own (identical bytes included; compare
   * `sha256`). Kept for compatibility with callers that delete the blob only if the upload created it.
   */
  created: boolean;
}

export interface OpenedDocument {
  stream: Readable;
  contentType: string;
  size: number;
  sha256: string;
  fileName: string;
}

export interface PoeDocumentStore {
  /** Streams, checks and stores one upload; refusals and storage faults leave nothing behind. */
  store(input: StoreDocument): Promise<StoredDocument>;
  /** False when there was nothing to delete. */
  deleteDocument(partnerId: string, tenantId: string, workload: string, documentId: string): Promise<boolean>;
  open(
    partnerId: string,
    tenantId: string,
    workload: string,
    documentId: string,
  ): Promise<OpenedDocument | undefined>;
  /** A short-lived, read-only URL for one document (undefined if there is none). */
  readLink(
    partnerId: string,
    tenantId: string,
    workload: string,
    documentId: string,
    ttlMinutes?: number,
  ): Promise<string | undefined>;
}
