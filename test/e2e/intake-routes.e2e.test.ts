// Issue 10, regressions over real HTTP: route parameters, asOf and file names can hold anything and
// are answered with a 400 naming the field (never a 500), and query strings never reach a log.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FunctionDefinition } from "../../functions/registry.ts";
import type { LocalTracker } from "../../infra/devhost/local-tracker.ts";
import { startDevHost } from "../../infra/devhost/server.ts";
import { API_KEY, deliver, guidance, PARTNER, raw, read, startTracker } from "../reliability/harness.ts";

const TENANT = "2b3c4d5e-1111-4222-8333-444455556666";
const WORKLOAD = "defender-endpoint";
const PDF = Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.alloc(2_000, 7), Buffer.from("\n%%EOF\n")]);

let tracker: LocalTracker;
beforeAll(async () => {
  tracker = await startTracker();
  const events = [
    guidance("r-1", TENANT),
    {
      ...guidance("r-2", TENANT),
      type: "deployment.started",
      data: { activities: ["pilot"], delivery: "remote" },
    },
  ];
  const answer = await deliver(tracker.url, JSON.stringify(events), {
    contentType: "application/cloudevents-batch+json",
  });
  expect(answer.status, answer.text).toBe(201);
});
afterAll(async () => {
  await tracker?.stop();
});

/** multipart/form-data written by hand, so the file name goes out as raw UTF-8 bytes. */
function multipart(fileName: string, bytes: Buffer, fields: Record<string, string>) {
  const boundary = `----intake${randomUUID()}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields))
    parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  parts.push(
    Buffer.from(
      `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${fileName}"\r\ncontent-type: application/pdf\r\n\r\n`,
    ),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

const upload = (fileName: string, bytes = PDF, path = `/api/pairs/${TENANT}/${WORKLOAD}/documents`) => {
  const form = multipart(fileName, bytes, { kind: "sow", workloadsMentioned: WORKLOAD });
  return raw(tracker.url, {
    method: "POST",
    path,
    headers: { "x-api-key": API_KEY, "content-type": form.contentType },
    body: form.body,
  });
};

describe("route parameters", () => {
  const hostile = ["%2F", "%5C", "%23", "a%2Fb", "..%2F..", "%00"];
  const routes = (value: string) => [
    [`/api/pairs/${value}/${WORKLOAD}`, "tenantId"],
    [`/api/pairs/${TENANT}/${value}`, "workload"],
    [`/api/pairs/${value}/${WORKLOAD}/poe-summary`, "tenantId"],
    [`/api/pairs/${TENANT}/${value}/poe-summary`, "workload"],
    [`/api/pairs/${TENANT}/${WORKLOAD}/documents/${value}`, "documentId"],
    [`/api/pairs/${value}/${WORKLOAD}/documents/abc`, "tenantId"],
  ];
  it.each(hostile)("%s in any parameter of a read route is a 400 naming it", async (value) => {
    for (const [path, name] of routes(value)) {
      const answer = await read(tracker.url, path!);
      expect(answer.status, path).toBe(400);
      expect(answer.body.errors[0].path, path).toBe(`$.params.${name}`);
    }
  });
  it.each(hostile)("%s in a parameter of the upload route is a 400 naming it", async (value) => {
    const t = await upload("a.pdf", PDF, `/api/pairs/${value}/${WORKLOAD}/documents`);
    expect(t.status).toBe(400);
    expect(t.body.errors[0].path).toBe("$.params.tenantId");
    const w = await upload("a.pdf", PDF, `/api/pairs/${TENANT}/${value}/documents`);
    expect(w.status).toBe(400);
    expect(w.body.errors[0].path).toBe("$.params.workload");
  });
  it("a malformed tenant id is a 400 naming the field, a well-formed unknown one a 404", async () => {
    const bad = await read(tracker.url, `/api/pairs/not-a-guid/${WORKLOAD}`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ path: "$.params.tenantId", message: expect.any(String) }]);
    expect((await read(tracker.url, `/api/pairs/${randomUUID()}/${WORKLOAD}`)).status).toBe(404);
  });
});

describe("asOf: one reader on every route", () => {
  const routes = [
    `/api/pairs/${TENANT}/${WORKLOAD}`,
    `/api/pairs/${TENANT}/${WORKLOAD}/poe-summary`,
    "/api/designations/security",
  ];
  it.each([
    "1",
    "yesterday",
    "",
    "2025-02-30",
    "2025-02-30T00:00:00Z",
    "2025-05-22T00:00Z",
    "9999-12-31T23:59:59-23:59",
  ])("asOf=%j is a 400 naming $.query.asOf on every route", async (value) => {
    for (const route of routes) {
      const answer = await read(tracker.url, `${route}?asOf=${encodeURIComponent(value)}`);
      expect(answer.status, route).toBe(400);
      expect(answer.body.errors.map((e: { path: string }) => e.path)).toContain("$.query.asOf");
    }
  });
  it.each(["2025-05-22", "2025-05-22T00:00:00Z", "2025-05-22T08:00:00+05:30"])(
    "asOf=%s is read on every route",
    async (value) => {
      for (const route of routes) {
        const answer = await read(tracker.url, `${route}?asOf=${encodeURIComponent(value)}`);
        expect(answer.status, route).toBe(200);
      }
    },
  );
  it("a date is its whole UTC day: the day's events count", async () => {
    const day = await read(tracker.url, `/api/pairs/${TENANT}/${WORKLOAD}?asOf=2025-03-03`);
    expect(day.body.timeline).toHaveLength(2);
    const before = await read(tracker.url, `/api/pairs/${TENANT}/${WORKLOAD}?asOf=2025-03-02`);
    expect(before.body.timeline).toHaveLength(0);
  });
});

describe("file names", () => {
  it("a raw UTF-8 file name is stored as sent and downloads with RFC 6266 filename*", async () => {
    const name = "Müller-文件 報告.pdf";
    const stored = await upload(name);
    expect(stored.status, stored.text).toBe(201);
    expect(stored.body.fileName).toBe(name);
    const download = await read(
      tracker.url,
      `/api/pairs/${TENANT}/${WORKLOAD}/documents/${stored.body.documentId}`,
    );
    expect(download.status).toBe(200);
    const disposition = String(download.headers["content-disposition"]);
    expect(disposition).toMatch(/^attachment; filename="[\x20-\x7e]+"; filename\*=UTF-8''/);
    const encoded = /filename\*=UTF-8''(.+)$/.exec(disposition)![1]!;
    expect(decodeURIComponent(encoded)).toBe(name);
  });
  it("a filename* (RFC 5987) name outside Latin-1 downloads, never 500", async () => {
    const other = Buffer.concat([PDF, Buffer.from("% another document\n")]);
    const form = multipart("x", other, { kind: "sow", workloadsMentioned: WORKLOAD });
    const body = Buffer.from(
      form.body.toString("latin1").replace('filename="x"', "filename*=UTF-8''%E5%A0%B1%E5%91%8A.pdf"),
      "latin1",
    );
    const stored = await raw(tracker.url, {
      method: "POST",
      path: `/api/pairs/${TENANT}/${WORKLOAD}/documents`,
      headers: { "x-api-key": API_KEY, "content-type": form.contentType },
      body,
    });
    expect(stored.status, stored.text).toBe(201);
    expect(stored.body.fileName).toBe("報告.pdf");
    const download = await read(
      tracker.url,
      `/api/pairs/${TENANT}/${WORKLOAD}/documents/${stored.body.documentId}`,
    );
    expect(download.status).toBe(200);
    expect(download.headers["content-disposition"]).toContain("filename*=UTF-8''%E5%A0%B1%E5%91%8A.pdf");
  });
});

describe("logs", () => {
  it("the dev host's request log carries the path, never the query string", async () => {
    const lines: string[] = [];
    const host = await startDevHost({
      definitions: [
        {
          kind: "http",
          name: "echo",
          route: "echo",
          methods: ["GET"],
          authLevel: "anonymous",
          handler: async () => ({ status: 204 }),
        } as unknown as FunctionDefinition,
      ],
      port: 0,
      enableTimers: false,
      log: (_level, ...args) => lines.push(args.map(String).join(" ")),
    });
    try {
      await raw(host.url, { path: "/api/echo?code=SECRET-API-KEY&continuationToken=TOKEN" });
    } finally {
      await host.stop();
    }
    const request = lines.find((l) => l.includes("/api/echo"));
    expect(request).toContain("GET /api/echo -> 204");
    expect(lines.join("\n")).not.toMatch(/SECRET-API-KEY|TOKEN/);
  });
});

void PARTNER;
