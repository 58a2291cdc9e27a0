// Issue 17 end to end: the CRM posts a year of usage (signed, POST /api/events), the partner uploads
// Partner Center's exports (POST /api/reconciliation/imports), and GET /api/reconciliation names each
// gap, as JSON and as the CSV for the Microsoft contact. Real HTTP against the dev host, Cosmos through
// @azure/cosmos against the emulator; the clock is the test's.
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBoard } from "../../board/build.ts";
import { type LocalTracker, startLocalTracker } from "../../infra/devhost/local-tracker.ts";
import { type Answer, TrackerClient } from "../../scripts/tracker-client.ts";
import { launchChromium } from "../browser.ts";
import { crmEvents, EXPECTED, EXPECTED_UNITS, fixture, PARTNER, T, W } from "./scenario.ts";

const OTHER = "5900001";
let tracker: LocalTracker;
let client: TrackerClient;

async function upload(name: string, body = fixture(name), key = "partner-key", type = "text/csv") {
  const response = await fetch(`${tracker.url}/api/reconciliation/imports?fileName=${name}`, {
    method: "POST",
    headers: { "x-api-key": key, "content-type": type },
    body,
  });
  return { status: response.status, body: (await response.json()) as Answer["body"] };
}
async function get(query: string, key = "partner-key") {
  const response = await fetch(`${tracker.url}/api/reconciliation${query}`, {
    headers: { "x-api-key": key },
  });
  return response;
}

const imports: Record<string, Awaited<ReturnType<typeof upload>>> = {};

beforeAll(async () => {
  tracker = await startLocalTracker({
    partnerId: PARTNER,
    webhookSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    apiKey: "partner-key",
    access: { apiKeys: [{ partnerId: OTHER, key: "other-key" }] },
    clock: () => new Date("2026-01-15T12:00:00Z"),
    enableTimers: false,
    quiet: true,
  });
  client = new TrackerClient(tracker);
  const posted = await client.post(crmEvents(), { now: new Date() });
  expect(posted.status).toBe(201);
  // Claims first: the TPIDs they name place the earnings rows that carry a TPID.
  for (const name of ["customer-claims.csv", "earnings-default.csv", "ineligible-usage.csv"])
    imports[name] = await upload(name);
}, 120_000);
afterAll(async () => {
  await tracker?.stop();
});

describe("POST /api/reconciliation/imports", () => {
  it("keeps good rows, lists bad rows by line and column and unplaced rows with why", () => {
    const earnings = imports["earnings-default.csv"]!;
    expect(earnings.status).toBe(200);
    expect(earnings.body).toMatchObject({
      report: "earnings",
      rows: 10,
      badRows: 2,
      unplacedRows: 3,
      accepted: 5,
    });
    expect(earnings.body.problems.map((p: { line: number; column: string }) => [p.line, p.column])).toEqual([
      [10, "earningAmountUSD"],
      [10, "earningAmount"],
      [11, "earningDate"],
    ]);
    expect(earnings.body.unplaced.map((u: { line: number }) => u.line)).toEqual([7, 8, 9]);
    expect(imports["customer-claims.csv"]!.body).toMatchObject({
      report: "claims",
      rows: 4,
      badRows: 1,
      accepted: 6,
    });
    expect(imports["ineligible-usage.csv"]!.body).toMatchObject({
      report: "ineligible-usage",
      accepted: 2,
      badRows: 1,
    });
  });

  it("stores a second upload of the same export once (idempotent by earning id)", async () => {
    const again = await upload("earnings-default.csv", fixture("earnings-default.csv"));
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 5 });
  });

  it("refuses what is not an export, naming the line, and needs the partner's key", async () => {
    const notExport = await upload("x.csv", "name,amount\nfoo,1\n");
    expect(notExport.status).toBe(400);
    expect(notExport.body.errors[0]).toMatchObject({ line: 1 });
    expect((await upload("x.csv", "a", "wrong-key")).status).toBe(401);
    expect((await upload("x.json", "{}", "partner-key", "application/json")).status).toBe(415);
  });
});

describe("GET /api/reconciliation", () => {
  it("names each gap per pair and month, with totals by reason", async () => {
    const response = await get("?from=2025-01&to=2025-12");
    expect(response.status).toBe(200);
    const report = (await response.json()) as Answer["body"];
    for (const key of Object.keys(T) as (keyof typeof T)[]) {
      const lines = report.lines.filter(
        (l: { tenantId: string; workload: string }) => l.tenantId === T[key] && l.workload === W[key],
      );
      expect(
        Object.fromEntries(lines.map((l: { month: string; reason: string }) => [l.month, l.reason])),
      ).toEqual(EXPECTED[key]);
      for (const l of lines) expect(l.expectedUnits).toBe(EXPECTED_UNITS[`${l.tenantId}|${l.month}`] ?? 0);
    }
    expect(report.totals["missing-payout"]).toEqual({ months: 11, expectedUnits: 1030, reportedUnits: 0 });
  });

  it("answers the CSV a partner hands its Microsoft contact", async () => {
    const response = await get("?from=2025-06&to=2025-07&format=csv");
    expect(response.headers.get("content-type")).toMatch(/^text\/csv/);
    const rows = parse(await response.text(), { columns: true }) as Record<string, string>[];
    const gcc = rows.find((r) => r.tenantId === T.G && r.month === "2025-07")!;
    expect(gcc).toMatchObject({
      customerName: "Contoso County (GCC)",
      workload: "defender-office365",
      expectedUnits: "100",
      reportedUnits: "0",
      reason: "missing-payout",
    });
    expect(rows.every((r) => r.month! >= "2025-06" && r.month! <= "2025-07")).toBe(true);
  });

  it("shows another partner none of these pairs, and names bad query fields", async () => {
    const other = (await (await get("?from=2025-01&to=2025-12", "other-key")).json()) as Answer["body"];
    expect(other.lines).toEqual([]);
    const bad = await get("?from=2025-13&to=2025-01&format=xml");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Answer["body"]).errors.map((e: { path: string }) => e.path)).toEqual([
      "$.query.from",
      "$.query.format",
    ]);
    expect((await get("?from=2025-01", "nope")).status).toBe(401);
  });
});

describe("the board's Reconciliation view", () => {
  it("shows totals by reason and each gap, in a real browser", async () => {
    await buildBoard({ quiet: true });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ bypassCSP: true });
      await page.goto(`${tracker.url}/api/board/`);
      await page.getByLabel("API key").fill("partner-key");
      await page.getByRole("button", { name: "Open the board" }).click();
      await page.getByRole("link", { name: "Reconciliation" }).click();
      await page.getByLabel("From").fill("2025-01");
      await page.getByLabel("To").fill("2025-12");
      const missing = page.getByRole("row", { name: /^Missing payout/ });
      // The view first shows its default range; the answer for 2025-01..2025-12 replaces it.
      await expect
        .poll(() => missing.locator("td").allTextContents(), { timeout: 10_000 })
        .toEqual(["11", "1030", "0"]);
      const gcc = page
        .getByRole("row")
        .filter({ hasText: "Contoso County (GCC)" })
        .filter({ hasText: "2025-07" });
      await expect(gcc.textContent()).resolves.toMatch(/Missing payout/);
      const students = page.getByRole("row", { name: /^Students inflate/ });
      expect(await students.locator("td").first().textContent()).toBe("12");
    } finally {
      await browser.close();
    }
  }, 60_000);
});
