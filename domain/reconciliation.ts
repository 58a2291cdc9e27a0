import type { CalendarDate } from "./dates.ts";
import type { TimedEvent } from "./facts.ts";
import { foldEvents } from "./fold.ts";
import { predictPayableUsage } from "./payable-usage.ts";
import { type RuleId, ruleSetOn as ruleSetInForce, type Segment } from "./rules/index.ts";
import type { RuleSetOn } from "./usage.ts";
import { isInert } from "./voids.ts";

// Expected versus reported, per pair and month (issue 17). Expected is what the rules make payable
// (domain/payable-usage.ts, the one copy of HWM-2/SEG-1/SEG-2); reported is what Partner Center's
// exports say it paid (`earning.reported`) or refused (`usage.ineligible`). Each month gets the one
// reason that explains its gap, in the order a partner would check them. Pure.

export const GAP_REASONS = [
  "paid",
  "missing-payout",
  "reported-ineligible",
  "units-differ",
  "reported-not-expected",
  "not-approved",
  "below-high-water-mark",
  "students-inflate-high-water-mark",
  "excluded-segment",
  "no-usage-reported",
] as const;
export type GapReason = (typeof GAP_REASONS)[number];

/** The reasons that are a gap (money the partner may be owed or must explain). */
export const GAPS: ReadonlySet<GapReason> = new Set([
  "missing-payout",
  "reported-ineligible",
  "units-differ",
  "reported-not-expected",
]);

export interface ReportedEarning {
  readonly month: string;
  readonly earningId: string;
  readonly earningAmountUSD: number;
  readonly units?: number;
}
export interface ReportedIneligible {
  readonly month: string;
  readonly compensableUnits: number;
  readonly reason?: string;
}

export interface PairToReconcile {
  readonly tenantId: string;
  readonly workload: string;
  readonly customerName: string | null;
  readonly segment: Segment | null;
  readonly paidSeats?: number;
  readonly approvedOn?: CalendarDate;
  readonly endedOn?: CalendarDate;
  readonly usage: Readonly<Record<string, { readonly mau: number; readonly pau: number }>>;
  readonly earnings: readonly ReportedEarning[];
  readonly ineligible: readonly ReportedIneligible[];
}

export interface ReconciliationLine {
  readonly tenantId: string;
  readonly workload: string;
  readonly customerName: string | null;
  readonly month: string;
  readonly expectedUnits: number;
  /** Units Partner Center reported paying; null when its earnings rows carry no unit count. */
  readonly reportedUnits: number | null;
  readonly reportedAmountUSD: number;
  /** Null when the rule set carries no rate (HWM-3). */
  readonly expectedAmountUSD: number | null;
  readonly earningIds: readonly string[];
  readonly reason: GapReason;
  readonly gap: boolean;
  /** What the reason means for this month, in plain words, with the figures it was judged on. */
  readonly detail: string;
  readonly rules: readonly RuleId[];
}

export interface Reconciliation {
  readonly from: string;
  readonly to: string;
  readonly lines: readonly ReconciliationLine[];
  readonly totals: Readonly<
    Record<GapReason, { months: number; expectedUnits: number; reportedUnits: number }>
  >;
}

const monthsBetween = (m: string, from: string, to: string) => m >= from && m <= to;

/**
 * What reconciliation needs of one pair, from its timeline (pairTimeline: the pair's and its tenant's
 * events): the verdict's own facts (tenant, usage, approved claim) and the reports' rows, voided ones
 * left out. One earning repeated on several transaction rows (the Growth report) counts once.
 */
export function pairToReconcile(
  key: { tenantId: string; workload: string },
  timeline: readonly TimedEvent[],
): PairToReconcile {
  const facts = foldEvents(timeline).facts;
  const earnings = new Map<string, ReportedEarning>();
  const ineligible: ReportedIneligible[] = [];
  for (const { event: e } of timeline) {
    if (isInert(e)) continue;
    if (e.type === "earning.reported") {
      const k = `${e.data.month}|${e.data.earningId}`;
      const seen = earnings.get(k);
      const units = (seen?.units ?? 0) + (e.data.units ?? 0);
      earnings.set(k, {
        month: e.data.month,
        earningId: e.data.earningId,
        earningAmountUSD: seen?.earningAmountUSD ?? e.data.earningAmountUSD,
        ...(e.data.units !== undefined || seen?.units !== undefined ? { units } : {}),
      });
    } else if (e.type === "usage.ineligible")
      ineligible.push({
        month: e.data.month,
        compensableUnits: e.data.compensableUnits,
        ...(e.data.reason ? { reason: e.data.reason } : {}),
      });
  }
  const tenant = facts.tenant;
  const claim = facts.claim;
  return {
    tenantId: key.tenantId,
    workload: key.workload,
    customerName: tenant?.customerName ?? null,
    segment: tenant?.segment ?? null,
    ...(tenant?.paidSeats !== undefined ? { paidSeats: tenant.paidSeats } : {}),
    ...(claim?.approvedOn !== undefined ? { approvedOn: claim.approvedOn } : {}),
    ...(claim?.approvedOn !== undefined && claim.endedOn !== undefined ? { endedOn: claim.endedOn } : {}),
    usage: facts.usage,
    earnings: [...earnings.values()],
    ineligible,
  };
}

/** Reconciles one pair's months in `[from, to]` (months `YYYY-MM`, inclusive). */
export function reconcilePair(
  pair: PairToReconcile,
  from: string,
  to: string,
  asOf: CalendarDate,
  ruleSetOn?: RuleSetOn,
): ReconciliationLine[] {
  const segment = pair.segment ?? "commercial";
  const predicted = predictPayableUsage({
    segment,
    ...(pair.paidSeats !== undefined ? { paidSeats: pair.paidSeats } : {}),
    ...(pair.approvedOn !== undefined ? { approvedOn: pair.approvedOn } : {}),
    ...(pair.endedOn !== undefined ? { endedOn: pair.endedOn } : {}),
    usage: pair.usage,
    asOf,
    ...(ruleSetOn ? { ruleSetOn } : {}),
  });
  const rate = ratePerUnit(asOf, ruleSetOn);
  const byMonth = new Map(predicted.months.map((m) => [m.month, m]));
  const months = new Set<string>([
    ...byMonth.keys(),
    ...pair.earnings.map((e) => e.month),
    ...pair.ineligible.map((e) => e.month),
  ]);
  const lines: ReconciliationLine[] = [];
  for (const month of [...months].sort()) {
    if (!monthsBetween(month, from, to)) continue;
    const p = byMonth.get(month);
    const earnings = pair.earnings.filter((e) => e.month === month);
    const ineligible = pair.ineligible.filter((e) => e.month === month);
    const expectedUnits = p?.payableUnits ?? 0;
    const unitCounts = earnings.filter((e) => e.units !== undefined);
    const reportedUnits =
      earnings.length === 0
        ? 0
        : unitCounts.length === 0
          ? null
          : unitCounts.reduce((s, e) => s + e.units!, 0);
    const reportedAmountUSD = round2(earnings.reduce((s, e) => s + e.earningAmountUSD, 0));
    const judged = judge({
      pair,
      segment,
      included: predicted.included,
      p,
      expectedUnits,
      earnings: earnings.length,
      reportedUnits,
      ineligible,
    });
    lines.push({
      tenantId: pair.tenantId,
      workload: pair.workload,
      customerName: pair.customerName,
      month,
      expectedUnits,
      reportedUnits,
      reportedAmountUSD,
      expectedAmountUSD: rate === null ? null : round2(expectedUnits * rate),
      earningIds: earnings.map((e) => e.earningId),
      reason: judged.reason,
      gap: GAPS.has(judged.reason),
      detail: judged.detail,
      rules: judged.rules,
    });
  }
  return lines;
}

interface Judging {
  pair: PairToReconcile;
  segment: Segment;
  included: boolean;
  p: ReturnType<typeof predictPayableUsage>["months"][number] | undefined;
  expectedUnits: number;
  earnings: number;
  reportedUnits: number | null;
  ineligible: readonly ReportedIneligible[];
}

function judge(j: Judging): { reason: GapReason; detail: string; rules: RuleId[] } {
  const { p, expectedUnits } = j;
  if (expectedUnits > 0) {
    if (j.earnings > 0) {
      if (j.reportedUnits !== null && j.reportedUnits !== expectedUnits)
        return {
          reason: "units-differ",
          detail: `Partner Center paid on ${j.reportedUnits} units; the rules make ${expectedUnits} payable. Ask your Microsoft contact which units were left out.`,
          rules: ["HWM-2"],
        };
      return { reason: "paid", detail: `Paid as expected (${expectedUnits} units).`, rules: ["HWM-2"] };
    }
    if (j.ineligible.length > 0) {
      const why = j.ineligible
        .map((i) => i.reason)
        .filter(Boolean)
        .join("; ");
      const msUnits = j.ineligible.reduce((n, i) => n + i.compensableUnits, 0);
      return {
        reason: "reported-ineligible",
        detail: `Partner Center marked this month ineligible${why ? ` (${why})` : ""} with ${msUnits} compensable unit(s), although the usage the tracker holds makes ${expectedUnits} payable${j.segment === "government-gcc" ? " (GCC tenants are included, SEG-1: a flat usage line there points at Microsoft's telemetry)" : ""}. Send this line to your Microsoft contact.`,
        rules: ["HWM-2"],
      };
    }
    return {
      reason: "missing-payout",
      detail: `${expectedUnits} units are payable (usage above the high-water mark ${p?.priorHighWaterMark ?? 0}, approved claim) but no earnings row exists. Send this line to your Microsoft contact.`,
      rules: j.segment === "education" ? ["HWM-2", "SEG-2"] : ["HWM-2"],
    };
  }
  if (j.earnings > 0)
    return {
      reason: "reported-not-expected",
      detail:
        "Partner Center reported an earning for a month the rules make nothing payable: check it is not a clawback waiting to happen.",
      rules: ["HWM-2"],
    };
  if (!j.included)
    return {
      reason: "excluded-segment",
      detail: `GCC High and DoD tenants send no telemetry and earn nothing (${j.segment}).`,
      rules: ["SEG-1"],
    };
  if (p === undefined)
    return {
      reason: "no-usage-reported",
      detail:
        "The tracker holds no usage for this month, so it can expect nothing: report the month's MAU and PAU.",
      rules: ["HWM-1"],
    };
  if (!p.counts)
    return {
      reason: "not-approved",
      detail:
        j.pair.approvedOn === undefined
          ? "No approved claim: usage only counts after the claim is approved. Claim the workload."
          : `The claim was not in force on ${p.month}'s measuring day (approved ${j.pair.approvedOn}${j.pair.endedOn ? `, ended ${j.pair.endedOn}` : ""}).`,
      rules: ["HWM-2"],
    };
  // The month counted and pays nothing: usage did not beat the mark. For education, the mark counts
  // free student users while the units count paid ones only (SEG-2): say so when that is the cause.
  const paidSeats = j.pair.paidSeats;
  const allUsers = Math.min(p.mau, p.pau);
  if (j.segment === "education" && paidSeats !== undefined && allUsers > p.priorHighWaterMark)
    return {
      reason: "students-inflate-high-water-mark",
      detail: `Active users (${allUsers}) beat the high-water mark ${p.priorHighWaterMark}, but the mark counts student licences and only ${paidSeats} paid seats earn: paid usage cannot beat it.`,
      rules: ["SEG-2", "HWM-2"],
    };
  return {
    reason: "below-high-water-mark",
    detail: `Usage min(MAU ${p.mau}, PAU ${p.pau}) did not beat the high-water mark ${p.priorHighWaterMark}.`,
    rules: ["HWM-2"],
  };
}

/** Every pair's lines in `[from, to]`, with totals by reason. */
export function reconcile(
  pairs: Iterable<PairToReconcile>,
  from: string,
  to: string,
  asOf: CalendarDate,
  ruleSetOn?: RuleSetOn,
): Reconciliation {
  const lines: ReconciliationLine[] = [];
  for (const pair of pairs) lines.push(...reconcilePair(pair, from, to, asOf, ruleSetOn));
  return { from, to, lines, totals: totalsOf(lines) };
}

export function totalsOf(lines: readonly ReconciliationLine[]): Reconciliation["totals"] {
  const totals = Object.fromEntries(
    GAP_REASONS.map((r) => [r, { months: 0, expectedUnits: 0, reportedUnits: 0 }]),
  ) as Record<GapReason, { months: number; expectedUnits: number; reportedUnits: number }>;
  for (const l of lines) {
    const t = totals[l.reason];
    t.months++;
    t.expectedUnits += l.expectedUnits;
    t.reportedUnits += l.reportedUnits ?? 0;
  }
  return totals;
}

const CSV_HEADER = [
  "tenantId",
  "customerName",
  "workload",
  "month",
  "expectedUnits",
  "reportedUnits",
  "expectedAmountUSD",
  "reportedAmountUSD",
  "reason",
  "rules",
  "earningIds",
  "detail",
];

/** The evidence a partner hands its Microsoft contact: one row per pair and month, RFC 4180 quoting. */
export function reconciliationCsv(lines: readonly ReconciliationLine[]): string {
  const cell = (v: string | number | null) => {
    const s = v === null ? "" : String(v);
    // A leading = + - @ would run as a formula in a spreadsheet: quote and prefix it.
    const safe = /^[=+\-@\t\r]/.test(s) && !/^-?\d/.test(s) ? `'${s}` : s;
    return /[",\r\n]/.test(safe) || safe !== s ? `"${safe.replaceAll('"', '""')}"` : safe;
  };
  const rows = lines.map((l) =>
    [
      l.tenantId,
      l.customerName,
      l.workload,
      l.month,
      l.expectedUnits,
      l.reportedUnits,
      l.expectedAmountUSD,
      l.reportedAmountUSD,
      l.reason,
      l.rules.join(" "),
      l.earningIds.join(" "),
      l.detail,
    ]
      .map(cell)
      .join(","),
  );
  return `${[CSV_HEADER.join(","), ...rows].join("\r\n")}\r\n`;
}

function ratePerUnit(asOf: CalendarDate, ruleSetOn?: RuleSetOn): number | null {
  return (ruleSetOn ?? ruleSetInForce)(asOf).usage.ratePerUnit.value;
}

const round2 = (n: number) => Math.round(n * 100) / 100;
