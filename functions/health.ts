// GET /api/health: liveness plus reachability of Cosmos DB and Blob storage (200 `{status:"ok"}`, else a
// 503 problem document carrying the same checks).
import type { HttpResponseInit } from "@azure/functions";
import { problemOf } from "../application/problem.ts";
import { services } from "../composition/services.ts";
import { json } from "./http.ts";
import { defineHttp } from "./registry.ts";

export async function health(): Promise<HttpResponseInit> {
  const checks: Record<string, { ok: boolean; ms: number; error?: string }> = {};
  const probe = async (name: string, run: () => Promise<unknown>) => {
    const start = performance.now();
    try {
      await run();
      checks[name] = { ok: true, ms: Math.round(performance.now() - start) };
    } catch (error) {
      checks[name] = {
        ok: false,
        ms: Math.round(performance.now() - start),
        error: (error as Error).message,
      };
    }
  };
  let s: Awaited<ReturnType<typeof services>> | undefined;
  await probe("services", async () => {
    s = await services();
  });
  if (s) {
    const ready = s;
    await probe("cosmos", () => ready.containers.events.read());
    if (ready.documents) await probe("blob", () => ready.documents!.ensureContainer());
  }
  if (Object.values(checks).every((c) => c.ok)) return json(200, { status: "ok", checks });
  // Unreachable storage is an error like any other: a problem document, the checks as an extension.
  const failing = Object.keys(checks).filter((name) => !checks[name]!.ok);
  return problemOf(
    "unavailable",
    { detail: `Not reachable: ${failing.join(", ")}.`, checks },
    { headers: { "retry-after": "5" } },
  );
}

defineHttp({ name: "health", route: "health", methods: ["GET"], handler: health });
