// `npm start`: the tracker on embedded defaults. Emulators start in-process (Cosmos) and as a child
// (Azurite) unless COSMOS_ENDPOINT/COSMOS_KEY and STORAGE_CONNECTION_STRING name real services.
import { startLocalTracker } from "./local-tracker.ts";

const tracker = await startLocalTracker({ port: Number(process.env.PORT ?? 7071) });
const sample = JSON.stringify({
  specversion: "1.0",
  id: "evt-1001",
  source: "crm://dev",
  type: "tenant.profiled",
  time: new Date().toISOString(),
  partnerid: tracker.partnerId,
  tenantid: "6f1c2a9e-3c4b-4f1e-9a51-2b7c0d9e8f10",
  data: { customerName: "Contoso", segment: "commercial", publicSector: false, country: "US" },
});
console.log(`
Engagement lifecycle tracker is running at ${tracker.url}/api
  Cosmos DB:  ${tracker.usingEmulators.cosmos ? "local emulator (in memory)" : "COSMOS_ENDPOINT"}
  Blob:       ${tracker.usingEmulators.blob ? "Azurite (in memory)" : "STORAGE_CONNECTION_STRING"}
  partner id:      ${tracker.partnerId}        (DEV_PARTNER_ID)
  webhook secret:  ${tracker.webhookSecret}   (DEV_WEBHOOK_SECRET)
  API key:         ${tracker.apiKey}   (DEV_API_KEY)

Post an event (signed per Standard Webhooks):
  body='${sample}'
  id=msg_$RANDOM; ts=$(date +%s)
  sig=$(printf '%s' "$id.$ts.$body" | openssl dgst -sha256 -mac HMAC -macopt hexkey:$(printf '%s' '${tracker.webhookSecret.replace(/^whsec_/, "")}' | base64 -d | xxd -p -c 256) -binary | base64)
  curl -s -X POST ${tracker.url}/api/events -H 'content-type: application/cloudevents+json' \\
    -H "webhook-id: $id" -H "webhook-timestamp: $ts" -H "webhook-signature: v1,$sig" -d "$body"
Read your pairs:
  curl -s ${tracker.url}/api/pairs -H 'x-api-key: ${tracker.apiKey}'
Load the shared scenarios:  TRACKER_URL=${tracker.url} DEV_WEBHOOK_SECRET='${tracker.webhookSecret}' DEV_API_KEY='${tracker.apiKey}' npm run demo
`);

const shutdown = async () => {
  await tracker.stop();
  process.exit(0);
};
process.once("SIGINT", shutdown);
process.once("SIGTERM", shutdown);
