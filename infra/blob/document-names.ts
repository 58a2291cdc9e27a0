import { RestError } from "@azure/storage-blob";
import type { DocumentMetadata } from "../../application/ports/poe-documents.ts";

/** Blob names, metadata encoding and storage errors of POE documents (see poe-documents.ts). */

export const POE_CONTAINER = "poe-documents";
export const DOCUMENT_ID = /^[0-9a-f]{32}$/;
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

export function pairPrefix(partnerId: string, tenantId: string, workload: string): string | undefined {
  if (!PARTNER_ID.test(partnerId) || !TENANT_ID.test(tenantId) || !WORKLOAD.test(workload)) return undefined;
  return `${partnerId}/${tenantId.toLowerCase()}/${workload}`;
}

export function blobMetadata(
  sha256: string,
  fileName: string,
  metadata: DocumentMetadata,
): Record<string, string> {
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

export function decodeMetadata(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function attachment(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

export function isNotFound(error: unknown): boolean {
  return error instanceof RestError && error.statusCode === 404;
}

function describe(error: unknown): string {
  if (error instanceof RestError)
    return `${error.statusCode ?? "no status"} ${error.code ?? ""} ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
