// `npm start`: the tracker on embedded defaults. Emulators start in-process (Cosmos) and as a child
// (Azurite) unless COSMOS_ENDPOINT/COSMOS_KEY and STORAGE_CONNECTION_STRING name real services. Their data
// lives in the data folder (.tracker/ or TRACKER_DATA_DIR); `npm start -- --fresh` starts it empty.
import { createServer } from "node:net";
import { join } from "node:path";
import {
  blobFolder,
  clearData,
  DataFolderInUse,
  dataFolderFromEnv,
  freshRequested,
  lockDataFolder,
} from "./data-folder.ts";

const port = Number(process.env.PORT ?? 7071);
const dataDir = dataFolderFromEnv();
const fresh = freshRequested(process.argv.slice(2));

function fail(line: string): never {
  console.error(line);
  process.exit(2);
}

// Fail before loading anything when the port is taken: one line, not a stack.
await new Promise<void>((resolve) => {
  const probe = createServer();
  probe.once("error", (error: NodeJS.ErrnoException) =>
    fail(
      error.code === "EADDRINUSE"
        ? `Port ${port} is already in use (another npm start?); set PORT to use another.`
        : `Cannot listen on port ${port}: ${error.message}`,
    ),
  );
  probe.listen(port, "127.0.0.1", () => probe.close(() => resolve()));
});

try {
  lockDataFolder(dataDir);
} catch (error) {
  if (error instanceof DataFolderInUse) fail(`${error.message}; stop it first or set TRACKER_DATA_DIR.`);
  throw error;
}

// The emulators start now, on their own data, while the application's modules load below.
if (fresh) clearData(dataDir);
const { startCosmosEmulator } = await import("../emulators/cosmos.ts");
const { startAzurite } = await import("../emulators/azurite.ts");
const emulators = {
  // As cosmosFromEnv decides: an endpoint without a key is real Cosmos reached with Entra ID.
  ...(process.env.COSMOS_ENDPOINT ? {} : { cosmos: startCosmosEmulator({ dataDir }) }),
  ...(process.env.STORAGE_CONNECTION_STRING
    ? {}
    : { azurite: startAzurite({ location: blobFolder(dataDir) }) }),
};
emulators.cosmos?.catch(() => {});
emulators.azurite?.catch(() => {});

// The @azure/functions package says it is not inside the Azure host ("test mode"), once per function;
// here that is the point, so those lines are dropped while the functions load.
const { log, warn, debug } = console;
const packageNoise =
  /^(WARNING: Skipping call to|WARNING: Failed to detect the Azure Functions runtime|HTTP streaming enabled)/;
const quiet =
  (print: (...args: unknown[]) => void) =>
  (...args: unknown[]) => {
    if (typeof args[0] !== "string" || !packageNoise.test(args[0])) print(...args);
  };
console.log = quiet(log);
console.warn = quiet(warn);
console.debug = quiet(debug);
const { startLocalTracker } = await import("./local-tracker.ts");
console.log = log;
console.warn = warn;
console.debug = debug;

const tracker = await startLocalTracker({ port, dataDir, emulators }).catch(
  (error: NodeJS.ErrnoException) => {
    if (error instanceof DataFolderInUse) fail(`${error.message}; stop it first or set TRACKER_DATA_DIR.`);
    if (error.code === "EADDRINUSE")
      fail(`Port ${port} is already in use (another npm start?); set PORT to use another.`);
    throw error;
  },
);
// From the process's own start (performance.now() counts from it), module loading included.
const seconds = (performance.now() / 1000).toFixed(1);

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
const others = tracker.partners.filter((p) => p !== tracker.partnerId);
console.log(`
Engagement lifecycle tracker is running at ${tracker.url}/api   (started in ${seconds} s)
  data folder:  ${dataDir}${fresh ? "   (--fresh: started empty)" : ""}
  Cosmos DB:    ${tracker.usingEmulators.cosmos ? `emulator at ${tracker.cosmos.endpoint}, ${tracker.loadedDocuments} documents loaded from cosmos.journal` : `${tracker.cosmos.endpoint} (COSMOS_ENDPOINT)`}
  Blob:         ${tracker.usingEmulators.blob ? `Azurite at ${tracker.blobConnectionString.match(/BlobEndpoint=([^;]+)/)?.[1]}, blobs in ${join(dataDir, "blobs")}` : "STORAGE_CONNECTION_STRING"}
  partner id:      ${tracker.partnerId}        (DEV_PARTNER_ID)
  webhook secret:  ${tracker.webhookSecret}   (DEV_WEBHOOK_SECRET)
  API key:         ${tracker.apiKey}   (DEV_API_KEY)
  kept in ${join(dataDir, "identity.json")}${others.length ? `\n  also configured (TRACKER_SOURCES): ${others.join(", ")}` : ""}

Post an event (signed per Standard Webhooks):
  body='${sample}'
  id=msg_$RANDOM; ts=$(date +%s)
  sig=$(printf '%s' "$id.$ts.$body" | openssl dgst -sha256 -mac HMAC -macopt hexkey:$(printf '%s' '${tracker.webhookSecret.replace(/^whsec_/, "")}' | base64 -d | xxd -p -c 256) -binary | base64)
  curl -s -X POST ${tracker.url}/api/events -H 'content-type: application/cloudevents+json' \\
    -H "webhook-id: $id" -H "webhook-timestamp: $ts" -H "webhook-signature: v1,$sig" -d "$body"
Open the partner board (enter the API key above when asked):
  ${tracker.url}/api/board/
Read your pairs:
  curl -s ${tracker.url}/api/pairs -H 'x-api-key: ${tracker.apiKey}'
Against this running service: npm run demo | npm run claim-windows -- --now <instant> | npm run rebuild
`);

let stopping = false;
const shutdown = async () => {
  if (stopping) process.exit(130); // a second Ctrl-C: do not wait
  stopping = true;
  await tracker.stop();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
