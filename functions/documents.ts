// POE documents: upload (multipart, streamed to Blob storage), download (bytes or a short-lived
// read-only link) and the POE summary a partner pastes into the claim form.
import { Readable } from "node:stream";
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import { DocumentRefused, EmptyFile, TooLarge, UnacceptedType } from "../application/file-kind.ts";
import { MultipartRefused } from "../application/multipart.ts";
import { MAX_DOCUMENT_BYTES } from "../application/poe-evidence.ts";
import { problemOf } from "../application/problem.ts";
import { services } from "../composition/services.ts";
import { DocumentStorageFailed } from "../infra/blob/poe-documents.ts";
import { forKeyHolder, json, notFound } from "./http.ts";
import { defineHttp } from "./registry.ts";
import { pairReadRequest, routeParams } from "./route-params.ts";
import { isTransientStorageError, storageUnavailable } from "./storage-errors.ts";

async function evidence() {
  const s = await services();
  if (!s.evidence) throw new Error("Blob storage is not configured (STORAGE_CONNECTION_STRING)");
  return s.evidence;
}

export const uploadDocument = forKeyHolder(async (request, partnerId) => {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_DOCUMENT_BYTES + 64 * 1024) {
    return problemOf("payload-too-large", { detail: "A document is at most 25 MiB." });
  }
  const contentType = request.headers.get("content-type") ?? "";
  if (!contentType.toLowerCase().startsWith("multipart/form-data")) {
    return problemOf("unsupported-media-type", {
      detail: "Send multipart/form-data with the file and its fields.",
    });
  }
  const route = routeParams(request, ["tenantId", "workload"]);
  if ("response" in route) return route.response;
  const { tenantId, workload } = route.params;
  try {
    const outcome = await (await evidence()).upload(
      partnerId,
      tenantId,
      workload,
      request.body ?? Readable.from([]),
      contentType,
    );
    if (outcome.kind === "no-pair") return notFound("This pair");
    const { blobName: _blob, created: _created, ...document } = outcome.document;
    return json(outcome.recorded ? 201 : 200, { ...document, duplicate: !outcome.recorded });
  } catch (error) {
    return refusal(error);
  }
});

function refusal(error: unknown): HttpResponseInit {
  if (error instanceof TooLarge) return problemOf("payload-too-large", { detail: error.message });
  if (error instanceof UnacceptedType) {
    return problemOf("unsupported-media-type", {
      detail: `${error.message} Accepted: PDF, DOCX, XLSX, PPTX, PNG, JPEG, MSG, EML, TXT, Markdown.`,
    });
  }
  if (error instanceof EmptyFile)
    return problemOf("invalid-request", {
      detail: error.message,
      errors: [{ path: "$.file", message: "the file is empty" }],
    });
  if (error instanceof MultipartRefused) {
    return problemOf("invalid-request", {
      detail: error.message,
      errors: error.errors.map((e) => ({ path: `$.${e.field}`, message: e.message })),
    });
  }
  if (error instanceof DocumentRefused) return problemOf("invalid-request", { detail: error.message });
  if (isTransientStorageError(error)) return storageUnavailable("Document storage");
  if (error instanceof DocumentStorageFailed) {
    return problemOf(
      "unavailable",
      { detail: "Blob storage failed; nothing was stored." },
      { headers: { "retry-after": "5" } },
    );
  }
  throw error;
}

export const downloadDocument = forKeyHolder(async (request, partnerId) => {
  const route = routeParams(request, ["tenantId", "workload", "documentId"]);
  if ("response" in route) return route.response;
  const { tenantId, workload, documentId } = route.params;
  const store = await evidence();
  if (request.query.get("as") === "link") {
    const url = await store.readLink(partnerId, tenantId, workload, documentId);
    return url ? json(200, { url, expiresInMinutes: 15 }) : notFound("This document");
  }
  const opened = await store.open(partnerId, tenantId, workload, documentId);
  if (!opened) return notFound("This document");
  return {
    status: 200,
    headers: {
      "content-type": opened.contentType,
      "content-length": String(opened.size),
      "content-disposition": contentDisposition(opened.fileName),
      "x-content-sha256": opened.sha256,
    },
    body: opened.stream as unknown as ReadableStream,
  };
});

/**
 * RFC 6266: an ASCII `filename` for old clients and the exact name as RFC 8187 `filename*` (UTF-8,
 * percent-encoded), so no name can put a byte outside Latin-1 in a header (which fails the response).
 */
export function contentDisposition(fileName: string): string {
  const ascii = fileName
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^\x20-\x7e]|["\\%]/g, "_");
  // A lone surrogate cannot be percent-encoded as UTF-8 (encodeURIComponent throws): U+FFFD.
  const exact = encodeURIComponent(fileName.replace(/[\ud800-\udfff]/gu, "\ufffd")).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${exact}`;
}

export async function poeSummary(request: HttpRequest): Promise<HttpResponseInit> {
  const read = await pairReadRequest(request);
  if ("response" in read) return read.response;
  const text = await (await evidence()).summary(read.partnerId, read.tenantId, read.workload, read.asOf);
  if (text === undefined) return notFound("This pair");
  return { status: 200, headers: { "content-type": "text/markdown; charset=utf-8" }, body: text };
}

defineHttp({
  name: "documents",
  route: "pairs/{tenantId}/{workload}/documents",
  methods: ["POST"],
  handler: uploadDocument,
});
defineHttp({
  name: "document",
  route: "pairs/{tenantId}/{workload}/documents/{documentId}",
  methods: ["GET"],
  handler: downloadDocument,
});
defineHttp({
  name: "poeSummary",
  route: "pairs/{tenantId}/{workload}/poe-summary",
  methods: ["GET"],
  handler: poeSummary,
});
