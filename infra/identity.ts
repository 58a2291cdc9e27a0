// The one credential the app uses for every Azure data plane it reaches without a key: the
// user-assigned managed identity in Azure (AZURE_CLIENT_ID names it), a developer's `az login` here.
import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";

let shared: { clientId: string | undefined; credential: TokenCredential } | undefined;

/** One DefaultAzureCredential per process (it caches tokens), pinned to AZURE_CLIENT_ID when set. */
export function azureCredential(env: NodeJS.ProcessEnv = process.env): TokenCredential {
  const clientId = env.AZURE_CLIENT_ID || undefined;
  if (shared?.clientId !== clientId || !shared) {
    shared = {
      clientId,
      credential: new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {}),
    };
  }
  return shared.credential;
}

export function isTokenCredential(value: unknown): value is TokenCredential {
  return typeof (value as TokenCredential | undefined)?.getToken === "function";
}
