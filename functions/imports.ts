// POST /api/imports: an NDJSON export from the board's Import view. `?dryRun=true` answers the
// verdicts the file gives (the evaluator's code) and stores nothing; without it the file is stored.
// Either way a file with a bad line is refused whole, each bad line named.
import { checkLines, dryRun, storeImport } from "../application/import-file.ts";
import { problemOf } from "../application/problem.ts";
import { correlatedIngestion } from "../application/telemetry.ts";
import { services } from "../composition/services.ts";
import { canonicalInstant } from "../domain/fold.ts";
import { boundedBody } from "./body.ts";
import { forKeyHolder, json } from "./http.ts";
import { correlationOf, defineHttp } from "./registry.ts";

const MAX_IMPORT_BYTES = 8 * 1024 * 1024;

export const postImport = forKeyHolder(async (request, partnerId, context) => {
  const dry = request.query.get("dryRun");
  if (dry !== null && dry !== "true" && dry !== "false")
    return problemOf("invalid-request", {
      errors: [{ path: "$.query.dryRun", message: "expected true or false" }],
    });
  const received = await boundedBody(request, MAX_IMPORT_BYTES);
  if ("response" in received) return received.response;
  const text = Buffer.from(received.bytes).toString("utf8");
  const checked = checkLines(text, partnerId);
  if (!checked.ok) {
    return problemOf("invalid-event", {
      detail: `${new Set(checked.errors.map((e) => e.line)).size} line(s) are not valid events; nothing was stored.`,
      errors: checked.errors.map((e) => ({
        path: `$.lines[${e.line}]${e.path.slice(1)}`,
        line: e.line,
        message: e.message,
      })),
    });
  }
  const { ingestion, clock } = await services();
  if (dry === "true") {
    const asOf = canonicalInstant(clock().toISOString());
    return json(200, { events: checked.events.length, asOf, pairs: await dryRun(text, asOf) });
  }
  return json(201, {
    events: checked.events.length,
    ...(await storeImport(correlatedIngestion(ingestion, correlationOf(context)), checked.events, partnerId)),
  });
});

defineHttp({ name: "imports", route: "imports", methods: ["POST"], handler: postImport });
