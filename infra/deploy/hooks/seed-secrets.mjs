// azd postprovision hook: puts the tracker's secrets into Key Vault, where the app's Key Vault
// references read them. A value set in the azd environment (`azd env set TRACKER_SOURCES '[…]'`) is
// written when it differs from the vault's; a secret neither set nor in the vault gets its default
// (an empty list, or a random paging-token key every instance then shares). Values are never printed.
// Rotation: change the secret in the vault (or in the azd env and run `azd hooks run postprovision`),
// then restart the app so it re-reads its references.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";

const vaultUri = process.env.AZURE_KEY_VAULT_URI;
if (!vaultUri) {
  console.error("seed-secrets: AZURE_KEY_VAULT_URI is not set; run `azd provision` first.");
  process.exit(1);
}

const secrets = [
  { name: "tracker-sources", env: "TRACKER_SOURCES", json: true, fallback: () => "[]" },
  { name: "tracker-api-keys", env: "TRACKER_API_KEYS", json: true, fallback: () => "[]" },
  { name: "tracker-alert-webhooks", env: "TRACKER_ALERT_WEBHOOKS", json: true, fallback: () => "[]" },
  {
    name: "tracker-page-token-key",
    env: "TRACKER_PAGE_TOKEN_KEY",
    json: false,
    fallback: () => randomBytes(32).toString("base64url"),
  },
];

const azd = process.platform === "win32" ? "azd.exe" : "azd";
const { token } = JSON.parse(
  execFileSync(azd, ["auth", "token", "--scope", "https://vault.azure.net/.default", "--output", "json"], {
    encoding: "utf8",
  }),
);

async function call(method, name, body) {
  const url = `${vaultUri.replace(/\/?$/, "/")}secrets/${name}?api-version=7.4`;
  // The role assignment made by this very provision can take a minute to apply: retry 403s.
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (response.status === 403 && attempt < 10) {
      await new Promise((r) => setTimeout(r, 15_000));
      continue;
    }
    return response;
  }
}

for (const secret of secrets) {
  const wanted = process.env[secret.env];
  if (wanted && secret.json) {
    try {
      if (!Array.isArray(JSON.parse(wanted))) throw new Error("not a JSON array");
    } catch (error) {
      console.error(`seed-secrets: ${secret.env} is not a JSON array (${error.message}); not written.`);
      process.exitCode = 1;
      continue;
    }
  }
  const current = await call("GET", secret.name);
  if (current.status !== 200 && current.status !== 404) {
    console.error(`seed-secrets: reading ${secret.name} failed with HTTP ${current.status}`);
    process.exitCode = 1;
    continue;
  }
  const stored = current.status === 200 ? (await current.json()).value : undefined;
  const value = wanted || (stored === undefined ? secret.fallback() : undefined);
  if (value === undefined || value === stored) {
    console.log(`seed-secrets: ${secret.name} unchanged`);
    continue;
  }
  const written = await call("PUT", secret.name, {
    value,
    contentType: secret.json ? "application/json" : "text/plain",
  });
  if (!written.ok) {
    console.error(`seed-secrets: writing ${secret.name} failed with HTTP ${written.status}`);
    process.exitCode = 1;
  } else console.log(`seed-secrets: ${secret.name} ${stored === undefined ? "created" : "updated"}`);
}
