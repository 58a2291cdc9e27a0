// Generates a realistic engagement export: tenants with a few workloads each, every pair walking a
// plausible path (presales, deployment, adoption, paperwork, claims, monthly usage). Deterministic
// for a seed, so benchmark runs are comparable.

// Incentive (WKL-1) and usage-only (WKL-2) workloads; the same list since the first run, so figures compare.
const WORKLOADS = (
  "defender-endpoint defender-office365 defender-identity defender-cloud-apps entra-id-p2 " +
  "purview-information-protection purview-dlp intune sentinel copilot-m365"
).split(" ");
const SEGMENTS = [
  "commercial",
  "commercial",
  "commercial",
  "education",
  "government-gcc",
  "government-gcc-high",
];
const COUNTRIES = ["US", "GB", "DE", "IN", "FR", "NL"];

/** A small seeded generator (mulberry32): benchmark inputs are the same on every run. */
export function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const day = (base: number, offset: number) => new Date(base + offset * 86_400_000).toISOString().slice(0, 10);
const at = (base: number, offset: number) => `${day(base, offset)}T09:00:00Z`;

/** Yields NDJSON lines: about `eventsPerPair` events for each of `pairs` pairs. */
export function* engagementExport(pairs: number, seed = 42, partnerId = "4811223"): Generator<string> {
  const r = rng(seed);
  const source = "crm://dynamics365/bench";
  let n = 0;
  const base = Date.UTC(2024, 9, 1);
  let tenant = 0;
  let pairsMade = 0;
  while (pairsMade < pairs) {
    tenant++;
    const tenantId = `${(0x10000000 + tenant).toString(16)}-3c4b-4f1e-9a51-${String(tenant).padStart(12, "0")}`;
    const ev = (type: string, time: string, data: object, workload?: string) =>
      JSON.stringify({
        specversion: "1.0",
        id: `e${++n}`,
        source,
        type,
        time,
        partnerid: partnerId,
        tenantid: tenantId,
        ...(workload ? { workload } : {}),
        data,
      });
    const segment = SEGMENTS[Math.floor(r() * SEGMENTS.length)]!;
    yield ev("tenant.profiled", at(base, 0), {
      customerName: `Customer ${tenant}`,
      segment,
      publicSector: segment.startsWith("government") || r() < 0.1,
      country: COUNTRIES[Math.floor(r() * COUNTRIES.length)]!,
    });
    const workloads = 1 + Math.floor(r() * 4);
    for (let w = 0; w < workloads && pairsMade < pairs; w++, pairsMade++) {
      const workload = WORKLOADS[(tenant + w) % WORKLOADS.length]!;
      const start = Math.floor(r() * 300);
      const p = (type: string, offset: number, data: object) =>
        ev(type, at(base, start + offset), data, workload);
      yield p("presales.engagement.delivered", 0, {
        program: "MCI",
        engagement: "Threat Protection Engagement",
        startDate: day(base, start - 10),
        endDate: day(base, start),
      });
      yield p("presales.milestone.reached", 5, { program: "MCI", milestone: "Milestone 1", paid: true });
      yield p("guidance.session.logged", 7, { minutes: 30, topic: "feature overview" });
      yield p("acknowledgement.recorded", 10, {
        signedOn: day(base, start + 10),
        signer: { name: "Dana Customer", title: "CISO" },
        format: "e-signature",
        workloads: [workload],
      });
      yield p("engagement.scope.described", 12, {
        description: `Rollout of ${workload} for customer ${tenant}`,
        startDate: day(base, start + 14),
        endDate: day(base, start + 60),
        usersInScope: 100 + Math.floor(r() * 5000),
        customerNeed: "exposure",
        customerBenefit: "protection",
        meetingsHeld: 4,
      });
      yield p("deployment.started", 14, {
        activities: ["configuration", "policy-customization"],
        delivery: r() < 0.6 ? "remote" : "onsite",
        plannedStart: day(base, start + 14),
        plannedEnd: day(base, start + 60),
      });
      yield p("poe.document.attached", 15, {
        documentId: `doc-${n}`,
        kind: "sow",
        fileName: "sow.pdf",
        contentType: "application/pdf",
        size: 48213,
        sha256: "a".repeat(64),
        workloadsMentioned: [workload],
      });
      yield p("adoption.activity.logged", 40, {
        kind: "health-check",
        handsOn: true,
        audience: "admins",
        delivery: "remote",
        durationDays: 5,
        meetings: 3,
      });
      yield p("deployment.completed", 60, { completedOn: day(base, start + 60) });
      const claimed = r() < 0.7;
      if (claimed) {
        const claimId = `C-${tenant}-${w}`;
        yield p("claim.submitted", 20, {
          claimId,
          claimType: "usage-incentive",
          submittedOn: day(base, start + 20),
        });
        if (r() < 0.3) yield p("claim.info-requested", 30, { claimId, comment: "more detail" });
        yield p("claim.approved", 45, { claimId, approvedOn: day(base, start + 45) });
      }
      for (let m = 0; m < 8; m++) {
        const month = day(base, start + 30 * m).slice(0, 7);
        yield p("usage.reported", 30 * m + 1, { month, mau: 50 * m + Math.floor(r() * 50), pau: 1000 });
      }
    }
  }
}
