// Issue 15, end to end: each CRM's documented delivery format (fixtures/), posted over real HTTP to the
// dev host with the CRM's own authentication, derives the same pair state as the same facts posted as
// CloudEvents; redeliveries as each CRM makes them store each event once; refusals name the CRM field.
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signWebhook } from "../../application/webhook-signature.ts";
import { type LocalTracker, startLocalTracker } from "../../infra/devhost/local-tracker.ts";
import { TrackerClient } from "../../scripts/tracker-client.ts";

const FIXTURES = join(import.meta.dirname, "fixtures");
const fixture = (name: string) => readFileSync(join(FIXTURES, name), "utf8");
const PARTNER = "4811223";
const TWIN = "5900001";
const TWIN_SECRET = "whsec_dHdpbi1zZWNyZXQtdHdpbi1zZWNyZXQ=";
const WORKLOAD = "defender-endpoint";
const AS_OF = "2025-06-30T00:00:00Z";
const DV_TENANT = "1b2c3d4e-0000-4000-8000-00000000d001";
const HS_TENANT = "1b2c3d4e-0000-4000-8000-00000000b001";
const SF_TENANT = "1b2c3d4e-0000-4000-8000-000000005001";
const SF_ORG = "00D5e000000KQ2eEAG";
const HS_SECRET = "hs-app-secret-0000-1111";

let tracker: LocalTracker;
let twin: TrackerClient;

beforeAll(async () => {
  tracker = await startLocalTracker({
    partnerId: PARTNER,
    apiKey: "partner-key",
    access: {
      sources: [
        { name: "twin-crm", partnerId: TWIN, secrets: [TWIN_SECRET] },
        {
          name: "contoso-dataverse",
          partnerId: PARTNER,
          format: "dataverse",
          auth: { mode: "http-header", header: "X-Tracker-Key" },
          secrets: ["dv-secret-rotated-out-0001", "dv-secret-current-0002"],
        },
        {
          name: "contoso-opportunities",
          partnerId: PARTNER,
          format: "dataverse",
          auth: { mode: "query-code" },
          secrets: ["opp-code-000000000001"],
          mapping: JSON.parse(fixture("dataverse/opportunity-mapping.json")),
        },
        {
          name: "contoso-hubspot",
          partnerId: PARTNER,
          format: "hubspot",
          auth: { mode: "hubspot-v3" },
          secrets: [HS_SECRET],
        },
        {
          name: "contoso-salesforce",
          partnerId: PARTNER,
          format: "salesforce-outbound",
          auth: { mode: "salesforce-org", organizationId: SF_ORG },
          secrets: ["sf-code-0000000000001"],
        },
      ],
      apiKeys: [{ partnerId: TWIN, key: "twin-key" }],
    },
    enableTimers: false,
    quiet: true,
  });
  twin = new TrackerClient({ url: tracker.url, webhookSecret: TWIN_SECRET, apiKey: "twin-key" });
});
afterAll(async () => {
  await tracker?.stop();
});

interface Sent {
  status: number;
  type: string;
  // biome-ignore lint/suspicious/noExplicitAny: JSON from the wire
  body: any;
  text: string;
}

async function deliver(
  source: string,
  body: string,
  opts: { headers?: Record<string, string>; query?: string; contentType?: string } = {},
): Promise<Sent> {
  const response = await fetch(`${tracker.url}/api/sources/${source}/deliveries${opts.query ?? ""}`, {
    method: "POST",
    headers: { "content-type": opts.contentType ?? "application/json", ...opts.headers },
    body,
  });
  const text = await response.text();
  const type = response.headers.get("content-type") ?? "";
  return { status: response.status, type, text, body: type.includes("json") ? JSON.parse(text) : undefined };
}

async function pair(tenant: string, apiKey = "partner-key") {
  const response = await fetch(`${tracker.url}/api/pairs/${tenant}/${WORKLOAD}?asOf=${AS_OF}`, {
    headers: { "x-api-key": apiKey },
  });
  // biome-ignore lint/suspicious/noExplicitAny: JSON from the wire
  const body: any = response.status === 200 ? await response.json() : undefined;
  return { status: response.status, body };
}

/** The twin partner posts the same facts as CloudEvents; both pairs must derive the same state. */
async function expectSameStateAsCloudEvents(tenant: string, twinFile: string) {
  const facts = JSON.parse(fixture(twinFile)).map((e: Record<string, unknown>) => ({
    ...e,
    partnerid: TWIN,
  }));
  const posted = await twin.post(facts);
  expect([201, 202]).toContain(posted.status);
  const [mine, theirs] = [await pair(tenant), await pair(tenant, "twin-key")];
  expect(mine.status).toBe(200);
  expect(theirs.status).toBe(200);
  // Events and references to them name (source, id) and the partner, which differ by construction.
  const anonymous = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(anonymous);
    if (value === null || typeof value !== "object") return value;
    const entries = Object.entries(value).filter(
      ([k]) => k !== "partnerid" && (!(k === "id" || k === "source") || !("source" in value)),
    );
    return Object.fromEntries(entries.map(([k, v]) => [k, anonymous(v)]));
  };
  const strip = ({ timeline, partnerId: _partner, ...state }: Record<string, unknown>) => ({
    state: anonymous(state),
    timeline: anonymous(timeline),
  });
  expect(strip(mine.body)).toEqual(strip(theirs.body));
  expect(mine.body.timeline).toHaveLength(facts.length);
  return mine.body;
}

describe("Dynamics 365 / Dataverse", () => {
  const rows = ["create-tenant-profiled", "create-adoption-activity", "create-acknowledgement"].map((n) =>
    fixture(`dataverse/${n}.json`),
  );
  const key = { "x-tracker-key": "dv-secret-current-0002" };

  it("refuses a missing or wrong HttpHeader secret with 401 and stores nothing", async () => {
    const missing = await deliver("contoso-dataverse", rows[1]!);
    expect(missing.status).toBe(401);
    expect(missing.body.reason).toBe("missing-secret");
    const wrong = await deliver("contoso-dataverse", rows[1]!, {
      headers: { "x-tracker-key": "dv-secret-guess-0003" },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.reason).toBe("bad-secret");
    const noCode = await deliver(
      "contoso-opportunities",
      fixture("dataverse/opportunity-stage-develop.json"),
      {
        query: "?code=opp-code-000000000002",
      },
    );
    expect(noCode.status).toBe(401);
    expect((await pair(DV_TENANT)).status).toBe(404);
  });

  it("maps each tracker_engagementevent row with no mapping written; Dataverse's retry is a duplicate", async () => {
    for (const row of rows) {
      const first = await deliver("contoso-dataverse", row, { headers: key });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ accepted: 1, duplicates: 0, refused: [] });
    }
    // A rotated-out secret still works during rotation; the retry posts the same context again.
    const retry = await deliver("contoso-dataverse", rows[2]!, {
      headers: { "x-tracker-key": "dv-secret-rotated-out-0001" },
    });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ accepted: 0, duplicates: 1 });
  });

  it("maps an opportunity's stage changes (Update, post-image) by the declared mapping, out of order and retried", async () => {
    const code = { query: "?code=opp-code-000000000001" };
    const close = fixture("dataverse/opportunity-stage-close.json");
    const develop = fixture("dataverse/opportunity-stage-develop.json");
    expect((await deliver("contoso-opportunities", close, code)).body).toMatchObject({ accepted: 1 });
    expect((await deliver("contoso-opportunities", develop, code)).body).toMatchObject({ accepted: 1 });
    const retried = await Promise.all([
      deliver("contoso-opportunities", develop, code),
      deliver("contoso-opportunities", close, code),
    ]);
    for (const r of retried) expect(r.body).toMatchObject({ accepted: 0, duplicates: 1 });
  });

  it("derives the same state as the same facts posted as CloudEvents", async () => {
    const state = await expectSameStateAsCloudEvents(DV_TENANT, "dataverse/cloudevents.json");
    expect(state.stage).toBe("adoption");
  });

  it("refuses a row that makes no valid event with 400 naming the Dataverse attribute, storing nothing", async () => {
    const bad = await deliver("contoso-dataverse", fixture("dataverse/create-missing-delivery.json"), {
      headers: key,
    });
    expect(bad.status).toBe(400);
    expect(bad.type).toContain("application/problem+json");
    expect(bad.body.errors).toContainEqual(
      expect.objectContaining({ path: "$.InputParameters.Target.tracker_data.delivery" }),
    );
    expect((await pair("1b2c3d4e-0000-4000-8000-00000000d0ff")).status).toBe(404);

    const otherTable = JSON.parse(rows[1]!);
    otherTable.PrimaryEntityName = "account";
    const wrong = await deliver("contoso-dataverse", JSON.stringify(otherTable), { headers: key });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors).toEqual([expect.objectContaining({ path: "$.PrimaryEntityName" })]);
  });
});

describe("HubSpot", () => {
  const batch = fixture("hubspot/subscription-batch.json");
  const url = () => `${tracker.url}/api/sources/contoso-hubspot/deliveries`;
  const signed = (body: string, opts: { at?: number; secret?: string } = {}) => {
    const timestamp = String(opts.at ?? Date.now());
    // As HubSpot documents it: base64 HMAC-SHA256 of method + URI + body + timestamp, keyed by the app secret.
    const signature = createHmac("sha256", opts.secret ?? HS_SECRET)
      .update(`POST${url()}${body}${timestamp}`)
      .digest("base64");
    return { "x-hubspot-signature-v3": signature, "x-hubspot-request-timestamp": timestamp };
  };

  it("refuses a missing, stale or wrong X-HubSpot-Signature-v3 with 401 and stores nothing", async () => {
    expect((await deliver("contoso-hubspot", batch)).body.reason).toBe("missing-headers");
    const stale = await deliver("contoso-hubspot", batch, {
      headers: signed(batch, { at: Date.now() - 6 * 60_000 }),
    });
    expect([stale.status, stale.body.reason]).toEqual([401, "stale-timestamp"]);
    const wrong = await deliver("contoso-hubspot", batch, {
      headers: signed(batch, { secret: "not-the-app-secret" }),
    });
    expect([wrong.status, wrong.body.reason]).toEqual([401, "bad-signature"]);
    const tampered = await deliver("contoso-hubspot", batch.replace("45", "46"), { headers: signed(batch) });
    expect(tampered.status).toBe(401);
    expect((await pair(HS_TENANT)).status).toBe(404);
  });

  it("stores the valid events of a subscription batch, answers 200 and lists the refused one by CRM field", async () => {
    const first = await deliver("contoso-hubspot", batch, { headers: signed(batch) });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ accepted: 3, duplicates: 0 });
    expect(first.body.refused).toEqual([
      { record: "$[3]", errors: [expect.objectContaining({ path: "$[3].propertyValue.data.activities" })] },
    ]);
  });

  it("refuses a property whose JSON text JSON.parse would read inexactly (a duplicate key), storing nothing", async () => {
    const [first] = JSON.parse(batch) as { objectId: number; propertyValue: string }[];
    const duplicated = first!.propertyValue.replace('"type":', '"type":"claim.submitted","type":');
    const body = JSON.stringify([{ ...first, objectId: 99_000_001, propertyValue: duplicated }]);
    const answer = await deliver("contoso-hubspot", body, { headers: signed(body) });
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].path).toMatch(/^\$\[0\]\.propertyValue/);
  });

  it("HubSpot's retries (new attemptNumber and eventId, another order) store each event once", async () => {
    const retry = (JSON.parse(batch) as Record<string, number>[])
      .map((e, i) => ({ ...e, attemptNumber: 1, eventId: 9_000_000 + i }))
      .reverse();
    const body = JSON.stringify(retry);
    const again = await deliver("contoso-hubspot", body, { headers: signed(body) });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 3 });
    expect(again.body.refused.map((r: { record: string }) => r.record)).toEqual(["$[0]"]);
  });

  it("maps a workflow's webhook action posting the record's properties; its retry is a duplicate", async () => {
    const body = fixture("hubspot/workflow-webhook.json");
    expect((await deliver("contoso-hubspot", body, { headers: signed(body) })).body).toMatchObject({
      accepted: 1,
    });
    expect((await deliver("contoso-hubspot", body, { headers: signed(body) })).body).toMatchObject({
      duplicates: 1,
    });
  });

  it("derives the same state as the same facts posted as CloudEvents", async () => {
    const state = await expectSameStateAsCloudEvents(HS_TENANT, "hubspot/cloudevents.json");
    expect(state.stage).toBe("deployment");
  });
});

describe("Salesforce outbound messages", () => {
  const message = fixture("salesforce/outbound-message.xml");
  const code = { query: "?code=sf-code-0000000000001", contentType: "text/xml; charset=utf-8" };

  it("refuses a missing or wrong ?code= and a foreign organization with 401, storing nothing", async () => {
    const none = await deliver("contoso-salesforce", message, { contentType: "text/xml" });
    expect([none.status, none.body.reason]).toEqual([401, "missing-secret"]);
    const wrong = await deliver("contoso-salesforce", message, {
      ...code,
      query: "?code=sf-code-0000000000002",
    });
    expect([wrong.status, wrong.body.reason]).toEqual([401, "bad-secret"]);
    const foreign = await deliver("contoso-salesforce", message.replace(SF_ORG, "00D5e000000ZZ9zEAG"), code);
    expect([foreign.status, foreign.body.reason]).toEqual([401, "wrong-organization"]);
    expect((await pair(SF_TENANT)).status).toBe(404);
  });

  it("acknowledges a message, storing its valid notifications and naming the refused one", async () => {
    const sent = await deliver("contoso-salesforce", message, code);
    expect(sent.status).toBe(200);
    expect(sent.type).toMatch(/^text\/xml/);
    expect(sent.text).toMatch(
      /<notificationsResponse xmlns="http:\/\/soap.sforce.com\/2005\/09\/outbound">\s*<Ack>true<\/Ack>/,
    );
    expect(sent.text).toContain("$.notifications.Notification[2].sObject.Data__c");
    expect((await pair(SF_TENANT)).body.timeline).toHaveLength(3); // the tenant's profile and two pair events
  });

  it("Salesforce's retries and later messages, out of order, store each notification once", async () => {
    const retry = await deliver("contoso-salesforce", message, code);
    expect(retry.text).toContain("<Ack>true</Ack>");
    const later = await deliver("contoso-salesforce", fixture("salesforce/outbound-message-later.xml"), code);
    expect(later.text).toContain("<Ack>true</Ack>");
    expect((await pair(SF_TENANT)).body.timeline).toHaveLength(4);
  });

  it("refuses a single unmappable notification with 400, storing nothing", async () => {
    const single = await deliver(
      "contoso-salesforce",
      fixture("salesforce/outbound-single-unmappable.xml"),
      code,
    );
    expect(single.status).toBe(400);
    expect(single.body.errors).toEqual([
      expect.objectContaining({ path: "$.notifications.Notification[0].sObject.Data__c.delivery" }),
    ]);
    expect((await pair(SF_TENANT)).body.timeline).toHaveLength(4);
  });

  it("derives the same state as the same facts posted as CloudEvents", async () => {
    await expectSameStateAsCloudEvents(SF_TENANT, "salesforce/cloudevents.json");
  });
});

describe("GET /api/sources", () => {
  it("lists the caller's sources with delivery counts and the refusal log, and only the caller's", async () => {
    const response = await fetch(`${tracker.url}/api/sources`, { headers: { "x-api-key": "partner-key" } });
    expect(response.status).toBe(200);
    // biome-ignore lint/suspicious/noExplicitAny: JSON from the wire
    const { sources } = (await response.json()) as { sources: Record<string, any>[] };
    const byName = Object.fromEntries(sources.map((s) => [s.name, s]));
    expect(Object.keys(byName).sort()).toEqual([
      "contoso-dataverse",
      "contoso-hubspot",
      "contoso-opportunities",
      "contoso-salesforce",
      "dev-crm",
    ]);
    expect(byName["contoso-hubspot"]!.activity).toMatchObject({
      delivered: 4,
      duplicates: 4,
      refused: 3, // the batch's refused record twice (delivery and retry), the inexact JSON text once
      unauthorized: 4,
    });
    expect(byName["contoso-hubspot"]!.refusalLog.count).toBe(2); // the batch's record logged once, and the inexact one
    expect(byName["contoso-salesforce"]!.activity).toMatchObject({ delivered: 4, duplicates: 6, refused: 3 });
    expect(byName["contoso-salesforce"]!.refusalLog.count).toBe(2);
    expect(byName["contoso-dataverse"]!.refusalLog.newest[0].errors[0].path).toBe("$.PrimaryEntityName");
    expect(JSON.stringify(sources)).not.toContain("dv-secret");
    const unauthenticated = await fetch(`${tracker.url}/api/sources`);
    expect(unauthenticated.status).toBe(401);
  });
});

describe("CloudEvents sources", () => {
  const event = {
    specversion: "1.0",
    id: "ce-route-1",
    source: "crm://dev",
    type: "guidance.session.logged",
    time: "2025-03-05T10:00:00Z",
    partnerid: PARTNER,
    tenantid: "1b2c3d4e-0000-4000-8000-0000000ce001",
    workload: WORKLOAD,
    data: { minutes: 30, topic: "kick-off" },
  };

  it("post signed per Standard Webhooks over the raw bytes to their own route as well", async () => {
    const body = JSON.stringify(event);
    const headers = signWebhook({ id: "msg_1", timestamp: new Date(), body, secret: tracker.webhookSecret });
    const ok = await deliver("dev-crm", body, { headers });
    expect([ok.status, ok.body.accepted]).toEqual([200, 1]);
    const again = await deliver("dev-crm", body, { headers });
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 1 });
    const forged = await deliver("dev-crm", body.replace("kick-off", "kick-off!"), { headers });
    expect([forged.status, forged.body.reason]).toEqual([401, "bad-signature"]);
  });

  it("refuse, as POST /api/events does, what JSON.parse would lose: a duplicate key is 400 naming it", async () => {
    const body = JSON.stringify({ ...event, id: "ce-route-dup" }).replace(
      '"minutes":30',
      '"minutes":30,"minutes":90',
    );
    const headers = signWebhook({
      id: "msg_dup",
      timestamp: new Date(),
      body,
      secret: tracker.webhookSecret,
    });
    const answer = await deliver("dev-crm", body, { headers });
    expect([answer.status, answer.body.errors[0].path]).toEqual([400, "$.data.minutes"]);
  });

  it("POST /api/events takes no secret of a source in another format or mode", async () => {
    const client = new TrackerClient({
      url: tracker.url,
      webhookSecret: "dv-secret-current-0002",
      apiKey: "partner-key",
    });
    const answer = await client.post({ ...event, id: "ce-route-2" });
    expect(answer.status).toBe(401);
  });
});

describe("hostile deliveries", () => {
  const key = { "x-tracker-key": "dv-secret-current-0002" };
  const code = { query: "?code=sf-code-0000000000001", contentType: "text/xml" };

  it("answers 400, never 500, to bodies that are not the CRM's format", async () => {
    const deep = `{"MessageName":"Create","SharedVariables":[{"key":"x","value":${"[".repeat(200_000)}${"]".repeat(200_000)}}]}`;
    for (const body of ["not json", "[1,2]", deep]) {
      const answer = await deliver("contoso-dataverse", body, { headers: key });
      expect(answer.status).toBe(400);
    }
    for (const body of ["<notifications>", "<a/>", "{}"]) {
      expect((await deliver("contoso-salesforce", body, code)).status).toBe(400);
    }
    const message = fixture("salesforce/outbound-message.xml");
    const one = message.slice(message.indexOf("<Notification>"), message.indexOf("</Notification>") + 15);
    const tooMany = message.replace(one, one.repeat(101));
    const answer = await deliver("contoso-salesforce", tooMany, code);
    expect([answer.status, answer.body.errors[0].path]).toEqual([400, "$.notifications.Notification"]);
  });

  it("refuses a CRM body JSON.parse would read inexactly (a duplicate key), naming where, storing nothing", async () => {
    const row = fixture("dataverse/create-adoption-activity.json").replace(
      '"MessageName"',
      '"MessageName": "Update", "MessageName"',
    );
    const answer = await deliver("contoso-dataverse", row, { headers: key });
    expect([answer.status, answer.body.errors[0].path]).toEqual([400, "$.MessageName"]);
    expect((await pair(DV_TENANT)).body.timeline).toHaveLength(5);
  });

  it("refuses a record beyond the event limits, naming the CRM field, and stores nothing of it", async () => {
    const row = JSON.parse(fixture("dataverse/create-adoption-activity.json"));
    const attributes = row.InputParameters[0].value.Attributes as { key: string; value: unknown }[];
    const data = attributes.find((a) => a.key === "tracker_data")!;
    data.value = JSON.stringify({ ...JSON.parse(data.value as string), note: "x".repeat(20_000) });
    row.PrimaryEntityId = "5f0e2a31-7c44-4f0a-9d1e-2b6a7c8d9eff";
    const answer = await deliver("contoso-dataverse", JSON.stringify(row), { headers: key });
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].path).toBe("$.InputParameters.Target.tracker_data.note");
    expect((await pair(DV_TENANT)).body.timeline).toHaveLength(5);
  });
});
