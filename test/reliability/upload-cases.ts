// Hostile document uploads as fast-check arbitraries: multipart bodies built byte by byte, so names,
// boundaries and truncation are exactly what the case says.
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { POE_DOCUMENT_KINDS } from "../../domain/value-sets.ts";

export interface UploadCase {
  family: string;
  body: Buffer;
  contentType?: string;
  chunks: number;
  tenant?: string;
  workload?: string;
  expect: readonly number[];
}

const PDF_HEAD = Buffer.from("%PDF-1.7\n");
const PDF_TAIL = Buffer.from("\n%%EOF\n");
/** A PDF no other case sends (uploads are deduplicated by content). */
const pdf = () =>
  Buffer.concat([PDF_HEAD, Buffer.from(`% ${randomUUID()}\n`), Buffer.alloc(512, 7), PDF_TAIL]);

function multipart(
  file: { name: string; bytes: Buffer; type?: string } | undefined,
  fields: Record<string, string>,
  boundary = `----fuzz${randomUUID()}`,
) {
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields))
    parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  if (file)
    parts.push(
      Buffer.from(
        `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${file.name}"\r\ncontent-type: ${file.type ?? "application/pdf"}\r\n\r\n`,
      ),
      file.bytes,
      Buffer.from("\r\n"),
    );
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

const FIELDS = { kind: "sow", workloadsMentioned: "purview-dlp" };
const fileName = fc
  .string({ unit: "grapheme", minLength: 1, maxLength: 40 })
  .filter(
    (s) =>
      ![...s].some((c) => c < " " || c === "\u007f" || '"\\/'.includes(c)) &&
      s.trim() === s &&
      !s.startsWith("."),
  )
  .map((s) => `${s}.pdf`);
const chunks = fc.constantFrom(1, 1, 1, 2);

export const uploadCase: fc.Arbitrary<() => UploadCase> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ name: fileName, chunks }).map(({ name, chunks }) => () => ({
      family: "valid document",
      ...multipart({ name, bytes: pdf() }, FIELDS),
      chunks,
      expect: [201],
    })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(
        "application/json",
        "text/plain",
        undefined,
        "multipart/mixed; boundary=x",
        "application/octet-stream",
      )
      .map((ct) => () => ({
        family: "wrong content type",
        body: multipart({ name: "a.pdf", bytes: pdf() }, FIELDS).body,
        ...(ct ? { contentType: ct } : {}),
        chunks: 1,
        expect: [415],
      })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom("kind", "workloadsMentioned").map((drop) => () => {
      const fields: Record<string, string> = { ...FIELDS };
      delete fields[drop];
      return {
        family: "missing field",
        ...multipart({ name: "a.pdf", bytes: pdf() }, fields),
        chunks: 1,
        expect: [400],
      };
    }),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({
        kind: fc.string({ maxLength: 20 }),
        wl: fc.constantFrom("purview-dlp", "no-such-workload", "", "purview-dlp,,"),
      })
      .filter(({ kind }) => !(POE_DOCUMENT_KINDS as readonly string[]).includes(kind))
      .map(({ kind, wl }) => () => ({
        family: "bad field value",
        ...multipart({ name: "a.pdf", bytes: pdf() }, { kind, workloadsMentioned: wl }),
        chunks: 1,
        expect: [400],
      })),
  },
  {
    weight: 1,
    arbitrary: fc.constant(() => ({
      family: "no file",
      ...multipart(undefined, FIELDS),
      chunks: 1,
      expect: [400],
    })),
  },
  {
    weight: 1,
    arbitrary: fc.constant(() => ({
      family: "empty file",
      ...multipart({ name: "a.pdf", bytes: Buffer.alloc(0) }, FIELDS),
      chunks: 1,
      expect: [400],
    })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(
        Buffer.from("MZ\x90\x00\x03"),
        Buffer.from("89504e470d0a1a0a0000000d49484452", "hex"),
        Buffer.from("\x7fELF\x02\x01"),
      )
      .map((bytes) => () => ({
        family: "file not what it says",
        ...multipart(
          { name: "report.pdf", bytes: Buffer.concat([bytes, Buffer.from(randomUUID())]) },
          FIELDS,
        ),
        chunks: 1,
        expect: [400, 415],
      })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(
        "../../etc/passwd\u0000.pdf",
        "a\u0001b.pdf",
        "x".repeat(600) + ".pdf",
        "CON.pdf",
        "..",
        "a\\b.pdf",
      )
      .map((name) => () => ({
        family: "hostile file name",
        ...multipart({ name, bytes: pdf() }, FIELDS),
        chunks: 1,
        expect: [201, 400],
      })),
  },
  {
    weight: 1,
    arbitrary: fc.nat().map((at) => () => {
      const m = multipart({ name: "a.pdf", bytes: pdf() }, FIELDS);
      return {
        family: "truncated multipart",
        body: m.body.subarray(0, at % (m.body.length - 4)),
        contentType: m.contentType,
        chunks: 1,
        expect: [400],
      };
    }),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(
        "multipart/form-data",
        "multipart/form-data; boundary=",
        `multipart/form-data; boundary="${"b".repeat(100)}"`,
        "multipart/form-data; boundary=wrong",
      )
      .map((ct) => () => ({
        family: "bad boundary",
        body: multipart({ name: "a.pdf", bytes: pdf() }, FIELDS).body,
        contentType: ct,
        chunks: 1,
        expect: [400],
      })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({
        where: fc.constantFrom("tenant", "workload"),
        value: fc.constantFrom("%2F", "%5C", "%23", "a%2Fb", "%00", "Not_A_Workload"),
      })
      .map(({ where, value }) => () => ({
        family: "bad route parameter",
        ...multipart({ name: "a.pdf", bytes: pdf() }, FIELDS),
        chunks: 1,
        ...(where === "tenant" ? { tenant: value } : { workload: value }),
        expect: [400],
      })),
  },
  {
    weight: 1,
    arbitrary: fc.constant(() => ({
      family: "no such pair",
      ...multipart({ name: "a.pdf", bytes: pdf() }, FIELDS),
      chunks: 1,
      tenant: randomUUID(),
      expect: [404],
    })),
  },
);
