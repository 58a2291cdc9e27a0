import { PassThrough, Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { describe, expect, it } from "vitest";
import {
  EmptyFile,
  InvalidField,
  MalformedMultipart,
  MissingField,
  MissingFile,
  parseDocumentUpload,
  TooLarge,
  TooManyFiles,
} from "../application/multipart.ts";

const BOUNDARY = "----poe-boundary-7MA4YWxkTrZu0gW";
const CONTENT_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;
const TENANT = "6f1c2a9e-3c4b-4f1e-9a51-2b7c0d9e8f10";

type Part =
  | { name: string; value: string }
  | { name: string; filename: string; type?: string; data: Buffer | string };

function part(p: Part): Buffer {
  if ("value" in p) {
    return Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${p.name}"\r\n\r\n${p.value}\r\n`,
    );
  }
  const head =
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${p.name}"; filename="${p.filename}"\r\n` +
    `Content-Type: ${p.type ?? "application/pdf"}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), Buffer.from(p.data), Buffer.from("\r\n")]);
}

const closing = () => Buffer.from(`--${BOUNDARY}--\r\n`);

/** The body cut into small chunks, so the parser really has to work across chunk boundaries. */
function body(...parts: Part[]): Readable {
  const whole = Buffer.concat([...parts.map(part), closing()]);
  const chunks: Buffer[] = [];
  for (let i = 0; i < whole.length; i += 7) chunks.push(whole.subarray(i, i + 7));
  return Readable.from(chunks);
}

const file = (data: Buffer | string = "%PDF-1.7 sow", filename = "sow.pdf"): Part => ({
  name: "file",
  filename,
  data,
});

describe("parseDocumentUpload", () => {
  it("hands over the file and the fields sent before it", async () => {
    const upload = await parseDocumentUpload(
      body(
        { name: "kind", value: "sow" },
        { name: "workloadsMentioned", value: "defender-endpoint" },
        { name: "tenantIdOnDocument", value: TENANT.toUpperCase() },
        file(),
      ),
      CONTENT_TYPE,
    );
    expect(upload.file.fileName).toBe("sow.pdf");
    expect(upload.file.declaredContentType).toBe("application/pdf");
    expect(await text(upload.file.stream)).toBe("%PDF-1.7 sow");
    expect(await upload.fields).toEqual({
      kind: "sow",
      workloadsMentioned: ["defender-endpoint"],
      tenantIdOnDocument: TENANT,
    });
  });

  it("gives the file out while the body is still arriving and collects fields sent after it", async () => {
    const wire = new PassThrough();
    wire.write(part({ name: "kind", value: "meeting-notes" }));
    wire.write(part(file("%PDF-1.7 first half|")).subarray(0, -2)); // the file part, not yet finished

    const upload = await parseDocumentUpload(wire, CONTENT_TYPE);
    const received: string[] = [];
    upload.file.stream.on("data", (chunk: Buffer) => received.push(chunk.toString()));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(received.join("")).toBe("%PDF-1.7 first half|");
    expect(wire.writableEnded).toBe(false);

    wire.write(Buffer.from("\r\n"));
    wire.write(part({ name: "workloadsMentioned", value: "defender-endpoint, entra-id-p1" }));
    wire.end(closing());
    expect(await upload.fields).toEqual({
      kind: "meeting-notes",
      workloadsMentioned: ["defender-endpoint", "entra-id-p1"],
    });
  });

  it.each([
    [
      ["defender-endpoint", "entra-id-p1"],
      ["defender-endpoint", "entra-id-p1"],
    ],
    [["defender-endpoint,entra-id-p1, defender-endpoint"], ["defender-endpoint", "entra-id-p1"]],
    [['["defender-endpoint", "purview-dlp"]'], ["defender-endpoint", "purview-dlp"]],
    [
      ['["defender-endpoint"]', "sentinel"],
      ["defender-endpoint", "sentinel"],
    ],
  ])("reads workloadsMentioned sent as %j", async (values, expected) => {
    const upload = await parseDocumentUpload(
      body(
        file(),
        { name: "kind", value: "sow" },
        ...values.map((value) => ({ name: "workloadsMentioned", value })),
      ),
      CONTENT_TYPE,
    );
    upload.file.stream.resume();
    expect((await upload.fields).workloadsMentioned).toEqual(expected);
  });

  it("names every missing field", async () => {
    const upload = await parseDocumentUpload(body(file()), CONTENT_TYPE);
    upload.file.stream.resume();
    const error = await upload.fields.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingField);
    expect((error as MissingField).field).toBe("kind");
    expect((error as MissingField).errors.map((e) => e.field)).toEqual(["kind", "workloadsMentioned"]);
  });

  it.each([
    ["kind", [{ name: "kind", value: "invoice" }]],
    [
      "workloadsMentioned",
      [
        { name: "kind", value: "sow" },
        { name: "workloadsMentioned", value: "[1, 2]" },
      ],
    ],
    [
      "workloadsMentioned",
      [
        { name: "kind", value: "sow" },
        { name: "workloadsMentioned", value: "../etc" },
      ],
    ],
    [
      "tenantIdOnDocument",
      [
        { name: "kind", value: "sow" },
        { name: "workloadsMentioned", value: "sentinel" },
        { name: "tenantIdOnDocument", value: "contoso.onmicrosoft.com" },
      ],
    ],
  ])("refuses an invalid %s", async (field, parts) => {
    const upload = await parseDocumentUpload(body(file(), ...parts), CONTENT_TYPE);
    upload.file.stream.resume();
    const error = await upload.fields.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(field === "kind" ? MissingField : InvalidField);
    expect((error as InvalidField).errors.map((e) => e.field)).toContain(field);
  });

  it("refuses a body without a file", async () => {
    await expect(
      parseDocumentUpload(
        body({ name: "kind", value: "sow" }, { name: "workloadsMentioned", value: "sentinel" }),
        CONTENT_TYPE,
      ),
    ).rejects.toBeInstanceOf(MissingFile);
  });

  it("refuses a second file", async () => {
    const upload = await parseDocumentUpload(
      body(file(), file("%PDF-1.7 other", "other.pdf"), { name: "kind", value: "sow" }),
      CONTENT_TYPE,
    );
    const streamError = text(upload.file.stream).catch((e: unknown) => e);
    await expect(upload.fields).rejects.toBeInstanceOf(TooManyFiles);
    // Either the stream already ended (the whole first file was read) or it was failed with the refusal.
    const outcome = await streamError;
    expect(outcome === "%PDF-1.7 sow" || outcome instanceof TooManyFiles).toBe(true);
  });

  it("fails the file stream with TooLarge past the limit, and accepts exactly the limit", async () => {
    const over = await parseDocumentUpload(body(file(Buffer.alloc(1001, 0x41))), CONTENT_TYPE, {
      maxFileBytes: 1000,
    });
    await expect(text(over.file.stream)).rejects.toBeInstanceOf(TooLarge);

    const exact = await parseDocumentUpload(
      body(
        file(Buffer.alloc(1000, 0x41)),
        { name: "kind", value: "sow" },
        { name: "workloadsMentioned", value: "x" },
      ),
      CONTENT_TYPE,
      { maxFileBytes: 1000 },
    );
    expect((await text(exact.file.stream)).length).toBe(1000);
    await expect(exact.fields).resolves.toMatchObject({ kind: "sow" });
  });

  it("still collects the fields after a too-large file", async () => {
    const upload = await parseDocumentUpload(
      body(
        file(Buffer.alloc(5000, 0x41)),
        { name: "kind", value: "sow" },
        { name: "workloadsMentioned", value: "x" },
      ),
      CONTENT_TYPE,
      { maxFileBytes: 100 },
    );
    await expect(text(upload.file.stream)).rejects.toBeInstanceOf(TooLarge);
    await expect(upload.fields).resolves.toEqual({ kind: "sow", workloadsMentioned: ["x"] });
  });

  it("fails the file stream with EmptyFile for an empty file", async () => {
    const upload = await parseDocumentUpload(body(file("")), CONTENT_TYPE);
    await expect(text(upload.file.stream)).rejects.toBeInstanceOf(EmptyFile);
  });

  it("drops any path the client put in the file name", async () => {
    const upload = await parseDocumentUpload(body(file("%PDF-", "../../etc/passwd")), CONTENT_TYPE);
    upload.file.stream.resume();
    expect(upload.file.fileName).toBe("passwd");
  });

  it("reads a web ReadableStream body (what Azure Functions hands over)", async () => {
    const nodeBody = body(
      file(),
      { name: "kind", value: "roadmap" },
      { name: "workloadsMentioned", value: "x" },
    );
    const upload = await parseDocumentUpload(Readable.toWeb(nodeBody) as never, CONTENT_TYPE);
    expect(await text(upload.file.stream)).toBe("%PDF-1.7 sow");
    expect((await upload.fields).kind).toBe("roadmap");
  });

  it.each([
    ["application/json", MalformedMultipart],
    ["multipart/form-data", MalformedMultipart],
    [undefined, MalformedMultipart],
  ])("refuses content type %s", async (contentType, type) => {
    await expect(parseDocumentUpload(body(file()), contentType)).rejects.toBeInstanceOf(type);
  });

  it("refuses a body cut off in the middle of the file", async () => {
    const whole = part(file(Buffer.alloc(2000, 0x41)));
    const upload = await parseDocumentUpload(Readable.from([whole.subarray(0, 1000)]), CONTENT_TYPE);
    await expect(text(upload.file.stream)).rejects.toBeInstanceOf(MalformedMultipart);
    await expect(upload.fields).rejects.toBeInstanceOf(MalformedMultipart);
  });
});
