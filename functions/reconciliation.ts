// GET /api/reconciliation?from=YYYY-MM&to=YYYY-MM[&format=csv]: expected versus reported earnings per
// pair and month, with the reason for each gap (issue 17). POST /api/reconciliation/imports: a Partner
// Center export (CSV body), streamed into the store row by row. Both scoped to the API key's partner.
import { Readable } from "node:stream";
import { problemOf } from "../application/problem.ts";
import { importExport } from "../application/reconciliation/import.ts";
import { isMonth, reconciliationOf, reportWindow, tpidsOf } from "../application/reconciliation/report.ts";
import { correlatedIngestion } from "../application/telemetry.ts";
import { services } from "../composition/services.ts";
import { reconciliationCsv } from "../domain/reconciliation.ts";
import { forKeyHolder, json } from "./http.ts";
import { correlationOf, defineHttp } from "./registry.ts";

/** A partner's year of exports fits; a larger file goes through `npm run reconcile`. */
const MAX_IMPORT_BYTES = 256 * 1024 * 1024;

export const getReconciliation = forKeyHolder(async (request, partnerId) => {
  const { projections, clock } = await services();
  const now = clock().toISOString();
  const { from, to } = reportWindow(
    new Date(now),
    request.query.get("from") ?? undefined,
    request.query.get("to") ?? undefined,
  );
  const format = request.query.get("format") ?? "json";
  const errors = [
    ...(isMonth(from) ? [] : [{ path: "$.query.from", message: "expected a month YYYY-MM" }]),
    ...(isMonth(to) ? [] : [{ path: "$.query.to", message: "expected a month YYYY-MM" }]),
    ...(isMonth(from) && isMonth(to) && from > to
      ? [{ path: "$.query.to", message: "must not be before from" }]
      : []),
    ...(format === "json" || format === "csv"
      ? []
      : [{ path: "$.query.format", message: "expected json or csv" }]),
  ];
  if (errors.length > 0) return problemOf("invalid-request", { errors });
  const report = await reconciliationOf(projections, { partnerId: partnerId, from, to, asOf: now });
  if (format === "csv")
    return {
      status: 200,
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="reconciliation-${from}-${to}.csv"`,
      },
      body: reconciliationCsv(report.lines),
    };
  return json(200, report);
});

export const postReconciliationImport = forKeyHolder(async (request, partnerId, context) => {
  const type = request.headers.get("content-type") ?? "";
  if (!/^text\/(csv|plain)\b/i.test(type))
    return problemOf("unsupported-media-type", { detail: "Send the export as text/csv." });
  if (Number(request.headers.get("content-length") ?? "0") > MAX_IMPORT_BYTES)
    return problemOf("payload-too-large", { detail: "An export sent over HTTP is at most 256 MiB." });
  const fileName = request.query.get("fileName") ?? "upload.csv";
  if (!request.body)
    return problemOf("invalid-request", { errors: [{ path: "$", message: "the body is empty" }] });
  const { ingestion, projections } = await services();
  let size = 0;
  let tooLarge = false;
  const body = Readable.fromWeb(request.body as import("node:stream/web").ReadableStream<Uint8Array>);
  body.on("data", (c: Buffer) => {
    size += c.byteLength;
    if (size > MAX_IMPORT_BYTES && !tooLarge) {
      tooLarge = true;
      body.destroy(new Error("the export is larger than 256 MiB"));
    }
  });
  let result: Awaited<ReturnType<typeof importExport>>;
  try {
    result = await importExport(correlatedIngestion(ingestion, correlationOf(context)), body, {
      partnerId: partnerId,
      fileName,
      knownTpids: () => tpidsOf(projections, partnerId),
    });
  } catch (error) {
    // What was stored before the cut stays stored (idempotent): sending the file again completes it.
    if (tooLarge)
      return problemOf("payload-too-large", {
        detail: "An export sent over HTTP is at most 256 MiB; use npm run reconcile for larger files.",
      });
    throw error;
  }
  if (result.report === null || (result.rows === 0 && result.badRows > 0))
    return problemOf("invalid-request", {
      detail: "Not a Partner Center export the tracker reads; nothing was stored.",
      errors: result.problems.map((p) => ({ path: `$.lines[${p.line}]`, line: p.line, message: p.message })),
    });
  return json(200, result);
});

defineHttp({ name: "reconciliation", route: "reconciliation", methods: ["GET"], handler: getReconciliation });
defineHttp({
  name: "reconciliationImports",
  route: "reconciliation/imports",
  methods: ["POST"],
  handler: postReconciliationImport,
});
