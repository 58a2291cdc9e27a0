// The inbound contract (EVENTS.md): bad input is refused whole with every failing field named by its
// JSON path; unknown extra fields and extension attributes are kept. WKL-4 lives here too.
import { describe, expect, it } from "vitest";
import { validateEvent } from "../../domain/events.ts";
import { deploymentStarted, rawEvent, TENANT } from "./given.ts";

const deployment = (options: Record<string, unknown> = {}) =>
  rawEvent("deployment.started", "pair", { activities: ["configuration"], delivery: "remote" }, options);

function errorsOf(input: unknown) {
  const v = validateEvent(input);
  if (v.ok) throw new Error("expected the event to be refused");
  return v.errors;
}
const pathsOf = (input: unknown) => errorsOf(input).map((e) => e.path);

describe("event validation", () => {
  it("accepts the EVENTS.md example as is", () => {
    const example = {
      specversion: "1.0",
      id: "evt-1001",
      source: "crm://dynamics365/contoso",
      type: "deployment.started",
      time: "2025-03-03T09:00:00Z",
      partnerid: "4811223",
      tenantid: "6f1c2a9e-3c4b-4f1e-9a51-2b7c0d9e8f10",
      workload: "defender-endpoint",
      data: {
        activities: ["configuration", "policy-customization"],
        delivery: "remote",
        plannedStart: "2025-03-03",
        plannedEnd: "2025-04-11",
        usersInScope: 1200,
      },
    };
    const v = validateEvent(example);
    expect(v.ok).toBe(true);
    if (v.ok) expect(v.event).toEqual(example);
  });

  it("refuses an unknown type, naming $.type", () => {
    const errors = errorsOf({ ...deployment(), type: "deployment.exploded" });
    expect(errors.map((e) => e.path)).toEqual(["$.type"]);
    expect(errors[0]!.message).toContain("deployment.exploded");
  });

  it("WKL-4: refuses an unknown workload at the door, naming $.workload", () => {
    const errors = errorsOf(deployment({ workload: "defender-toaster" }));
    expect(errors.map((e) => e.path)).toEqual(["$.workload"]);
    expect(errors[0]!.message).toMatch(/workload/i);
  });

  it("WKL-4: an unknown workload inside data lists is refused with its index in the path", () => {
    const ack = rawEvent("acknowledgement.recorded", "pair", {
      signedOn: "2025-02-20",
      signer: { name: "Dana" },
      format: "e-signature",
      workloads: ["defender-endpoint", "not-a-workload"],
    });
    expect(pathsOf(ack)).toEqual(["$.data.workloads[1]"]);
    const doc = rawEvent("poe.document.attached", "pair", {
      documentId: "d1",
      kind: "sow",
      fileName: "sow.pdf",
      contentType: "application/pdf",
      size: 1,
      sha256: "b".repeat(64),
      workloadsMentioned: ["nope"],
    });
    expect(pathsOf(doc)).toEqual(["$.data.workloadsMentioned[0]"]);
  });

  it("WKL-4: every workload of WKL-1..3 is known (retired ones too, so their history can be judged)", () => {
    for (const workload of [
      "defender-endpoint",
      "purview-insider-risk",
      "copilot-m365",
      "sentinel",
      "teams-phone",
      "teams-frontline",
    ])
      expect(validateEvent(deployment({ workload })).ok).toBe(true);
  });

  it("refuses malformed calendar dates in data (2025-02-30), naming the field", () => {
    expect(pathsOf(deployment({ plannedEnd: "2025-02-30" }))).toEqual(["$.data.plannedEnd"]);
    expect(pathsOf(deployment({ plannedStart: "03/03/2025" }))).toEqual(["$.data.plannedStart"]);
  });

  it("refuses a malformed or offset-less time, naming $.time", () => {
    expect(pathsOf(deployment({ time: "2025-02-30T09:00:00Z" }))).toEqual(["$.time"]);
    expect(pathsOf(deployment({ time: "2025-03-03T09:00:00" }))).toEqual(["$.time"]);
    expect(pathsOf(deployment({ time: "yesterday" }))).toEqual(["$.time"]);
  });

  it("accepts a time with an offset or fractional seconds", () => {
    expect(validateEvent(deployment({ time: "2025-03-03T09:00:00+02:00" })).ok).toBe(true);
    expect(validateEvent(deployment({ time: "2025-03-03T09:00:00.123Z" })).ok).toBe(true);
  });

  it("refuses a malformed tenant id, naming $.tenantid", () => {
    expect(pathsOf(deployment({ tenant: "contoso.onmicrosoft.com" }))).toEqual(["$.tenantid"]);
    expect(pathsOf(deployment({ tenant: `${TENANT}0` }))).toEqual(["$.tenantid"]);
  });

  it("refuses a malformed partner id, naming $.partnerid", () => {
    expect(pathsOf(deployment({ partner: "P-4811223" }))).toEqual(["$.partnerid"]);
  });

  it("refuses missing required envelope attributes, each named", () => {
    const { id: _id, source: _source, specversion: _sv, ...rest } = deployment();
    expect(pathsOf(rest).sort()).toEqual(["$.id", "$.source", "$.specversion"]);
    const { tenantid: _t, workload: _w, ...noPair } = deployment();
    expect(pathsOf(noPair).sort()).toEqual(["$.tenantid", "$.workload"]);
    const { data: _d, ...noData } = deployment();
    expect(pathsOf(noData)).toEqual(["$.data"]);
  });

  it("refuses missing and invalid data fields, naming every one of them", () => {
    const event = rawEvent("adoption.activity.logged", "pair", { kind: "health-check", durationDays: -1 });
    expect(pathsOf(event).sort()).toEqual([
      "$.data.audience",
      "$.data.delivery",
      "$.data.durationDays",
      "$.data.handsOn",
    ]);
    expect(pathsOf(deployment({ activities: [] }))).toEqual(["$.data.activities"]);
    expect(pathsOf(rawEvent("claim.submitted", "pair", { claimType: "usage-incentive" })).sort()).toEqual([
      "$.data.claimId",
      "$.data.submittedOn",
    ]);
  });

  it("refuses a tenant event carrying a workload (it would land in the wrong stream)", () => {
    const profile = rawEvent("tenant.profiled", "tenant", {
      customerName: "Contoso",
      segment: "commercial",
      publicSector: false,
      country: "GB",
    });
    expect(validateEvent(profile).ok).toBe(true);
    expect(pathsOf({ ...profile, workload: "defender-endpoint" })).toEqual(["$.workload"]);
    expect(
      pathsOf({ ...profile, data: { ...(profile.data as object), segment: "government-moon" } }),
    ).toEqual(["$.data.segment"]);
  });

  it("keeps unknown extra fields in data and extension attributes on the envelope", () => {
    const event = deployment({
      extensions: {
        traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        crmtenant: "emea",
      },
      crmOpportunityId: "OPP-42",
      nested: { kept: [1, 2] },
    });
    const v = validateEvent(event);
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    const kept = v.event as unknown as Record<string, unknown> & { data: Record<string, unknown> };
    expect(kept.traceparent).toBe("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    expect(kept.crmtenant).toBe("emea");
    expect(kept.data.crmOpportunityId).toBe("OPP-42");
    expect(kept.data.nested).toEqual({ kept: [1, 2] });
    // Validation never transforms: the validated event is the event as sent.
    expect(v.event).toEqual(event);
  });

  it("keeps unknown fields in nested data objects too (the acknowledgement's signer)", () => {
    const ack = rawEvent("acknowledgement.recorded", "pair", {
      signedOn: "2025-02-20",
      signer: { name: "Dana", department: "Security" },
      format: "email",
      workloads: ["defender-endpoint"],
    });
    const v = validateEvent(ack);
    expect(v.ok && (v.event.data as { signer: Record<string, unknown> }).signer.department).toBe("Security");
  });

  it("the test builders only produce valid events", () => {
    expect(validateEvent(deploymentStarted()).ok).toBe(true);
  });
});
