// OpenTelemetry export, end to end: with a connection string whose ingestion endpoint is a local HTTPS
// server standing in for Application Insights, an HTTP invocation arrives as a request, each Cosmos
// call (emulator) as a dependency under it, and the counters as metrics. Without one, nothing starts.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import azureFunctions from "@azure/functions";
import { DefaultAzureCredential } from "@azure/identity";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { counters } from "../../application/telemetry.ts";
import { guardHttp } from "../../functions/registry.ts";
import { connectCosmos, ensureContainers } from "../../infra/cosmos/client.ts";
import { type RunningCosmosEmulator, startCosmosEmulator } from "../../infra/emulators/cosmos.ts";
import { exporterOptions, startTelemetry, type TelemetryHandle } from "../../infra/telemetry/otel.ts";

const { HttpRequest, InvocationContext } = azureFunctions;

interface Envelope {
  name: string;
  tags?: Record<string, string>;
  data: { baseType: string; baseData: { name?: string; metrics?: { name: string; value: number }[] } };
}

let ingestion: Server;
const envelopes: Envelope[] = [];
let emulator: RunningCosmosEmulator;
let telemetry: TelemetryHandle | undefined;
const tlsBefore = process.env.NODE_TLS_REJECT_UNAUTHORIZED;

beforeAll(async () => {
  // The emulator package's self-signed pair serves the stand-in; this worker trusts it (loopback only).
  const certs = dirname(createRequire(import.meta.url).resolve("@vercel/cosmosdb-server/package.json"));
  ingestion = createServer(
    { cert: readFileSync(join(certs, "cert.pem")), key: readFileSync(join(certs, "key.pem")) },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        let body = Buffer.concat(chunks);
        if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
        const text = body.toString("utf8").trim();
        const items = text.startsWith("[") ? JSON.parse(text) : text.split("\n").map((l) => JSON.parse(l));
        envelopes.push(...(items as Envelope[]));
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ itemsReceived: items.length, itemsAccepted: items.length, errors: [] }));
      });
    },
  );
  await new Promise<void>((resolve) => ingestion.listen(0, "127.0.0.1", () => resolve()));
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
  emulator = await startCosmosEmulator();
});

afterAll(async () => {
  await telemetry?.shutdown();
  if (tlsBefore === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  else process.env.NODE_TLS_REJECT_UNAUTHORIZED = tlsBefore;
  await emulator?.stop();
  if (ingestion) {
    const closed = new Promise<void>((resolve) => ingestion.close(() => resolve()));
    ingestion.closeAllConnections();
    await closed;
  }
});

describe("telemetry export", () => {
  it("is off without a connection string, and uses the identity when ingestion demands Entra auth", () => {
    expect(exporterOptions({})).toBeUndefined();
    expect(startTelemetry({})).toBeUndefined();
    const aad = exporterOptions({
      APPLICATIONINSIGHTS_CONNECTION_STRING: "InstrumentationKey=00000000-0000-0000-0000-000000000000",
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `ClientId=${randomUUID()};Authorization=AAD`,
    });
    expect(aad?.credential).toBeInstanceOf(DefaultAzureCredential);
    expect(
      exporterOptions({ APPLICATIONINSIGHTS_CONNECTION_STRING: "InstrumentationKey=x" })?.credential,
    ).toBeUndefined();
  });

  it("sends a request per invocation, a dependency per Cosmos call, and the counters", async () => {
    const port = (ingestion.address() as { port: number }).port;
    telemetry = startTelemetry({
      APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${randomUUID()};IngestionEndpoint=https://127.0.0.1:${port}/`,
    });
    expect(telemetry).toBeDefined();
    const cosmos = connectCosmos({ endpoint: emulator.endpoint, key: emulator.key, databaseId: "telemetry" });
    try {
      const { alerts } = await ensureContainers(cosmos.database);
      const handler = guardHttp("toyTelemetry", async () => {
        await alerts.items.create({ id: randomUUID(), partnerId: "4811223" });
        return { status: 201, jsonBody: { ok: true } };
      });
      const response = await handler(
        new HttpRequest({ method: "POST", url: "http://127.0.0.1/api/toy" }),
        new InvocationContext({
          invocationId: randomUUID(),
          functionName: "toyTelemetry",
          logHandler: () => {},
        }),
      );
      expect(response.status).toBe(201);
      counters.add("events.accepted", 2, { partnerId: "4811223" });
      await telemetry!.flush();
    } finally {
      cosmos.close();
    }
    const names = envelopes.map((e) => `${e.data.baseType} ${e.data.baseData.name ?? ""}`);
    expect(names).toContain("RequestData POST toyTelemetry");
    expect(
      names.some((n) => /^RemoteDependencyData cosmos create docs/.test(n)),
      names.join("; "),
    ).toBe(true);
    // The Cosmos call is a dependency of that request: one operation.
    const request = envelopes.find((e) => e.data.baseData.name === "POST toyTelemetry");
    const create = envelopes.find((e) => /^cosmos create docs/.test(e.data.baseData.name ?? ""));
    expect(create?.tags?.["ai.operation.id"]).toBeDefined();
    expect(create?.tags?.["ai.operation.id"]).toBe(request?.tags?.["ai.operation.id"]);
    const metrics = envelopes.flatMap((e) => e.data.baseData.metrics ?? []);
    expect(metrics.find((m) => m.name === "tracker.events.accepted")?.value).toBe(2);
  });
});
