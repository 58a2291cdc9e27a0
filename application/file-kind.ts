/**
 * Which POE documents we accept, decided from the file's leading bytes. The declared content type and
 * the extension are claims made by the uploader; they may pick between formats that share a container
 * (DOCX/XLSX/PPTX are all ZIP) but never override what the bytes say.
 */
import type { FileAcceptance } from "./ports/poe-documents.ts";

export type FileKind = "pdf" | "docx" | "xlsx" | "pptx" | "png" | "jpeg" | "msg" | "eml" | "txt" | "markdown";

/** Enough leading bytes to tell every accepted kind apart (and to see the first ZIP entries). */
export const SNIFF_BYTES = 4096;

export type FileKindRefusal = "type-mismatch" | "unknown-type";

export type FileKindVerdict =
  | { ok: true; kind: FileKind; contentType: string }
  | { ok: false; reason: FileKindRefusal; detail: string };

/** Why a document is refused as content (not as storage failure). The HTTP layer maps these to 4xx. */
export class DocumentRefused extends Error {
  constructor(
    readonly reason: "too-large" | "empty" | FileKindRefusal,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** More bytes than the limit: HTTP 413. */
export class TooLarge extends DocumentRefused {
  constructor(readonly limitBytes: number) {
    super("too-large", `The document is larger than ${limitBytes} bytes.`);
  }
}

export class EmptyFile extends DocumentRefused {
  constructor() {
    super("empty", "The document is empty.");
  }
}

/** The bytes are not an accepted kind, or the declared type/extension disagree with them: HTTP 415. */
export class UnacceptedType extends DocumentRefused {
  constructor(reason: FileKindRefusal, detail: string) {
    super(reason, detail);
  }
}

interface KindSpec {
  contentType: string;
  extensions: readonly string[];
  /** Declared content types that name this kind (lower case, no parameters). */
  declared: readonly string[];
}

const KINDS: Record<FileKind, KindSpec> = {
  pdf: {
    contentType: "application/pdf",
    extensions: ["pdf"],
    declared: ["application/pdf", "application/x-pdf"],
  },
  docx: {
    contentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    extensions: ["docx"],
    declared: ["application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
  },
  xlsx: {
    contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    extensions: ["xlsx"],
    declared: ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
  },
  pptx: {
    contentType: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    extensions: ["pptx"],
    declared: ["application/vnd.openxmlformats-officedocument.presentationml.presentation"],
  },
  png: { contentType: "image/png", extensions: ["png"], declared: ["image/png", "image/x-png"] },
  jpeg: {
    contentType: "image/jpeg",
    extensions: ["jpg", "jpeg", "jpe", "jfif"],
    declared: ["image/jpeg", "image/jpg", "image/pjpeg"],
  },
  msg: {
    contentType: "application/vnd.ms-outlook",
    extensions: ["msg"],
    declared: ["application/vnd.ms-outlook", "application/x-msg"],
  },
  eml: { contentType: "message/rfc822", extensions: ["eml"], declared: ["message/rfc822"] },
  txt: { contentType: "text/plain; charset=utf-8", extensions: ["txt"], declared: ["text/plain"] },
  markdown: {
    contentType: "text/markdown; charset=utf-8",
    extensions: ["md", "markdown"],
    declared: ["text/markdown", "text/x-markdown"],
  },
};

/** Declared types that carry no claim at all (what browsers and curl send when they do not know). */
const UNINFORMATIVE = new Set(["", "application/octet-stream", "binary/octet-stream", "application/unknown"]);
/** Some clients label OOXML files as plain ZIP; that claim is compatible with any OOXML kind. */
const ZIP_DECLARED = new Set(["application/zip", "application/x-zip-compressed", "application/x-zip"]);
/** Text kinds that browsers commonly upload as text/plain. */
const TEXT_PLAIN_COMPATIBLE = new Set<FileKind>(["txt", "markdown", "eml"]);

const OOXML: readonly FileKind[] = ["docx", "xlsx", "pptx"];
const OOXML_PART_PREFIX: Record<string, FileKind> = { "word/": "docx", "xl/": "xlsx", "ppt/": "pptx" };

const PDF = [0x25, 0x50, 0x44, 0x46, 0x2d]; // %PDF-
const ZIP = [0x50, 0x4b, 0x03, 0x04]; // PK\x03\x04
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];
const OLE2 = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const UTF8_BOM = [0xef, 0xbb, 0xbf];

// RFC 5322 header names that open real mail exports; X- covers the many vendor trace headers.
const EML_FIRST_LINE =
  /^(?:received|from|return-path|mime-version|date|subject|message-id|to|cc|reply-to|sender|delivered-to|x-[a-z0-9-]+):/i;

export interface FileClaim {
  /** The leading bytes of the file (at least SNIFF_BYTES unless the file is shorter). */
  head: Uint8Array;
  fileName: string;
  declaredContentType?: string | undefined;
}

export function detectFileKind({ head, fileName, declaredContentType }: FileClaim): FileKindVerdict {
  const extension = extensionOf(fileName);
  const declared = mediaType(declaredContentType);

  if (startsWith(head, PDF)) return confirm("pdf", extension, declared);
  if (startsWith(head, PNG)) return confirm("png", extension, declared);
  if (startsWith(head, JPEG)) return confirm("jpeg", extension, declared);
  if (startsWith(head, ZIP)) return officeDocument(head, extension, declared);
  if (startsWith(head, OLE2)) {
    // OLE2 is also legacy .doc/.xls; only an Outlook message is accepted in it.
    if (extension === "msg" || KINDS.msg.declared.includes(declared))
      return confirm("msg", extension, declared);
    return refuse(
      claimedKind(extension, declared) ? "type-mismatch" : "unknown-type",
      "OLE2 compound files are accepted only as Outlook messages (.msg).",
    );
  }
  return textDocument(head, extension, declared);
}

/** The bytes say `kind`; any claim made by extension or declared type must agree. */
function confirm(kind: FileKind, extension: string | undefined, declared: string): FileKindVerdict {
  const spec = KINDS[kind];
  if (extension !== undefined && !spec.extensions.includes(extension)) {
    return refuse(
      "type-mismatch",
      `The content is ${kind.toUpperCase()} but the file name ends in .${extension}.`,
    );
  }
  if (!declaredAgrees(kind, declared)) {
    return refuse(
      "type-mismatch",
      `The content is ${kind.toUpperCase()} but it was declared as ${declared}.`,
    );
  }
  return { ok: true, kind, contentType: spec.contentType };
}

function declaredAgrees(kind: FileKind, declared: string): boolean {
  if (UNINFORMATIVE.has(declared) || KINDS[kind].declared.includes(declared)) return true;
  if (OOXML.includes(kind) && ZIP_DECLARED.has(declared)) return true;
  return declared === "text/plain" && TEXT_PLAIN_COMPATIBLE.has(kind);
}

function officeDocument(head: Uint8Array, extension: string | undefined, declared: string): FileKindVerdict {
  const claimed = claimedKind(extension, declared);
  if (claimed === undefined || claimed === "unaccepted" || !OOXML.includes(claimed)) {
    return refuse(
      claimed === undefined ? "unknown-type" : "type-mismatch",
      "ZIP content is accepted only as a Word, Excel or PowerPoint document (.docx, .xlsx, .pptx).",
    );
  }
  // When the first ZIP entries are visible, they name the application; trust them over the claim.
  const evidence = ooxmlEvidence(head);
  if (evidence !== undefined && evidence !== claimed) {
    return refuse(
      "type-mismatch",
      `The content is ${evidence.toUpperCase()} but it claims to be ${claimed}.`,
    );
  }
  return confirm(claimed, extension, declared);
}

function textDocument(head: Uint8Array, extension: string | undefined, declared: string): FileKindVerdict {
  const text = leadingText(head);
  if (text === undefined) {
    return refuse(
      claimedKind(extension, declared) ? "type-mismatch" : "unknown-type",
      "The content is not a PDF, Office document, PNG, JPEG, Outlook message, e-mail or UTF-8 text.",
    );
  }
  const looksLikeMail = EML_FIRST_LINE.test(text);
  const claimed = claimedKind(extension, declared);
  if (claimed === "eml" || (claimed === undefined && looksLikeMail)) {
    if (!looksLikeMail) {
      return refuse(
        "type-mismatch",
        "An e-mail (.eml) must start with a header line such as From: or Received:.",
      );
    }
    return confirm("eml", extension, declared);
  }
  if (claimed === "txt" || claimed === "markdown") return confirm(claimed, extension, declared);
  if (claimed !== undefined) {
    return refuse("type-mismatch", `The content is text but it claims to be ${claimed}.`);
  }
  return refuse("unknown-type", "Text documents must be named .txt, .md or .eml (or declared as such).");
}

/** A claim naming a type we do not accept (.exe, .zip, .doc, application/x-msdownload). */
type Unaccepted = "unaccepted";

/** What the uploader says the file is: the extension first, else a specific declared type. */
function claimedKind(extension: string | undefined, declared: string): FileKind | Unaccepted | undefined {
  if (extension !== undefined) {
    for (const [kind, spec] of Object.entries(KINDS) as [FileKind, KindSpec][]) {
      if (spec.extensions.includes(extension)) return kind;
    }
    // An extension we do not accept is still a claim: report it as a mismatch, not as unknown.
    return "unaccepted";
  }
  for (const [kind, spec] of Object.entries(KINDS) as [FileKind, KindSpec][]) {
    if (spec.declared.includes(declared)) return kind;
  }
  return UNINFORMATIVE.has(declared) || ZIP_DECLARED.has(declared) ? undefined : "unaccepted";
}

/** Walks the ZIP local file headers inside `head`, looking for word/, xl/ or ppt/ entries. */
function ooxmlEvidence(head: Uint8Array): FileKind | undefined {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let offset = 0;
  while (offset + 30 <= head.length && startsWith(head.subarray(offset), ZIP)) {
    const flags = view.getUint16(offset + 6, true);
    const compressedSize = view.getUint32(offset + 18, true);
    const nameLength = view.getUint16(offset + 26, true);
    const extraLength = view.getUint16(offset + 28, true);
    const nameEnd = offset + 30 + nameLength;
    if (nameEnd > head.length) return undefined;
    const name = new TextDecoder().decode(head.subarray(offset + 30, nameEnd));
    for (const [prefix, kind] of Object.entries(OOXML_PART_PREFIX)) {
      if (name.startsWith(prefix)) return kind;
    }
    // With a data descriptor (flag bit 3) the size is only known after the data: stop walking.
    if ((flags & 0x08) !== 0) return undefined;
    offset = nameEnd + extraLength + compressedSize;
  }
  return undefined;
}

/** The head decoded as UTF-8, or undefined when it is not text (invalid UTF-8 or a NUL byte). */
function leadingText(head: Uint8Array): string | undefined {
  if (head.length === 0 || head.includes(0)) return undefined;
  const bytes = startsWith(head, UTF8_BOM) ? head.subarray(UTF8_BOM.length) : head;
  try {
    // stream: true tolerates a multi-byte character cut off at the end of the head.
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes, { stream: true });
  } catch {
    return undefined;
  }
}

/**
 * Streams the rest of a text document through a strict UTF-8 check; the head alone cannot prove that
 * a 20 MiB .txt has no binary tail.
 */
export class TextValidation {
  private readonly decoder = new TextDecoder("utf-8", { fatal: true });
  valid = true;

  push(chunk: Uint8Array): void {
    if (!this.valid) return;
    if (chunk.includes(0)) {
      this.valid = false;
      return;
    }
    try {
      this.decoder.decode(chunk, { stream: true });
    } catch {
      this.valid = false;
    }
  }

  finish(): boolean {
    if (!this.valid) return false;
    try {
      this.decoder.decode();
      return true;
    } catch {
      return false;
    }
  }
}

export function isTextKind(kind: FileKind): boolean {
  return kind === "txt" || kind === "markdown" || kind === "eml";
}

function refuse(reason: FileKindRefusal, detail: string): FileKindVerdict {
  return { ok: false, reason, detail };
}

function startsWith(bytes: Uint8Array, signature: readonly number[]): boolean {
  if (bytes.length < signature.length) return false;
  return signature.every((byte, i) => bytes[i] === byte);
}

function extensionOf(fileName: string): string | undefined {
  const base = fileName.split(/[/\\]/).pop() ?? "";
  const dot = base.lastIndexOf(".");
  if (dot <= 0 || dot === base.length - 1) return undefined;
  return base.slice(dot + 1).toLowerCase();
}

function mediaType(declared: string | undefined): string {
  return (declared ?? "").split(";")[0]!.trim().toLowerCase();
}

const MAX_NAME_CODE_POINTS = 120;
const MAX_EXTENSION_CODE_POINTS = 10;
const FALLBACK_NAME = "document";
// Reserved on Windows or meaningful to shells/HTTP headers; replaced so the name stays readable.
const RESERVED = /[<>:"/\\|?*;]/g;
// Controls, and format characters such as bidi overrides that could make "fdp.exe" display as "exe.pdf".
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
const WINDOWS_DEVICE = /^(?:con|prn|aux|nul|com[0-9]|lpt[0-9])(?:\..*)?$/i;

/**
 * A file name safe to store and to send back in Content-Disposition: no path, no control or reserved
 * characters, no leading dots, bounded length, extension kept. Never empty.
 */
export function safeFileName(name: string): string {
  // Drop any path first, so "..\\..\\x.pdf" and "../../x.pdf" both become "x.pdf".
  const base = (name.split(/[/\\]/).pop() ?? "").normalize("NFC");
  const cleaned = base
    .replace(INVISIBLE, "")
    .replace(RESERVED, "_")
    .replace(/\s+/g, " ")
    .trim()
    .replace(/[.\s]+$/, "");
  const unhidden = cleaned.replace(/^[.\s]+/, "");

  const dot = unhidden.lastIndexOf(".");
  let stem = dot > 0 ? unhidden.slice(0, dot).trimEnd() : unhidden;
  let extension = dot > 0 ? unhidden.slice(dot + 1).trimStart() : "";
  // ".pdf" is a PDF without a name rather than a hidden file called "pdf".
  if (dot === -1 && unhidden !== cleaned) [stem, extension] = ["", unhidden];
  extension = [...extension].slice(0, MAX_EXTENSION_CODE_POINTS).join("");
  if (stem === "") stem = FALLBACK_NAME;
  else if (WINDOWS_DEVICE.test(stem)) stem = `_${stem}`;

  const room = MAX_NAME_CODE_POINTS - (extension ? [...extension].length + 1 : 0);
  stem = [...stem].slice(0, room).join("").trimEnd().replace(/\.+$/, "") || FALLBACK_NAME;
  return extension ? `${stem}.${extension}` : stem;
}

/** The POE upload policy, as the document store applies it while the bytes stream. */
export const POE_FILE_ACCEPTANCE: FileAcceptance = {
  sniffBytes: SNIFF_BYTES,
  fileName: safeFileName,
  checkSize(bytes, maxBytes) {
    if (bytes === 0) throw new EmptyFile();
    if (bytes > maxBytes) throw new TooLarge(maxBytes);
  },
  judge(head, fileName, declaredContentType) {
    const verdict = detectFileKind({ head, fileName, declaredContentType });
    if (!verdict.ok) throw new UnacceptedType(verdict.reason, verdict.detail);
    return { contentType: verdict.contentType, text: isTextKind(verdict.kind) };
  },
  textCheck() {
    const text = new TextValidation();
    return {
      push: (chunk) => text.push(chunk),
      finish() {
        if (!text.finish())
          throw new UnacceptedType(
            "type-mismatch",
            "The document claims to be text but is not valid UTF-8 text.",
          );
      },
    };
  },
};
