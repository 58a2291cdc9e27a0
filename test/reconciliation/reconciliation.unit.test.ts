// The pure reconciliation (domain/reconciliation.ts) and the row mapping (rows.ts) over the scenario:
// every pair's month gets the reason the data shows, bad rows and unplaced rows are named by line.
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { reportWindow } from "../../application/reconciliation/report.ts";
import { type ReportKind, reportKindOf, rowToEvents } from "../../application/reconciliation/rows.ts";
import { type EngagementEvent, pairStreamId, streamKindOf, tenantStreamId } from "../../domain/events.ts";
import { pairTimeline } from "../../domain/fold.ts";
import { pairToReconcile, reconcile, reconcilePair, reconciliationCsv } from "../../domain/reconciliation.ts";
import { FY25 } from "../../domain/rules/fy25.ts";
import { crmEvents, EXPECTED, EXPECTED_UNITS, fixture, PARTNER, T, W } from "./scenario.ts";

function mapFile(name: string, tpids: Map<string, string>) {
  const rows = parse(fixture(name), { columns: true, info: true, bom: true }) as {
    record: Record<string, string>;
    info: { lines: number };
  }[];
  const kind = reportKindOf(Object.keys(rows[0]!.record)) as ReportKind;
  const ctx = { partnerId: PARTNER, fileName: name, tpids };
  return rows.map((r) => rowToEvents(kind, r.record, r.info.lines, ctx));
}

function imported() {
  const tpids = new Map<string, string>();
  const outcomes = ["customer-claims.csv", "earnings-default.csv", "ineligible-usage.csv"].map((f) => {
    const out = mapFile(f, tpids);
    for (const o of out) if (o.kind === "events" && o.tpid) tpids.set(o.tpid.tpid, o.tpid.tenantId);
    return out;
  });
  return outcomes;
}

function reportFor(events: EngagementEvent[], asOf = "2026-01-15T00:00:00Z") {
  const tenants = new Map<string, EngagementEvent[]>();
  const pairs = new Map<string, EngagementEvent[]>();
  for (const e of events) {
    const t = e as EngagementEvent & { tenantid: string; workload?: string };
    const kind = streamKindOf(e);
    const id =
      kind === "tenant"
        ? tenantStreamId(PARTNER, t.tenantid)
        : pairStreamId(PARTNER, t.tenantid, t.workload!);
    const map = kind === "tenant" ? tenants : pairs;
    map.set(id, [...(map.get(id) ?? []), e]);
  }
  const toReconcile = [...pairs].map(([id, list]) => {
    const [, tenantId, workload] = id.split("|");
    return pairToReconcile(
      { tenantId: tenantId!, workload: workload! },
      pairTimeline(list, tenants.get(tenantStreamId(PARTNER, tenantId!)) ?? [], asOf),
    );
  });
  return reconcile(toReconcile, "2025-01", "2025-12", asOf.slice(0, 10));
}

describe("Partner Center rows", () => {
  it("recognises each report by its documented columns", () => {
    expect(reportKindOf(["earningId", "earningDate"])).toBe("earnings");
    expect(reportKindOf(["CUSTOMERIDTYPE", "compensableunits"])).toBe("ineligible-usage");
    expect(reportKindOf(["associationId", "status"])).toBe("claims");
    expect(reportKindOf(["name", "amount"])).toBeUndefined();
  });

  it("lists bad rows by line and column, unplaced rows with why, and keeps the good ones", () => {
    const [claims, earnings, ineligible] = imported();
    const bad = (list: typeof claims) =>
      list!.flatMap((o) => (o.kind === "bad" ? o.problems.map((p) => [p.line, p.column]) : []));
    expect(bad(claims)).toEqual([[5, "customerTenantId"]]);
    expect(bad(earnings)).toEqual([
      [10, "earningAmountUSD"],
      [10, "earningAmount"],
      [11, "earningDate"],
    ]);
    expect(bad(ineligible)).toEqual([[4, "compensableUnits"]]);
    const unplaced = earnings!.flatMap((o) => (o.kind === "unplaced" ? [o.unplaced] : []));
    expect(unplaced.map((u) => u.line)).toEqual([7, 8, 9]);
    expect(unplaced[0]!.reason).toMatch(/TPID 999999 names no tenant/);
    expect(unplaced[1]!.reason).toMatch(/unknown workload "Microsoft Fabric"/);
    expect(unplaced[2]!.reason).toMatch(/no customer on the row/);
    // The TPID the claims export names places the earning on Contoso's pair.
    const tpidRow = earnings![1]!;
    expect(tpidRow.kind === "events" && tpidRow.events[0]!.tenantid).toBe(T.A);
    // Columns the tracker does not read are kept as downloaded.
    const first = earnings![0]!;
    expect(first.kind === "events" && first.events[0]!.data).toMatchObject({
      earningId: "E-2025-03-A1",
      month: "2025-03",
      units: 40,
      earningAmountUSD: 200,
      columns: { baseline: "110", baselineType: "HWM", paymentStatus: "Paid", participantId: "4811223" },
    });
  });

  it("gives a re-download the same event ids (idempotent by earning and transaction columns)", () => {
    const once = imported()[1]!;
    const again = imported()[1]!;
    const ids = (list: typeof once) =>
      list.flatMap((o) => (o.kind === "events" ? o.events.map((e) => e.id) : []));
    expect(ids(again)).toEqual(ids(once));
    expect(new Set(ids(once)).size).toBe(ids(once).length);
  });
});

describe("reconciliation per pair and month", () => {
  const rows = imported()
    .flat()
    .flatMap((o) => (o.kind === "events" ? o.events : []));
  const report = reportFor([...(crmEvents() as EngagementEvent[]), ...rows]);

  for (const key of Object.keys(T) as (keyof typeof T)[]) {
    it(`names each gap of pair ${key} (${W[key]})`, () => {
      const lines = report.lines.filter((l) => l.tenantId === T[key] && l.workload === W[key]);
      expect(Object.fromEntries(lines.map((l) => [l.month, l.reason]))).toEqual(EXPECTED[key]);
      for (const l of lines) expect(l.expectedUnits).toBe(EXPECTED_UNITS[`${l.tenantId}|${l.month}`] ?? 0);
    });
  }

  it("totals by reason and says what to do in the CSV a Microsoft contact reads", () => {
    expect(report.totals["missing-payout"]).toEqual({ months: 11, expectedUnits: 1030, reportedUnits: 0 });
    expect(report.totals["students-inflate-high-water-mark"].months).toBe(12);
    const csv = reconciliationCsv(report.lines);
    const parsed = parse(csv, { columns: true }) as Record<string, string>[];
    expect(parsed).toHaveLength(report.lines.length);
    const july = parsed.find((r) => r.tenantId === T.A && r.month === "2025-07")!;
    expect(july).toMatchObject({
      workload: "defender-endpoint",
      expectedUnits: "30",
      reportedUnits: "0",
      reason: "missing-payout",
    });
    expect(july.detail).toMatch(/Send this line to your Microsoft contact/);
    const june = parsed.find((r) => r.tenantId === T.G && r.month === "2025-06")!;
    expect(june.reason).toBe("reported-ineligible");
    expect(june.detail).toMatch(
      /Customer segment not eligible\) with 100 compensable unit\(s\).*GCC tenants are included, SEG-1/,
    );
    const aug = parsed.find((r) => r.tenantId === T.A && r.month === "2025-08")!;
    expect([aug.expectedUnits, aug.reportedUnits, aug.reason]).toEqual(["30", "25", "units-differ"]);
  });

  it("prices the expected units when the rule set carries a rate (HWM-3), never otherwise", () => {
    const pair = {
      tenantId: T.A,
      workload: W.A,
      customerName: "Contoso",
      segment: "commercial" as const,
      approvedOn: "2025-03-10",
      usage: { "2025-02": { mau: 100, pau: 500 }, "2025-03": { mau: 140, pau: 500 } },
      earnings: [],
      ineligible: [],
    };
    const priced = reconcilePair(pair, "2025-03", "2025-03", "2025-12-31", () => ({
      ...FY25,
      usage: { ...FY25.usage, ratePerUnit: { value: 2.5, rule: "HWM-3" } },
    }));
    expect(priced[0]).toMatchObject({ expectedUnits: 40, expectedAmountUSD: 100, reason: "missing-payout" });
    expect(reconcilePair(pair, "2025-03", "2025-03", "2025-12-31")[0]!.expectedAmountUSD).toBeNull();
  });

  it("counts one earning repeated on several transaction rows once (the Growth report)", () => {
    const claims = imported()[0]!.flatMap((o) => (o.kind === "events" ? o.events : []));
    const base = [...(crmEvents() as EngagementEvent[]), ...claims];
    const repeated = [1, 2].map((i) => ({
      specversion: "1.0",
      id: `E-GROWTH|T${i}`,
      source: "partner-center://earnings/default",
      type: "earning.reported",
      time: "2025-08-20T00:00:00Z",
      partnerid: PARTNER,
      tenantid: T.A,
      workload: W.A,
      data: {
        earningId: "E-GROWTH",
        earningDate: "2025-08-20",
        month: "2025-07",
        earningAmountUSD: 150,
        units: 15,
      },
    })) as EngagementEvent[];
    const july = reportFor([...base, ...repeated]).lines.find(
      (l) => l.tenantId === T.A && l.month === "2025-07",
    )!;
    expect(july).toMatchObject({ reportedAmountUSD: 150, reportedUnits: 30, reason: "paid" });
  });
});

describe("the months a report covers", () => {
  it("defaults to the twelve months up to `to`, or up to this month", () => {
    const now = new Date("2026-01-15T12:00:00Z");
    expect(reportWindow(now)).toEqual({ from: "2025-01", to: "2026-01" });
    expect(reportWindow(now, undefined, "2024-06")).toEqual({ from: "2023-06", to: "2024-06" });
    expect(reportWindow(now, "2025-03")).toEqual({ from: "2025-03", to: "2026-01" });
  });
});
