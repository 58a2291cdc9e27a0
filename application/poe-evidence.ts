import type { Readable } from "node:stream";
import type { EngagementEvent } from "../domain/events.ts";
import { pairStreamId } from "../domain/events.ts";
import { canonicalInstant, pairKeyOf, stateOfTimeline } from "../domain/fold.ts";
import { poeSummary } from "../domain/poe-summary.ts";
import type { EventRecorder } from "./event-recorder.ts";
import { POE_FILE_ACCEPTANCE } from "./file-kind.ts";
import { parseDocumentUpload } from "./multipart.ts";
import type { DocumentCollection } from "./ports/document-collection.ts";
import {
  DEFAULT_MAX_DOCUMENT_BYTES,
  type PoeDocumentStore,
  type StoredDocument,
} from "./ports/poe-documents.ts";
import { eventsAfterCut, type PairDocument, type ProjectionDocument, pairDocumentId } from "./stream-head.ts";

/** The largest document a partner may upload (the store enforces it while streaming). */
export const MAX_DOCUMENT_BYTES = DEFAULT_MAX_DOCUMENT_BYTES;
/** Documents the tracker stores record their attachment under this source; the id is content-derived. */
export const DOCUMENTS_SOURCE = "tracker://poe-documents";

export type UploadOutcome =
  | { kind: "no-pair" }
  | { kind: "stored"; document: StoredDocument; recorded: boolean };

/**
 * The partner's evidence for a pair: documents in Blob storage, each recorded as a
 * `poe.document.attached` event so it counts toward the POE checklist at once, and the summary a
 * reviewer reads. A blob is committed before its event; if the event cannot be recorded, the blob
 * this upload wrote is deleted again, so a failed upload leaves neither.
 */
export class PoeEvidence {
  constructor(
    private readonly store: PoeDocumentStore,
    private readonly docs: DocumentCollection<ProjectionDocument>,
    private readonly recorder: EventRecorder,
    private readonly clock: () => Date,
  ) {}

  private async pair(
    partnerId: string,
    tenantId: string,
    workload: string,
  ): Promise<PairDocument | undefined> {
    const found = await this.docs.read(partnerId, pairDocumentId(tenantId, workload));
    return found?.doc.docType === "pair" && found.doc.version > 0 ? found.doc : undefined;
  }

  async upload(
    partnerId: string,
    tenantId: string,
    workload: string,
    body: Readable | ReadableStream<Uint8Array>,
    contentType: string,
  ): Promise<UploadOutcome> {
    // Only the owning partner's existing pairs take documents; anything else is as if absent.
    if (!(await this.pair(partnerId, tenantId, workload))) return { kind: "no-pair" };
    const upload = await parseDocumentUpload(body, contentType, { maxFileBytes: MAX_DOCUMENT_BYTES });
    const document = await this.store.store({
      acceptance: POE_FILE_ACCEPTANCE,
      partnerId,
      tenantId,
      workload,
      fileName: upload.file.fileName,
      declaredContentType: upload.file.declaredContentType,
      content: upload.file.stream,
      metadata: upload.fields,
      maxBytes: MAX_DOCUMENT_BYTES,
    });
    const fields = await upload.fields;
    // Same bytes, same pair: the event id comes from the content, so a re-upload (even a concurrent
    // one) records nothing new; the copy it wrote is removed and the first document answers.
    const eventId = `document-${document.sha256.slice(0, 32)}`;
    const event = {
      specversion: "1.0",
      id: eventId,
      source: DOCUMENTS_SOURCE,
      type: "poe.document.attached",
      time: canonicalInstant(this.clock().toISOString()),
      partnerid: partnerId,
      tenantid: tenantId.toLowerCase(),
      workload,
      data: {
        documentId: document.documentId,
        kind: fields.kind,
        fileName: document.fileName,
        contentType: document.contentType,
        size: document.size,
        sha256: document.sha256,
        workloadsMentioned: fields.workloadsMentioned,
        ...(fields.tenantIdOnDocument ? { tenantIdOnDocument: fields.tenantIdOnDocument } : {}),
      },
    } as EngagementEvent;
    let recorded: Awaited<ReturnType<EventRecorder["record"]>>;
    try {
      recorded = await this.recorder.record(pairStreamId(partnerId, tenantId, workload), [event]);
    } catch (error) {
      await this.store.deleteDocument(partnerId, tenantId, workload, document.documentId);
      throw error;
    }
    if (recorded.accepted.length > 0) return { kind: "stored", document, recorded: true };
    const first = eventsAfterCut(recorded.head).find(
      (e) => e.source === DOCUMENTS_SOURCE && e.id === eventId,
    );
    const firstData = first?.data as { documentId: string; fileName: string } | undefined;
    if (firstData && firstData.documentId !== document.documentId) {
      await this.store.deleteDocument(partnerId, tenantId, workload, document.documentId);
      return {
        kind: "stored",
        document: { ...document, documentId: firstData.documentId, fileName: firstData.fileName },
        recorded: false,
      };
    }
    return { kind: "stored", document, recorded: false };
  }

  open(partnerId: string, tenantId: string, workload: string, documentId: string) {
    return this.store.open(partnerId, tenantId, workload, documentId);
  }

  readLink(partnerId: string, tenantId: string, workload: string, documentId: string) {
    return this.store.readLink(partnerId, tenantId, workload, documentId);
  }

  /** The Markdown summary for the claim form, at `asOf` (default now); undefined for an unknown pair. */
  async summary(
    partnerId: string,
    tenantId: string,
    workload: string,
    asOf?: string,
  ): Promise<string | undefined> {
    const doc = await this.pair(partnerId, tenantId, workload);
    if (!doc) return undefined;
    const at = canonicalInstant(asOf ?? this.clock().toISOString());
    // The summary lists every event: read from the event documents (a head keeps only a bounded tail).
    const events = await this.recorder.timelineAt(doc, at);
    return poeSummary({ state: stateOfTimeline(pairKeyOf(doc.streamId), events, at), events });
  }
}
