// Partner Center's exports, row by row: which report a header is, each row validated with zod and
// turned into the event it records on its pair. Columns are matched by name (any order, any case),
// columns the tracker does not read are kept in `data.columns`. See docs/DECISIONS.md (issue 17).
import { z } from "zod";
import { type EngagementEvent, jsonPath } from "../../domain/events.ts";
import { KNOWN_WORKLOADS } from "../../domain/rules/index.ts";

export type ReportKind = "earnings" | "ineligible-usage" | "claims";

/** The idempotency source of each report: by report, not by file, so a re-download is stored once. */
export const REPORT_SOURCE: Record<ReportKind, string> = {
  earnings: "partner-center://earnings/default",
  "ineligible-usage": "partner-center://earnings/ineligible-usage",
  claims: "partner-center://customer-claims",
};

/** The columns that say which report a header row is. */
export function reportKindOf(header: readonly string[]): ReportKind | undefined {
  const has = (c: string) => header.some((h) => h.toLowerCase() === c.toLowerCase());
  if (has("earningId")) return "earnings";
  if (has("compensableUnits") && has("customerIdType")) return "ineligible-usage";
  if ((has("associationId") || has("claimId")) && has("status")) return "claims";
  return undefined;
}

export interface RowProblem {
  line: number;
  /** The column, by its header name, or `$` for the row as a whole. */
  column: string;
  message: string;
}
export interface Unplaced {
  line: number;
  customerId: string;
  customerIdType?: string;
  product?: string;
  reason: string;
}

export type RowOutcome =
  | { kind: "events"; events: EngagementEvent[]; tpid?: { tpid: string; tenantId: string } }
  | { kind: "bad"; problems: RowProblem[] }
  | { kind: "unplaced"; unplaced: Unplaced; tpid?: string };

// Partner Center writes dates as YYYY-MM-DD, ISO instants or M/D/YYYY (US locale downloads).
function isoDate(text: string): string | undefined {
  const t = text.trim();
  let m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$/.exec(t);
  if (m) return `${m[1]}-${m[2]}-${m[3]}`;
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?: .*)?$/.exec(t);
  if (m) return `${m[3]}-${m[1]!.padStart(2, "0")}-${m[2]!.padStart(2, "0")}`;
  m = /^(\d{4})-(\d{2})$/.exec(t);
  if (m) return `${m[1]}-${m[2]}-01`;
  return undefined;
}
const date = z.string().transform((s, ctx) => {
  const d = isoDate(s);
  const ok = d !== undefined && !Number.isNaN(Date.parse(`${d}T00:00:00Z`));
  if (!ok) ctx.addIssue({ code: "custom", message: "expected a date (YYYY-MM-DD or M/D/YYYY)" });
  return d ?? "";
});
const amount = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/, "expected a number like 1234.56")
  .transform(Number);
const units = z
  .string()
  .regex(/^-?\d+$/, "expected a whole number of units")
  .transform(Number);
const text = z.string().trim().min(1, "must not be empty");
// An empty cell is an absent value: downloads keep every column, filled or not.
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((s) => (typeof s === "string" && s.trim() === "" ? undefined : s), schema.optional());

const maybeText = optional(z.string());
const maybeDate = optional(date);

/** Columns both earnings and ineligible-usage rows may carry: what was used, by whom, when. */
const usageColumns = {
  customerName: maybeText,
  engagementName: maybeText,
  productName: maybeText,
  workload: maybeText,
  transactionDate: maybeDate,
  usageMonth: maybeDate,
};
const EarningRow = z.object({
  ...usageColumns,
  earningId: text,
  earningDate: date,
  earningAmountUSD: amount,
  earningAmount: optional(amount),
  earningType: maybeText,
  lever: maybeText,
  customerId: optional(z.string().trim()),
  customerIdType: maybeText,
  transactionId: maybeText,
  compensableUnits: optional(units),
  quantity: optional(units),
});
const IneligibleRow = z.object({
  ...usageColumns,
  customerId: text,
  customerIdType: text,
  compensableUnits: units,
  partnerRole: maybeText,
  usageDate: maybeDate,
  earningDate: maybeDate,
  ineligibleReason: maybeText,
  reason: maybeText,
});
const ClaimRow = z.object({
  associationId: optional(text),
  claimId: optional(text),
  customerTenantId: optional(z.guid({ message: "expected the customer's Entra tenant id (GUID)" })),
  customerId: maybeText,
  tpid: optional(z.string().regex(/^\d+$/, "expected a TPID (digits)")),
  customerName: maybeText,
  productName: maybeText,
  workload: maybeText,
  claimType: maybeText,
  status: text,
  submittedDate: maybeDate,
  claimDate: maybeDate,
  approvedDate: maybeDate,
  statusDate: maybeDate,
});

const SCHEMA = { earnings: EarningRow, "ineligible-usage": IneligibleRow, claims: ClaimRow } as const;

// Product names as Partner Center writes them, to the rule set's workload ids (WKL-1..3).
const PRODUCT_WORKLOADS: Record<string, string> = {
  "microsoft defender for endpoint": "defender-endpoint",
  "microsoft defender for office 365": "defender-office365",
  "microsoft defender for identity": "defender-identity",
  "microsoft defender for cloud apps": "defender-cloud-apps",
  "microsoft entra id p2": "entra-id-p2",
  "azure ad premium p2": "entra-id-p2",
  "microsoft entra id p1": "entra-id-p1",
  "azure ad premium p1": "entra-id-p1",
  "microsoft purview information protection": "purview-information-protection",
  "microsoft purview data loss prevention": "purview-dlp",
  "microsoft purview insider risk management": "purview-insider-risk",
  "microsoft 365 copilot": "copilot-m365",
  "microsoft intune": "intune",
  "microsoft sentinel": "sentinel",
  "teams phone": "teams-phone",
  "teams frontline": "teams-frontline",
};
function workloadOf(row: { workload?: string | undefined; productName?: string | undefined }) {
  const named = row.workload ?? row.productName;
  if (named === undefined) return undefined;
  const t = named.trim();
  if (KNOWN_WORKLOADS.has(t)) return t;
  return PRODUCT_WORKLOADS[t.toLowerCase()];
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface RowContext {
  partnerId: string;
  fileName: string;
  /** TPID → tenant id, learnt from the claims export (its `tpid` column). */
  tpids: Map<string, string>;
}

/** The tenant a row's customer is, or why it cannot be placed. */
function tenantOf(customerId: string | undefined, idType: string | undefined, ctx: RowContext) {
  if (customerId === undefined || customerId === "")
    return {
      why: "no customer on the row (an earning from many transactions: see the Ineligible usage report)",
    };
  const tpid = idType !== undefined && /tpid|top parent/i.test(idType);
  if (!tpid && GUID.test(customerId)) return { tenantId: customerId.toLowerCase() };
  const known = ctx.tpids.get(customerId);
  if (known) return { tenantId: known };
  return {
    ...(tpid ? { tpid: customerId } : {}),
    why: tpid
      ? `TPID ${customerId} names no tenant the tracker knows: import the customer-claims export with its tpid column`
      : `customer id ${customerId} is neither a tenant id nor a known TPID`,
  };
}

/** Each report's known columns by lower-cased header: downloads vary the case. */
const byLowerCase = (shape: object) => new Map(Object.keys(shape).map((k) => [k.toLowerCase(), k]));
const KNOWN_COLUMNS: Record<ReportKind, ReadonlyMap<string, string>> = {
  earnings: byLowerCase(EarningRow.shape),
  "ineligible-usage": byLowerCase(IneligibleRow.shape),
  claims: byLowerCase(ClaimRow.shape),
};

/** Maps one CSV record (header name → cell) of `kind` to its events, a problem, or why it is unplaced. */
export function rowToEvents(
  kind: ReportKind,
  record: Record<string, string>,
  line: number,
  ctx: RowContext,
): RowOutcome {
  // Match by name whatever the case the download uses; keep the rest.
  const byLower = KNOWN_COLUMNS[kind];
  const input: Record<string, string> = {};
  const columns: Record<string, string> = {};
  for (const [name, value] of Object.entries(record)) {
    const k = byLower.get(name.toLowerCase());
    if (k) input[k] = value;
    else if (value !== "") columns[name] = value;
  }
  const parsed = SCHEMA[kind].safeParse(input);
  if (!parsed.success)
    return {
      kind: "bad",
      problems: parsed.error.issues.map((i) => ({
        line,
        column: i.path.length > 0 ? String(i.path[0]) : jsonPath(i.path),
        message: i.message,
      })),
    };
  const extra = Object.keys(columns).length > 0 ? { columns } : {};
  const base = { specversion: "1.0" as const, partnerid: ctx.partnerId, source: REPORT_SOURCE[kind] };
  const row = parsed.data as Record<string, unknown>;
  const workload = workloadOf(row as { workload?: string; productName?: string });
  const product = (row.workload ?? row.productName) as string | undefined;

  if (kind === "claims") {
    const r = parsed.data as z.infer<typeof ClaimRow>;
    const claimId = r.associationId ?? r.claimId;
    if (!claimId) return { kind: "bad", problems: [{ line, column: "associationId", message: "required" }] };
    const tenantId = (
      r.customerTenantId ?? (r.customerId && GUID.test(r.customerId) ? r.customerId : undefined)
    )?.toLowerCase();
    if (!tenantId)
      return {
        kind: "unplaced",
        unplaced: { line, customerId: r.customerId ?? "", reason: "no customer tenant id on the row" },
      };
    if (!workload)
      return {
        kind: "unplaced",
        unplaced: {
          line,
          customerId: tenantId,
          ...(product ? { product } : {}),
          reason: `unknown workload ${JSON.stringify(product ?? "")} (RULES WKL-4)`,
        },
      };
    const submittedOn = r.submittedDate ?? r.claimDate;
    if (!submittedOn)
      return { kind: "bad", problems: [{ line, column: "submittedDate", message: "required" }] };
    const pair = { ...base, tenantid: tenantId, workload };
    const id = (step: string) => `${claimId}|${step}`;
    const events: EngagementEvent[] = [
      {
        ...pair,
        id: id("submitted"),
        type: "claim.submitted",
        time: `${submittedOn}T00:00:00Z`,
        data: {
          claimId,
          claimType: r.claimType === "usage-recognition" ? "usage-recognition" : "usage-incentive",
          submittedOn,
          // Kept so a later earnings import can place this customer's TPID rows (tpidsOf in report.ts).
          ...(r.tpid ? { tpid: r.tpid } : {}),
          ...extra,
        },
      } as EngagementEvent,
    ];
    const status = r.status.toLowerCase();
    const on = r.approvedDate ?? r.statusDate ?? submittedOn;
    const step = (type: string, data: Record<string, unknown>, at = on) =>
      events.push({
        ...pair,
        id: id(type),
        type,
        time: `${at}T00:00:00Z`,
        data: { claimId, ...data },
      } as EngagementEvent);
    if (status === "approved") step("claim.approved", { approvedOn: on });
    else if (status === "rejected") step("claim.rejected", { reason: "rejected in Partner Center" });
    else if (status === "declined") step("claim.declined", {});
    else if (status === "disassociated" || status === "removed")
      step("claim.disassociated", { reason: "disassociated in Partner Center" });
    return { kind: "events", events, ...(r.tpid ? { tpid: { tpid: r.tpid, tenantId } } : {}) };
  }

  const customerId = row.customerId as string | undefined;
  const idType = row.customerIdType as string | undefined;
  const placed = tenantOf(customerId, idType, ctx);
  const unplaced = (reason: string, tpid?: string): RowOutcome => ({
    kind: "unplaced",
    ...(tpid ? { tpid } : {}),
    unplaced: {
      line,
      customerId: customerId ?? "",
      ...(idType ? { customerIdType: idType } : {}),
      ...(product ? { product } : {}),
      reason,
    },
  });
  if ("why" in placed) return unplaced(placed.why!, placed.tpid);
  if (!workload) return unplaced(`unknown workload ${JSON.stringify(product ?? "")} (RULES WKL-4)`);
  const pair = { ...base, tenantid: placed.tenantId, workload };

  if (kind === "earnings") {
    const r = parsed.data as z.infer<typeof EarningRow>;
    const month = (r.usageMonth ?? r.transactionDate ?? r.earningDate).slice(0, 7);
    const unitCount = r.compensableUnits ?? r.quantity;
    return {
      kind: "events",
      events: [
        {
          ...pair,
          // One earning repeated on transaction rows is one event per transaction.
          id: [r.earningId, r.transactionId ?? "", placed.tenantId, workload, month].join("|"),
          type: "earning.reported",
          time: `${r.earningDate}T00:00:00Z`,
          data: {
            earningId: r.earningId,
            earningDate: r.earningDate,
            month,
            earningAmountUSD: r.earningAmountUSD,
            ...(unitCount !== undefined && unitCount >= 0 ? { units: unitCount } : {}),
            ...(r.earningType ? { earningType: r.earningType } : {}),
            ...(r.engagementName ? { engagementName: r.engagementName } : {}),
            ...(r.lever ? { lever: r.lever } : {}),
            ...(r.transactionId ? { transactionId: r.transactionId } : {}),
            importedFrom: ctx.fileName,
            ...extra,
          },
        } as EngagementEvent,
      ],
    };
  }
  const r = parsed.data as z.infer<typeof IneligibleRow>;
  const day = r.usageMonth ?? r.usageDate ?? r.transactionDate ?? r.earningDate;
  if (!day)
    return { kind: "bad", problems: [{ line, column: "usageMonth", message: "required (the usage month)" }] };
  const month = day.slice(0, 7);
  const reason = r.ineligibleReason ?? r.reason;
  return {
    kind: "events",
    events: [
      {
        ...pair,
        id: [placed.tenantId, workload, month, r.engagementName ?? "", r.partnerRole ?? ""].join("|"),
        type: "usage.ineligible",
        time: `${month}-01T00:00:00Z`,
        data: {
          month,
          compensableUnits: r.compensableUnits,
          ...(reason ? { reason } : {}),
          ...(r.engagementName ? { engagementName: r.engagementName } : {}),
          ...(r.partnerRole ? { partnerRole: r.partnerRole } : {}),
          importedFrom: ctx.fileName,
          ...extra,
        },
      } as EngagementEvent,
    ],
  };
}
