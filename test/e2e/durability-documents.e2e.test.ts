// Issue 9: uploaded POE documents survive kill -9 of `npm start` and all it started: every upload answered
// 201 has its bytes in Azurite (on disk) and its poe.document.attached event in the store, exactly once.
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { pairStreamId } from "../../domain/events.ts";
import { TrackerClient } from "../../scripts/tracker-client.ts";
import { type HostProcess, servicesOf, startHost } from "./local-host.ts";

const UPLOADS = 60;
const CONCURRENCY = 12;
const WORKLOADS = ["purview-dlp", "defender-endpoint", "entra-id-p2"];
const TENANT = "7a2b3c4d-1111-4222-8333-444455556666";
const hosts: HostProcess[] = [];
let dataDir = "";

afterAll(async () => {
  for (const host of hosts) host.killGroup();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const pdf = (n: number) =>
  Buffer.concat([
    Buffer.from(`%PDF-1.7\n% upload ${n}\n`),
    Buffer.alloc(16_000, n % 251),
    Buffer.from("\n%%EOF\n"),
  ]);

describe("uploaded documents after kill -9", () => {
  it("keeps every document answered 201: its bytes and its event, once", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "tracker-documents-"));
    const first = await startHost(dataDir);
    hosts.push(first);
    const client = new TrackerClient(first);
    const answer = await client.post(
      WORKLOADS.map((workload, i) => ({
        specversion: "1.0",
        id: `start-${i}`,
        source: "crm://durability",
        type: "deployment.started",
        time: "2025-04-07T09:00:00Z",
        partnerid: first.partnerId,
        tenantid: TENANT,
        workload,
        data: { activities: ["configuration"], delivery: "remote" },
      })),
    );
    expect(answer.status).toBe(201);

    const killAfter = 5 + Math.floor(Math.random() * 35);
    const stored: { workload: string; documentId: string; sha256: string }[] = [];
    let answered = 0;
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (next < UPLOADS && !killed) {
        const n = next++;
        const workload = WORKLOADS[n % WORKLOADS.length]!;
        const bytes = pdf(n);
        const body = new FormData();
        body.append("kind", "sow");
        body.append("workloadsMentioned", workload);
        body.append("file", new Blob([bytes], { type: "application/pdf" }), `sow-${n}.pdf`);
        try {
          const response = await fetch(`${first.url}/api/pairs/${TENANT}/${workload}/documents`, {
            method: "POST",
            headers: { "x-api-key": first.apiKey },
            body,
          });
          const answer = (await response.json()) as { documentId: string; sha256: string };
          answered++;
          if (response.status !== 201)
            throw new Error(`upload ${n}: ${response.status} ${JSON.stringify(answer)}`);
          expect(answer.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
          stored.push({ workload, documentId: answer.documentId, sha256: answer.sha256 });
        } catch (error) {
          if (!killed) throw error;
        }
        if (answered >= killAfter && !killed) {
          killed = true;
          first.killGroup();
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await first.exited;
    expect(stored.length).toBeGreaterThanOrEqual(killAfter - CONCURRENCY);

    const second = await startHost(dataDir);
    hosts.push(second);
    expect(second.apiKey).toBe(first.apiKey);
    for (const document of stored) {
      const bytes = await fetch(
        `${second.url}/api/pairs/${TENANT}/${document.workload}/documents/${document.documentId}`,
        {
          headers: { "x-api-key": second.apiKey },
        },
      );
      expect(bytes.status, `document ${document.documentId}`).toBe(200);
      const sha256 = createHash("sha256")
        .update(Buffer.from(await bytes.arrayBuffer()))
        .digest("hex");
      expect(sha256).toBe(document.sha256);
    }

    const services = await servicesOf(dataDir);
    const attached = new Map<string, number>();
    for (const workload of WORKLOADS) {
      const stream = await services.projections.store.readStream(
        pairStreamId(second.partnerId, TENANT, workload),
      );
      for (const { event } of stream.events) {
        if (event.type !== "poe.document.attached") continue;
        const id = (event.data as { documentId: string }).documentId;
        attached.set(id, (attached.get(id) ?? 0) + 1);
      }
    }
    services.cosmos.close();
    expect(stored.filter((d) => attached.get(d.documentId) !== 1)).toEqual([]);
    expect([...attached].filter(([, n]) => n !== 1)).toEqual([]);
  });
});
