import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { authenticate, checkOrganization, type DeliveryRequest } from "../../application/sources/auth.ts";
import { parseSources } from "../../application/sources/config.ts";

const [hubspot, salesforce] = parseSources([
  {
    name: "hs",
    partnerId: "1",
    format: "hubspot",
    auth: { mode: "hubspot-v3" },
    secrets: ["old-app-secret", "new-app-secret"],
  },
  {
    name: "sf",
    partnerId: "1",
    format: "salesforce-outbound",
    auth: { mode: "salesforce-org", organizationId: "00D5e000000KQ2eEAG" },
    secrets: ["sf-code-0000000001"],
  },
]);
const now = new Date("2026-01-01T00:00:00Z");

function hubSpotRequest(url: string, signedUrl: string, secret: string): DeliveryRequest {
  const body = '[{"objectId":1}]';
  const timestamp = String(now.getTime());
  const signature = createHmac("sha256", secret)
    .update(`POST${signedUrl}${body}${timestamp}`)
    .digest("base64");
  const headers = new Headers({
    "x-hubspot-signature-v3": signature,
    "x-hubspot-request-timestamp": timestamp,
  });
  return { method: "POST", url, headers, body: new TextEncoder().encode(body) };
}

describe("hubspot-v3", () => {
  it("accepts any configured secret (rotation) and decodes the escapes HubSpot decodes before signing", () => {
    const url = "https://app.example/api/sources/hs/deliveries?portal=a%3Ab%2Fc";
    const decoded = "https://app.example/api/sources/hs/deliveries?portal=a:b/c";
    expect(authenticate(hubspot!, hubSpotRequest(url, decoded, "old-app-secret"), now)).toEqual({ ok: true });
    expect(authenticate(hubspot!, hubSpotRequest(url, decoded, "new-app-secret"), now)).toEqual({ ok: true });
    expect(authenticate(hubspot!, hubSpotRequest(url, url, "new-app-secret"), now)).toMatchObject({
      ok: false,
      reason: "bad-signature",
    });
  });

  it("refuses a timestamp more than 5 minutes away, either way", () => {
    const request = hubSpotRequest("https://a.example/x", "https://a.example/x", "new-app-secret");
    const later = new Date(now.getTime() + 5 * 60_000 + 1);
    const earlier = new Date(now.getTime() - 5 * 60_000 - 1);
    expect(authenticate(hubspot!, request, later)).toMatchObject({ reason: "stale-timestamp" });
    expect(authenticate(hubspot!, request, earlier)).toMatchObject({ reason: "stale-timestamp" });
  });
});

describe("salesforce-org", () => {
  it("wants ?code= and the organization of the source (15 or 18 characters)", () => {
    const request = (url: string): DeliveryRequest => ({
      method: "POST",
      url,
      headers: new Headers(),
      body: new Uint8Array(),
    });
    expect(authenticate(salesforce!, request("https://a.example/x?code=sf-code-0000000001"), now)).toEqual({
      ok: true,
    });
    expect(
      authenticate(salesforce!, request("https://a.example/x?code=sf-code-0000000002"), now),
    ).toMatchObject({ reason: "bad-secret" });
    expect(checkOrganization(salesforce!, "00D5e000000KQ2eEAG")).toEqual({ ok: true });
    expect(checkOrganization(salesforce!, "00D5e000000KQ2e")).toEqual({ ok: true });
    expect(checkOrganization(salesforce!, "00D5e000000KQ2f")).toMatchObject({ reason: "wrong-organization" });
    expect(checkOrganization(salesforce!, undefined)).toMatchObject({ reason: "wrong-organization" });
  });
});
