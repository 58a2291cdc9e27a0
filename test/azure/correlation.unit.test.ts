// The invocation's correlation is passed explicitly (no AsyncLocalStorage, whose promise hooks slowed
// every promise of the process): a delivery ingested through the correlated view names its events and
// pairs on every later line of that invocation, and on no other invocation's lines.
import azureFunctions from "@azure/functions";
import { afterEach, describe, expect, it } from "vitest";
import { type Correlation, correlatedIngestion } from "../../application/telemetry.ts";
import { correlationOf, type LogLine, onLogLine, structuredContext } from "../../infra/telemetry/log.ts";

const { InvocationContext } = azureFunctions;

function invocation(id: string, written: string[]) {
  const host = new InvocationContext({
    invocationId: id,
    functionName: "events",
    logHandler: (_level, ...args) => written.push(String(args[0])),
  });
  const correlation: Correlation = { invocationId: id, functionName: "events" };
  return { context: structuredContext(host, correlation), correlation };
}

let stop: (() => void) | undefined;
afterEach(() => stop?.());

describe("correlation passed explicitly", () => {
  it("puts a delivery's event ids and pairs on the invocation's own lines only", async () => {
    const lines: LogLine[] = [];
    stop = onLogLine((line) => lines.push(line));
    const written: string[] = [];
    const a = invocation("inv-a", written);
    const b = invocation("inv-b", written);
    const delivered: unknown[] = [];
    const ingestion = {
      async ingest(body: unknown, partnerId: string) {
        delivered.push({ body, partnerId });
        return { kind: "accepted" as const };
      },
    };
    const event = { id: "e-1", partnerid: "4811223", tenantid: "T-1", workload: "defender-endpoint" };
    await correlatedIngestion(ingestion, correlationOf(a.context)).ingest(event, "4811223");
    a.context.log("POST /api/events -> 201", { status: 201 });
    b.context.log("POST /api/events -> 400");

    expect(delivered).toEqual([{ body: event, partnerId: "4811223" }]);
    expect(lines[0]).toMatchObject({
      invocationId: "inv-a",
      functionName: "events",
      eventId: "e-1",
      pair: "4811223|t-1|defender-endpoint",
      status: 201,
    });
    expect(lines[1]?.invocationId).toBe("inv-b");
    expect(lines[1]?.eventId).toBeUndefined();
    // What the host writes is the same line, serialised once.
    expect(written.map((text) => JSON.parse(text))).toEqual(lines);
  });

  it("leaves the ingestion as it is without a correlation", () => {
    const ingestion = { ingest: async () => ({ kind: "accepted" as const }) };
    expect(correlatedIngestion(ingestion, undefined)).toBe(ingestion);
    expect(correlationOf(undefined)).toBeUndefined();
  });
});
