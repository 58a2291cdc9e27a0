// The credential switch: a key only for the emulators, an Entra token credential when only an endpoint
// is given, and the same code path beyond construction (proved against the Cosmos emulator, which
// accepts any signature, with a token credential that records what it was asked for).
import { randomUUID } from "node:crypto";
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/identity";
import { DefaultAzureCredential } from "@azure/identity";
import { StorageSharedKeyCredential } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PoeDocumentStore } from "../../infra/blob/poe-documents.ts";
import { connectCosmos, cosmosFromEnv, ensureContainers } from "../../infra/cosmos/client.ts";
import { CosmosEventStore } from "../../infra/cosmos/event-store.ts";
import { type RunningAzurite, startAzurite } from "../../infra/emulators/azurite.ts";
import { type RunningCosmosEmulator, startCosmosEmulator } from "../../infra/emulators/cosmos.ts";
import { azureCredential, isTokenCredential } from "../../infra/identity.ts";

class RecordingCredential implements TokenCredential {
  readonly scopes: string[] = [];
  async getToken(scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
    this.scopes.push(...(Array.isArray(scopes) ? scopes : [scopes]));
    return { token: "test-token", expiresOnTimestamp: Date.now() + 3_600_000 };
  }
}

describe("credentials chosen from the environment", () => {
  it("gives Cosmos DB a key only with COSMOS_KEY, else DefaultAzureCredential for AZURE_CLIENT_ID", () => {
    expect(cosmosFromEnv({})).toBeUndefined();
    const endpoint = "https://tracker.documents.azure.com:443/";
    const withKey = cosmosFromEnv({ COSMOS_ENDPOINT: "https://127.0.0.1:8081/", COSMOS_KEY: "a2V5" });
    const withIdentity = cosmosFromEnv({ COSMOS_ENDPOINT: endpoint, AZURE_CLIENT_ID: randomUUID() });
    try {
      expect(withKey?.auth).toBe("key");
      expect(withIdentity?.auth).toBe("identity");
      expect(withIdentity?.database.id).toBe("engagements");
    } finally {
      withKey?.close();
      withIdentity?.close();
    }
    const clientId = randomUUID();
    const credential = azureCredential({ AZURE_CLIENT_ID: clientId });
    expect(credential).toBeInstanceOf(DefaultAzureCredential);
    expect(azureCredential({ AZURE_CLIENT_ID: clientId })).toBe(credential); // one per process, tokens cached
  });

  it("gives Blob storage a shared key for a connection string, a token credential for an account URL", () => {
    const azurite = PoeDocumentStore.fromEnvironment({
      STORAGE_CONNECTION_STRING:
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;",
    });
    expect(azurite.container.credential).toBeInstanceOf(StorageSharedKeyCredential);
    const azure = PoeDocumentStore.fromEnvironment({
      STORAGE_ACCOUNT_URL: "https://stdocs.blob.core.windows.net/",
      AZURE_CLIENT_ID: randomUUID(),
    });
    expect(isTokenCredential(azure.container.credential)).toBe(true);
    expect(azure.container.url).toBe("https://stdocs.blob.core.windows.net/poe-documents");
  });
});

describe("one code path beyond construction (Cosmos emulator)", () => {
  let emulator: RunningCosmosEmulator;
  beforeAll(async () => {
    emulator = await startCosmosEmulator();
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  it("signs every request with the token credential and never tries to create what the deployment declares", async () => {
    const databaseId = `identity-${randomUUID()}`;
    const credential = new RecordingCredential();
    const identity = connectCosmos({ endpoint: emulator.endpoint, credential, databaseId });
    const key = connectCosmos({ endpoint: emulator.endpoint, key: emulator.key, databaseId });
    try {
      // Data-plane roles cannot create databases or containers: with an identity nothing is created.
      const references = await ensureContainers(identity.database);
      expect(identity.requests.total).toBe(0);
      await expect(references.events.read()).rejects.toMatchObject({ code: 404 });

      // Once the deployment (here: the key connection) has created them, the identity does the work.
      await ensureContainers(key.database);
      const store = new CosmosEventStore(references.events);
      const streamId = `4811223|${randomUUID()}|intune`;
      const event = { id: "evt-1", source: "crm://test", type: "tenant.profiled" };
      await store.append(streamId, [event], 0);
      const read = await new CosmosEventStore((await ensureContainers(key.database)).events).readStream(
        streamId,
      );
      expect(read.events.map((e) => e.event.id)).toEqual(["evt-1"]);
      expect(credential.scopes.length).toBeGreaterThan(0);
      expect(new Set(credential.scopes)).toEqual(
        new Set([`https://${new URL(emulator.endpoint).host}/.default`]),
      );
      expect(identity.requests.total).toBeGreaterThan(0);
    } finally {
      identity.close();
      key.close();
    }
  });
});

describe("Blob construction on Azurite", () => {
  let azurite: RunningAzurite;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(async () => {
    await azurite?.stop();
  });

  it("creates the private container with the emulator's key (the deployment declares it in Azure)", async () => {
    const store = PoeDocumentStore.fromEnvironment({ STORAGE_CONNECTION_STRING: azurite.connectionString });
    await store.ensureContainer();
    const properties = await store.container.getProperties();
    expect(properties.blobPublicAccess).toBeUndefined(); // private
  });
});
