// A year of usage for five pairs of one partner, as its CRM would post it, beside the Partner Center
// exports in ./fixtures (claims, Earnings – Default, Ineligible revenue usage). The education tenant
// and the GCC tenant are the transcript's: usage for a year, and no payout for either.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { GapReason } from "../../domain/reconciliation.ts";
import { rawEvent } from "../domain/given.ts";

export const PARTNER = "4811223";
export const FIXTURES = join(import.meta.dirname, "fixtures");
export const fixture = (name: string) => readFileSync(join(FIXTURES, name), "utf8");

export const T = {
  A: "aaaaaaaa-0000-4000-8000-0000000000a1", // Contoso Ltd, commercial, approved 2025-03-10
  E: "eeeeeeee-0000-4000-8000-0000000000e1", // Fabrikam University, education, 300 paid seats
  G: "99999999-0000-4000-8000-0000000000c1", // Contoso County, GCC, approved 2025-02-01
  H: "88888888-0000-4000-8000-0000000000d1", // Northwind Defense, GCC High (excluded)
  N: "77777777-0000-4000-8000-0000000000f1", // Tailspin, never claimed
} as const;
export const W = {
  A: "defender-endpoint",
  E: "purview-dlp",
  G: "defender-office365",
  H: "entra-id-p2",
  N: "intune",
} as const;

const MONTHS = Array.from({ length: 12 }, (_, i) => `2025-${String(i + 1).padStart(2, "0")}`);
const lastDay = (month: string) => {
  const [y, m] = month.split("-").map(Number);
  return new Date(Date.UTC(y!, m!, 0)).toISOString().slice(0, 10);
};

const A_MAU = [100, 110, 150, 180, 200, 200, 230, 260, 250, 250, 250, 250];
const E_MAU = MONTHS.map((_, i) => 3500 + 100 * i);
const G_MAU = MONTHS.map((_, i) => 500 + 100 * i);

let n = 0;
const event = (type: string, tenant: string, workload: string | undefined, time: string, data: object) =>
  rawEvent(type, workload ? "pair" : "tenant", data as Record<string, unknown>, {
    id: `rec-${++n}`,
    source: "crm://dynamics365/adatum",
    time,
    partner: PARTNER,
    tenant,
    workload,
  });
const profile = (tenant: string, customerName: string, segment: string, extra: object = {}) =>
  event("tenant.profiled", tenant, undefined, "2024-11-01T09:00:00Z", {
    customerName,
    segment,
    publicSector: segment.startsWith("government"),
    country: "US",
    ...extra,
  });
const usage = (tenant: string, workload: string, month: string, mau: number, pau: number) =>
  event("usage.reported", tenant, workload, `${lastDay(month)}T12:00:00Z`, { month, mau, pau });

/** The CRM's events: profiles, usage, and the claims the claims export does not carry. */
export function crmEvents() {
  n = 0;
  return [
    profile(T.A, "Contoso Ltd", "commercial"),
    profile(T.E, "Fabrikam University", "education", { paidSeats: 300, studentSeats: 6000 }),
    profile(T.G, "Contoso County (GCC)", "government-gcc"),
    profile(T.H, "Northwind Defense", "government-gcc-high"),
    profile(T.N, "Tailspin Toys", "commercial"),
    ...MONTHS.map((m, i) => usage(T.A, W.A, m, A_MAU[i]!, 1000)),
    usage(T.E, W.E, "2024-12", 3000, 6300),
    ...MONTHS.map((m, i) => usage(T.E, W.E, m, E_MAU[i]!, 6300)),
    ...MONTHS.map((m, i) => usage(T.G, W.G, m, G_MAU[i]!, 2000)),
    ...MONTHS.slice(0, 3).map((m) => usage(T.H, W.H, m, 400, 500)),
    ...MONTHS.slice(0, 3).map((m) => usage(T.N, W.N, m, 80, 100)),
    event("claim.submitted", T.H, W.H, "2025-01-05T09:00:00Z", {
      claimId: "CPOR-H1",
      claimType: "usage-incentive",
      submittedOn: "2025-01-05",
    }),
    event("claim.approved", T.H, W.H, "2025-01-10T09:00:00Z", {
      claimId: "CPOR-H1",
      approvedOn: "2025-01-10",
    }),
  ];
}

const each = (reason: GapReason, months: string[]) => months.map((m) => [m, reason] as const);

/** What the report must say for 2025, pair by pair, month by month. */
export const EXPECTED: Record<keyof typeof T, Record<string, GapReason>> = {
  A: Object.fromEntries([
    ...each("not-approved", ["2025-01", "2025-02"]),
    ...each("paid", ["2025-03", "2025-04", "2025-05"]),
    ["2025-06", "below-high-water-mark"],
    ["2025-07", "missing-payout"],
    ["2025-08", "units-differ"],
    ["2025-09", "reported-not-expected"],
    ...each("below-high-water-mark", ["2025-10", "2025-11", "2025-12"]),
  ]),
  E: Object.fromEntries(each("students-inflate-high-water-mark", MONTHS)),
  G: Object.fromEntries([
    ["2025-01", "not-approved"],
    ...each("missing-payout", MONTHS.slice(1)).map(([m, r]) =>
      m === "2025-06" ? ([m, "reported-ineligible"] as const) : ([m, r] as const),
    ),
  ]),
  H: Object.fromEntries(each("excluded-segment", MONTHS.slice(0, 3))),
  N: Object.fromEntries(each("not-approved", MONTHS.slice(0, 3))),
};
/** Expected units where they are not 0. */
export const EXPECTED_UNITS: Record<string, number> = {
  [`${T.A}|2025-03`]: 40,
  [`${T.A}|2025-04`]: 30,
  [`${T.A}|2025-05`]: 20,
  [`${T.A}|2025-07`]: 30,
  [`${T.A}|2025-08`]: 30,
  ...Object.fromEntries(MONTHS.slice(1).map((m) => [`${T.G}|${m}`, 100])),
};
