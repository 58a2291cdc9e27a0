import { Readable, Transform } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import busboy from "busboy";
import { POE_DOCUMENT_KINDS } from "../domain/events.ts";
import { EmptyFile, TooLarge } from "./file-kind.ts";
import { DEFAULT_MAX_DOCUMENT_BYTES } from "./ports/poe-documents.ts";

/**
 * Parses a POE document upload (multipart/form-data) as a stream: the file is handed to the caller as
 * soon as its part begins, so it can flow to Blob storage without ever being held in memory.
 */

// The kinds a document may be, as the poe.document.attached event defines them.
export { EmptyFile, POE_DOCUMENT_KINDS, TooLarge };
export type PoeDocumentKind = (typeof POE_DOCUMENT_KINDS)[number];

export interface DocumentFields {
  kind: PoeDocumentKind;
  workloadsMentioned: string[];
  tenantIdOnDocument?: string;
}

export interface UploadedFile {
  /** The file's bytes. Errors with TooLarge past the limit and with EmptyFile when it ends empty. */
  stream: Readable;
  /** As sent by the client (busboy already drops any path); sanitise before storing. */
  fileName: string;
  declaredContentType: string;
}

export interface DocumentUpload {
  file: UploadedFile;
  /**
   * The form fields, complete and validated. Settles only once the whole body has been read, because
   * clients may send fields after the file: consume `file.stream` before (or while) awaiting this.
   */
  fields: Promise<DocumentFields>;
}

export interface FieldProblem {
  field: string;
  message: string;
}

/** The request body is not an acceptable document upload: HTTP 400 with `errors` per field. */
export class MultipartRefused extends Error {
  constructor(
    message: string,
    readonly errors: readonly FieldProblem[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class MalformedMultipart extends MultipartRefused {}

export class MissingFile extends MultipartRefused {
  constructor() {
    super("The request has no file part.", [{ field: "file", message: "exactly one file is required" }]);
  }
}

export class TooManyFiles extends MultipartRefused {
  constructor() {
    super("The request has more than one file part.", [
      { field: "file", message: "exactly one file is allowed" },
    ]);
  }
}

/** Thrown for the first missing field; `errors` lists every field problem found. */
export class MissingField extends MultipartRefused {
  constructor(
    readonly field: string,
    errors: readonly FieldProblem[],
  ) {
    super(`The field "${field}" is required.`, errors);
  }
}

export class InvalidField extends MultipartRefused {
  constructor(
    readonly field: string,
    errors: readonly FieldProblem[],
  ) {
    super(`The field "${field}" is invalid.`, errors);
  }
}

export interface MultipartOptions {
  maxFileBytes?: number;
}

type Body = Readable | WebReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

// Fields are small; these bounds keep a hostile body from making us collect much of anything.
const FIELD_LIMITS = { fieldSize: 64 * 1024, fields: 20, parts: 30, headerPairs: 50 };
const WORKLOAD = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Resolves as soon as the file part starts (or rejects when the body ends without one).
 * Refusals: MalformedMultipart, MissingFile, TooManyFiles, MissingField, InvalidField; on the file
 * stream: TooLarge, EmptyFile.
 */
export function parseDocumentUpload(
  body: Body,
  contentType: string | null | undefined,
  options: MultipartOptions = {},
): Promise<DocumentUpload> {
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  if (!contentType || !/^multipart\/form-data\s*;/i.test(contentType)) {
    return Promise.reject(new MalformedMultipart("Expected a multipart/form-data request body."));
  }
  let parser: busboy.Busboy;
  try {
    // busboy reports reaching the limit exactly, so allow one byte more to tell "= max" from "> max".
    parser = busboy({
      headers: { "content-type": contentType },
      limits: { ...FIELD_LIMITS, files: 1, fileSize: maxFileBytes + 1 },
      // Browsers send raw UTF-8 in filename="…"; busboy would read it as Latin-1 ("MÃ¼ller").
      defParamCharset: "utf8",
    });
  } catch (error) {
    return Promise.reject(
      new MalformedMultipart("The multipart/form-data content type is malformed.", [], { cause: error }),
    );
  }

  return new Promise<DocumentUpload>((resolveUpload, rejectUpload) => {
    const source = toReadable(body);
    const values = new Map<string, string[]>();
    const problems: FieldProblem[] = [];
    let file: Transform | undefined;
    let settled = false;
    let resolveFields!: (fields: DocumentFields) => void;
    let rejectFields!: (error: Error) => void;
    const fields = new Promise<DocumentFields>((resolve, reject) => {
      resolveFields = resolve;
      rejectFields = reject;
    });
    // The caller may well never await fields after a failed upload; that must not crash the process.
    fields.catch(() => {});

    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      if (file && !file.writableFinished) file.destroy(error);
      rejectUpload(error);
      rejectFields(error);
      source.unpipe(parser);
      source.resume(); // drain the rest so the connection can finish
    };

    parser.on("file", (_name, stream, info) => {
      let size = 0;
      const counted = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          size += chunk.length;
          callback(null, chunk);
        },
        flush(callback) {
          callback(size === 0 ? new EmptyFile() : null);
        },
      });
      file = counted;
      // The consumer may attach only after an await (e.g. creating the container); an error emitted
      // before then must not crash the process. Late consumers still see it: the stream stays errored.
      counted.on("error", () => {});
      stream.on("error", (error: Error) => {
        if (!counted.destroyed) {
          counted.destroy(
            new MalformedMultipart(`The file part failed: ${error.message}`, [], { cause: error }),
          );
        }
      });
      stream.on("limit", () => {
        stream.unpipe(counted);
        counted.destroy(new TooLarge(maxFileBytes));
        stream.resume();
      });
      // If the consumer gives up early, keep draining so the fields after the file still arrive.
      counted.on("close", () => {
        if (!stream.readableEnded) {
          stream.unpipe(counted);
          stream.resume();
        }
      });
      stream.pipe(counted);
      resolveUpload({
        file: { stream: counted, fileName: info.filename ?? "", declaredContentType: info.mimeType },
        fields,
      });
    });

    parser.on("field", (name, value, info) => {
      if (info.valueTruncated) problems.push({ field: name, message: "value is too long" });
      const list = values.get(name) ?? [];
      list.push(value);
      values.set(name, list);
    });

    parser.on("filesLimit", () => fail(new TooManyFiles()));
    parser.on("fieldsLimit", () => fail(new MalformedMultipart("The request has too many fields.")));
    parser.on("partsLimit", () => fail(new MalformedMultipart("The request has too many parts.")));
    parser.on("error", (error: Error) =>
      fail(new MalformedMultipart(`The multipart body is malformed: ${error.message}`, [], { cause: error })),
    );
    parser.on("close", () => {
      if (settled) return;
      if (!file) return fail(new MissingFile());
      settled = true;
      try {
        resolveFields(documentFields(values, problems));
      } catch (error) {
        rejectFields(error as Error);
      }
    });

    source.on("error", (error) =>
      fail(new MalformedMultipart(`The request body failed: ${error.message}`, [], { cause: error })),
    );
    source.pipe(parser);
  });
}

function documentFields(values: Map<string, string[]>, problems: FieldProblem[]): DocumentFields {
  const missing: string[] = [];
  const invalid: string[] = [];
  const problem = (field: string, message: string, list: string[]) => {
    problems.push({ field, message });
    list.push(field);
  };
  for (const { field } of problems) invalid.push(field);

  const kinds = distinct((values.get("kind") ?? []).map((k) => k.trim()).filter((k) => k !== ""));
  let kind: PoeDocumentKind | undefined;
  if (kinds.length === 0) problem("kind", "is required", missing);
  else if (kinds.length > 1) problem("kind", "was sent with different values", invalid);
  else if (!(POE_DOCUMENT_KINDS as readonly string[]).includes(kinds[0]!)) {
    problem("kind", `must be one of ${POE_DOCUMENT_KINDS.join(", ")}`, invalid);
  } else kind = kinds[0] as PoeDocumentKind;

  const rawWorkloads = [
    ...(values.get("workloadsMentioned") ?? []),
    ...(values.get("workloadsMentioned[]") ?? []),
  ];
  const workloadsMentioned: string[] = [];
  if (rawWorkloads.length === 0) problem("workloadsMentioned", "is required", missing);
  else {
    const parsed = rawWorkloads.flatMap(workloadList);
    if (parsed.some((w) => w === undefined)) {
      problem(
        "workloadsMentioned",
        "must be workload ids, comma-separated or as a JSON array of strings",
        invalid,
      );
    } else {
      const ids = distinct(parsed as string[]);
      const bad = ids.filter((w) => !WORKLOAD.test(w));
      if (ids.length === 0) problem("workloadsMentioned", "must name at least one workload", invalid);
      else if (bad.length > 0) problem("workloadsMentioned", `not workload ids: ${bad.join(", ")}`, invalid);
      else workloadsMentioned.push(...ids);
    }
  }

  const tenants = distinct(
    (values.get("tenantIdOnDocument") ?? []).map((t) => t.trim()).filter((t) => t !== ""),
  );
  let tenantIdOnDocument: string | undefined;
  if (tenants.length > 1) problem("tenantIdOnDocument", "was sent with different values", invalid);
  else if (tenants.length === 1) {
    if (GUID.test(tenants[0]!)) tenantIdOnDocument = tenants[0]!.toLowerCase();
    else problem("tenantIdOnDocument", "must be a tenant id (GUID)", invalid);
  }

  if (missing.length > 0) throw new MissingField(missing[0]!, problems);
  if (invalid.length > 0) throw new InvalidField(invalid[0]!, problems);
  return { kind: kind!, workloadsMentioned, ...(tenantIdOnDocument ? { tenantIdOnDocument } : {}) };
}

/** One form value as workload ids; `undefined` marks an entry that is not a string. */
function workloadList(value: string): (string | undefined)[] {
  const trimmed = value.trim();
  if (trimmed.startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (!Array.isArray(parsed)) return [undefined];
      return parsed
        .map((entry) => (typeof entry === "string" ? entry.trim() : undefined))
        .filter((w) => w !== "");
    } catch {
      return [undefined];
    }
  }
  return trimmed
    .split(",")
    .map((w) => w.trim())
    .filter((w) => w !== "");
}

function distinct(list: string[]): string[] {
  return [...new Set(list)];
}

function toReadable(body: Body): Readable {
  if (body instanceof Readable) return body;
  if (typeof (body as WebReadableStream<Uint8Array>).getReader === "function") {
    return Readable.fromWeb(body as WebReadableStream<Uint8Array>);
  }
  return Readable.from(body as AsyncIterable<Uint8Array>, { objectMode: false });
}
