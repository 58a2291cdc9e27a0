import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  detectFileKind,
  type FileKindVerdict,
  safeFileName,
  TextValidation,
} from "../application/file-kind.ts";

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "latin1") : Buffer.from(p))));

const PDF = bytes("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n");
const PNG = bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13], "IHDR");
const JPEG = bytes([0xff, 0xd8, 0xff, 0xe0, 0, 16], "JFIF\0");
const OLE2 = bytes([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], [0, 0, 0, 0]);
const EXE = bytes("MZ", [0x90, 0, 3, 0, 0, 0, 4, 0], "This program cannot be run in DOS mode");

/** A ZIP local file header naming `entry`, followed by `size` stored bytes (as Office writes them). */
function zipEntry(entry: string, size = 4): Buffer {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt32LE(size, 18);
  header.writeUInt32LE(size, 22);
  header.writeUInt16LE(Buffer.byteLength(entry), 26);
  return Buffer.concat([header, Buffer.from(entry), Buffer.alloc(size, 0x41)]);
}
const DOCX = Buffer.concat([
  zipEntry("[Content_Types].xml"),
  zipEntry("_rels/.rels"),
  zipEntry("word/document.xml"),
]);
const XLSX = Buffer.concat([zipEntry("[Content_Types].xml"), zipEntry("xl/workbook.xml")]);
const OPAQUE_ZIP = Buffer.concat([zipEntry("[Content_Types].xml")]);

const detect = (head: Buffer, fileName: string, declaredContentType?: string) =>
  detectFileKind({ head, fileName, declaredContentType });
const accepted = (kind: string, contentType: string): FileKindVerdict =>
  ({ ok: true, kind, contentType }) as never;
const refused = (reason: string) => expect.objectContaining({ ok: false, reason });

describe("detectFileKind decides from the leading bytes", () => {
  it.each([
    [PDF, "sow.pdf", "application/pdf", "pdf", "application/pdf"],
    [PDF, "SOW.PDF", "application/pdf; charset=binary", "pdf", "application/pdf"],
    [PDF, "scan", "application/octet-stream", "pdf", "application/pdf"],
    [PNG, "diagram.png", "image/png", "png", "image/png"],
    [JPEG, "whiteboard.jpg", "image/jpeg", "jpeg", "image/jpeg"],
    [JPEG, "whiteboard.jpeg", undefined, "jpeg", "image/jpeg"],
    [OLE2, "Re: kickoff.msg", "application/vnd.ms-outlook", "msg", "application/vnd.ms-outlook"],
    [OLE2, "kickoff.msg", "application/octet-stream", "msg", "application/vnd.ms-outlook"],
  ])("%#: accepts %s named %s", (head, name, declared, kind, contentType) => {
    expect(detect(head, name, declared)).toEqual(accepted(kind, contentType));
  });

  it("tells DOCX, XLSX and PPTX apart by the claim and checks it against the ZIP entries", () => {
    expect(detect(DOCX, "sow.docx", "application/octet-stream")).toEqual(
      accepted("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    );
    expect(detect(XLSX, "plan", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")).toEqual(
      accepted("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    );
    expect(detect(OPAQUE_ZIP, "deck.pptx", "application/zip")).toEqual(
      accepted("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    );
    // The entries say Word, the name says Excel.
    expect(detect(DOCX, "budget.xlsx", undefined)).toEqual(refused("type-mismatch"));
  });

  it("refuses a ZIP that claims to be something else, or nothing in particular", () => {
    expect(detect(DOCX, "sow.pdf", "application/pdf")).toEqual(refused("type-mismatch"));
    expect(detect(OPAQUE_ZIP, "archive.zip", "application/zip")).toEqual(refused("type-mismatch"));
    expect(detect(OPAQUE_ZIP, "archive", "application/zip")).toEqual(refused("unknown-type"));
    expect(
      detect(DOCX, "sow.docx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ).toEqual(refused("type-mismatch"));
  });

  it("refuses bytes that disagree with the extension or the declared type", () => {
    expect(detect(PNG, "sow.pdf", "application/pdf")).toEqual(refused("type-mismatch"));
    expect(detect(PNG, "scan", "application/pdf")).toEqual(refused("type-mismatch"));
    expect(detect(PDF, "sow.docx", undefined)).toEqual(refused("type-mismatch"));
    expect(detect(JPEG, "photo.png", "image/png")).toEqual(refused("type-mismatch"));
    expect(detect(PDF, "sow.exe", "application/pdf")).toEqual(refused("type-mismatch"));
  });

  it("refuses executables and OLE2 files other than Outlook messages", () => {
    expect(detect(EXE, "setup.exe", "application/x-msdownload")).toEqual(refused("type-mismatch"));
    expect(detect(EXE, "setup", "application/octet-stream")).toEqual(refused("unknown-type"));
    expect(detect(EXE, "sow.pdf", "application/pdf")).toEqual(refused("type-mismatch"));
    expect(detect(OLE2, "legacy.doc", "application/msword")).toEqual(refused("type-mismatch"));
    expect(detect(OLE2, "blob", undefined)).toEqual(refused("unknown-type"));
  });

  it("recognises an e-mail by its first header line", () => {
    const mail = bytes("Received: from mx.contoso.com\r\nSubject: Kickoff\r\n\r\nHello");
    expect(detect(mail, "kickoff.eml", "message/rfc822")).toEqual(accepted("eml", "message/rfc822"));
    expect(detect(mail, "kickoff", undefined)).toEqual(accepted("eml", "message/rfc822"));
    expect(detect(bytes("X-Mailer: Outlook\r\nFrom: a@b.c\r\n"), "k.eml", "text/plain")).toEqual(
      accepted("eml", "message/rfc822"),
    );
    expect(detect(bytes("Dear customer,\r\n"), "k.eml", "message/rfc822")).toEqual(refused("type-mismatch"));
  });

  it("accepts UTF-8 text only when named or declared as text or Markdown", () => {
    const notes = Buffer.from("# Workshop notes\n\nZero Trust — Défense en profondeur ✓\n");
    expect(detect(notes, "notes.txt", "text/plain")).toEqual(accepted("txt", "text/plain; charset=utf-8"));
    expect(detect(notes, "notes.md", "text/plain")).toEqual(
      accepted("markdown", "text/markdown; charset=utf-8"),
    );
    expect(detect(notes, "notes", "text/markdown")).toEqual(
      accepted("markdown", "text/markdown; charset=utf-8"),
    );
    expect(detect(notes, "notes", "application/octet-stream")).toEqual(refused("unknown-type"));
    expect(detect(notes, "notes.pdf", "application/pdf")).toEqual(refused("type-mismatch"));
  });

  it("does not take binary for text", () => {
    expect(detect(bytes("hello\0world"), "notes.txt", "text/plain")).toEqual(refused("type-mismatch"));
    expect(detect(bytes("caf", [0xc3, 0x28]), "notes.txt", "text/plain")).toEqual(refused("type-mismatch"));
    expect(detect(Buffer.alloc(0), "notes.txt", "text/plain")).toEqual(refused("type-mismatch"));
  });

  it("tolerates a multi-byte character cut off at the end of the head", () => {
    const head = Buffer.from("Résumé ✓").subarray(0, -1);
    expect(detect(head, "notes.txt", "text/plain")).toEqual(accepted("txt", "text/plain; charset=utf-8"));
  });
});

describe("TextValidation checks the whole stream, across chunk boundaries", () => {
  it("accepts a character split between chunks", () => {
    const text = Buffer.from("a✓b");
    const validation = new TextValidation();
    validation.push(text.subarray(0, 2));
    validation.push(text.subarray(2));
    expect(validation.finish()).toBe(true);
  });

  it("refuses a NUL, an invalid sequence or a truncated end", () => {
    const withNul = new TextValidation();
    withNul.push(Buffer.from("fine"));
    withNul.push(Buffer.from([0x41, 0x00]));
    expect(withNul.finish()).toBe(false);

    const invalid = new TextValidation();
    invalid.push(Buffer.from([0xff, 0xfe]));
    expect(invalid.finish()).toBe(false);

    const truncated = new TextValidation();
    truncated.push(Buffer.from("✓").subarray(0, 2));
    expect(truncated.finish()).toBe(false);
  });
});

describe("safeFileName", () => {
  it.each([
    ["../../etc/passwd\u0000.pdf", "passwd.pdf"],
    ["C:\\Users\\ana\\Desktop\\SOW v2.docx", "SOW v2.docx"],
    ["..\\..\\boot.ini", "boot.ini"],
    ["...hidden.txt", "hidden.txt"],
    ["", "document"],
    ["....", "document"],
    ["/", "document"],
    [".pdf", "document.pdf"],
    ["con.tar.gz", "_con.tar.gz"],
    ['re: "kickoff" <final>?.msg', "re_ _kickoff_ _final__.msg"],
    ["invoice\u202egpj.exe", "invoicegpj.exe"],
    ["Prüfbericht März.pdf", "Prüfbericht März.pdf"],
    ["CON.txt", "_CON.txt"],
    ["notes.md. . ", "notes.md"],
    ["tab\tand\nnewline.txt", "tabandnewline.txt"],
  ])("%j -> %j", (input, expected) => {
    expect(safeFileName(input)).toBe(expected);
  });

  it("caps the length but keeps the extension", () => {
    const name = safeFileName(`${"a".repeat(500)}.pdf`);
    expect(name.endsWith(".pdf")).toBe(true);
    expect([...name].length).toBe(120);
  });

  it("never yields an empty, path-like, hidden or control-bearing name", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (input) => {
        const name = safeFileName(input);
        expect(name.length).toBeGreaterThan(0);
        expect([...name].length).toBeLessThanOrEqual(120);
        expect(name).not.toMatch(/[/\\<>:"|?*\p{Cc}\p{Cf}]/u);
        expect(name.startsWith(".")).toBe(false);
        expect(name).toBe(safeFileName(name)); // idempotent
      }),
      { numRuns: 2000 },
    );
  });
});
