// Bicep cannot be compiled here, so this reads the templates and checks them against the code: every
// setting the code and the platform read is defined, every container the code opens is declared with its
// partition key, no setting holds a key or a connection string to data, the runtime is Node 22.
import { describe, expect, it } from "vitest";
import { definitions } from "../../functions/index.ts";
import { CONTAINERS, DEFAULT_DATABASE_ID } from "../../infra/cosmos/client.ts";
import { templateContainers } from "../../scripts/deploy-containers.ts";
import { envReads, literalContainers, productionSources, read } from "./source-scan.ts";

const resources = read("infra/deploy/resources.bicep");
const cosmosBicep = read("infra/deploy/cosmos.bicep");
const mainBicep = read("infra/deploy/main.bicep");
const allBicep = [mainBicep, resources, cosmosBicep].join("\n");

/** `var appSettings = [ { name: 'X', value: … } … ]` in resources.bicep, as name → value expression. */
function appSettings(): Map<string, string> {
  const block = /var appSettings = \[\n([\s\S]*?)\n\]/.exec(resources)?.[1];
  if (!block) throw new Error("resources.bicep has no `var appSettings = [ … ]` block");
  const settings = new Map<string, string>();
  for (const m of block.matchAll(/\{ name: '([^']+)', value: (.+) \}\s*$/gm)) {
    if (settings.has(m[1]!)) throw new Error(`app setting ${m[1]} is defined twice`);
    settings.set(m[1]!, m[2]!);
  }
  return settings;
}

/** Settings the code reads that Azure must NOT be given, each with the reason. */
const LOCAL_ONLY: Record<string, string> = {
  COSMOS_KEY: "the emulator's key; in Azure the identity signs Cosmos DB requests",
  STORAGE_CONNECTION_STRING: "Azurite's connection string; in Azure STORAGE_ACCOUNT_URL and the identity",
  STORAGE__blobServiceUri: "an alternative spelling of STORAGE_ACCOUNT_URL",
  TRACKER_NOW: "moves the business clock for demos and tests",
  DEV_WEBHOOK_SECRET: "the dev host's secret (read only to keep it out of logs)",
  DEV_API_KEY: "the dev host's API key (read only to keep it out of logs)",
};

/** Settings whose value is a secret: Key Vault references only. */
const SECRETS = ["TRACKER_SOURCES", "TRACKER_API_KEYS", "TRACKER_ALERT_WEBHOOKS", "TRACKER_PAGE_TOKEN_KEY"];

function settingsTheCodeReads(): Map<string, string[]> {
  const readers = new Map<string, string[]>();
  const note = (name: string, where: string) => readers.set(name, [...(readers.get(name) ?? []), where]);
  for (const { path, text } of productionSources()) {
    for (const name of envReads(text)) note(name, path);
    for (const m of text.matchAll(/["']%([A-Za-z_][A-Za-z0-9_]*)%["']/g))
      note(m[1]!, `${path} (binding expression)`);
  }
  for (const d of definitions()) {
    if (d.kind !== "cosmosChangeFeed") continue;
    // An identity-based trigger connection: endpoint, credential kind and which identity.
    for (const suffix of ["accountEndpoint", "credential", "clientId"])
      note(`${d.connection}__${suffix}`, `trigger ${d.name}`);
  }
  return readers;
}

describe("the deployment template against the code", () => {
  const settings = appSettings();

  it("defines every app setting the code reads, and none of the local-only ones", () => {
    const reads = settingsTheCodeReads();
    expect(reads.size).toBeGreaterThan(5); // the scan found the code's settings at all
    const missing = [...reads]
      .filter(([name]) => !settings.has(name) && !(name in LOCAL_ONLY))
      .map(([name, where]) => `${name} (read in ${where.join(", ")})`);
    expect(missing, "settings the code reads but the template does not define").toEqual([]);
    for (const name of Object.keys(LOCAL_ONLY)) expect(settings.has(name), name).toBe(false);
    // And nothing stray: each setting is read by the code or by the platform.
    const platform = [
      "AzureWebJobsStorage__accountName",
      "AzureWebJobsStorage__credential",
      "AzureWebJobsStorage__clientId",
      "OTEL_SERVICE_NAME", // the OpenTelemetry SDK's resource (cloud role name in Application Insights)
    ];
    const stray = [...settings.keys()].filter((name) => !reads.has(name) && !platform.includes(name));
    expect(stray, "settings nothing reads").toEqual([]);
  });

  it("defines what the platform reads: identity-based host storage, trigger connection and telemetry", () => {
    expect(settings.get("AzureWebJobsStorage__accountName")).toBe("hostStorage.name");
    expect(settings.get("AzureWebJobsStorage__credential")).toBe("'managedidentity'");
    expect(settings.get("AzureWebJobsStorage__clientId")).toBe("identity.properties.clientId");
    expect(settings.get("AZURE_CLIENT_ID")).toBe("identity.properties.clientId");
    for (const d of definitions().filter((d) => d.kind === "cosmosChangeFeed")) {
      expect(settings.get(`${d.connection}__accountEndpoint`)).toBe("cosmos.outputs.endpoint");
      expect(settings.get(`${d.connection}__credential`)).toBe("'managedidentity'");
      expect(settings.get(`${d.connection}__clientId`)).toBe("identity.properties.clientId");
    }
    expect(settings.get("APPLICATIONINSIGHTS_CONNECTION_STRING")).toBe(
      "insights.properties.ConnectionString",
    );
    expect(settings.get("APPLICATIONINSIGHTS_AUTHENTICATION_STRING")).toContain("Authorization=AAD");
    expect(resources).toMatch(/DisableLocalAuth: true/);
    // Flex Consumption sets the runtime in functionAppConfig and refuses these settings.
    expect(settings.has("FUNCTIONS_WORKER_RUNTIME")).toBe(false);
    expect(settings.has("FUNCTIONS_EXTENSION_VERSION")).toBe(false);
  });

  it("holds no key or connection string to a data resource; secrets are Key Vault references", () => {
    const keyish =
      /listKeys|listConnectionStrings|primaryMasterKey|primaryKey|AccountKey|SharedAccessSignature|ConnectionString/i;
    for (const [name, value] of settings) {
      if (name === "APPLICATIONINSIGHTS_CONNECTION_STRING") continue; // telemetry, not data: allowed
      expect(value, name).not.toMatch(keyish);
      if (/KEY|SECRET|CONNECTION|WEBHOOK|SOURCES/i.test(name) && !/__clientId$|AZURE_CLIENT_ID/.test(name))
        expect(SECRETS, `${name} looks like a secret`).toContain(name);
    }
    expect(allBicep).not.toMatch(/listKeys\(|listConnectionStrings\(/);
    const hook = read("infra/deploy/hooks/seed-secrets.mjs");
    for (const name of SECRETS) {
      const value = settings.get(name);
      expect(value, name).toMatch(/^'@Microsoft\.KeyVault\(\$\{vaultRef\}\/\$\{secretNames\.\w+\}\/\)'$/);
      const key = /secretNames\.(\w+)/.exec(value!)![1]!;
      const secret = new RegExp(`${key}: '([^']+)'`).exec(resources)?.[1];
      // The postprovision hook seeds exactly that secret from the azd variable of the same name.
      expect(hook, `${name} → ${secret}`).toMatch(new RegExp(`name: "${secret}",\\s*env: "${name}"`));
    }
    expect(resources).toMatch(/vaultRef = 'SecretUri=\$\{vault\.properties\.vaultUri\}secrets'/);
    expect(resources).toMatch(/keyVaultReferenceIdentity: identity\.id/);
    // The data resources refuse keys altogether.
    expect(cosmosBicep).toMatch(/disableLocalAuth: true/);
    expect(resources.match(/allowSharedKeyAccess: false/g)).toHaveLength(2);
  });

  it("runs Node 22 on Flex Consumption, deploying with the identity", () => {
    expect(resources).toMatch(/runtime: \{ name: 'node', version: '22' \}/);
    expect(resources).toMatch(/tier: 'FlexConsumption', name: 'FC1'/);
    expect(resources).toMatch(
      /authentication: \{ type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identity\.id \}/,
    );
    const engines = (JSON.parse(read("package.json")) as { engines: { node: string } }).engines.node;
    expect(engines).toMatch(/\^22|>=\s*2[02]/);
  });

  it("declares every container the code opens, with the code's partition key and indexing policy", () => {
    const declared = JSON.parse(read("infra/deploy/cosmos-containers.json")) as {
      id: string;
      partitionKey: { paths: string[] };
    }[];
    // The file is the code's list, exactly (regenerate with `npm run deploy:containers`).
    expect(declared).toEqual(templateContainers());
    const opened = new Set<string>(Object.values(CONTAINERS).map((c) => c.id as string));
    for (const { text } of productionSources()) for (const id of literalContainers(text)) opened.add(id);
    for (const d of definitions())
      if (d.kind === "cosmosChangeFeed")
        for (const id of [d.containerName, d.leaseContainerName]) opened.add(id);
    const ids = declared.map((c) => c.id);
    expect(
      [...opened].filter((id) => !ids.includes(id)),
      "containers the code opens but Bicep lacks",
    ).toEqual([]);
    // The trigger's lease container must be partitioned by /id.
    for (const d of definitions().filter((d) => d.kind === "cosmosChangeFeed"))
      expect(declared.find((c) => c.id === d.leaseContainerName)?.partitionKey.paths).toEqual(["/id"]);
    expect(cosmosBicep).toMatch(/loadJsonContent\('cosmos-containers\.json'\)/);
    expect(resources).toContain(`var databaseName = '${DEFAULT_DATABASE_ID}'`);
    for (const d of definitions().filter((d) => d.kind === "cosmosChangeFeed"))
      expect(d.databaseName).toBe("%COSMOS_DATABASE%");
    expect(cosmosBicep).toMatch(/capacity == 'serverless' \? \[\{ name: 'EnableServerless' \}\]/);
    expect(cosmosBicep).toMatch(/autoscaleSettings: \{ maxThroughput: autoscaleMaxThroughput \}/);
  });

  it("gives the identity exactly the data-plane roles it needs, where it needs them", () => {
    const role = (resource: string) => {
      const block = new RegExp(
        `resource ${resource} 'Microsoft.Authorization/roleAssignments@[^']+' = \\{([\\s\\S]*?)\\n\\}`,
      ).exec(resources)?.[1];
      if (!block) throw new Error(`no role assignment ${resource}`);
      const roleName = /roleDefinitions', roles\.(\w+)\)/.exec(block)![1]!;
      const roleId = new RegExp(`${roleName}: '([0-9a-f-]+)'`).exec(resources)![1];
      return {
        scope: /scope: (\S+)/.exec(block)![1],
        roleId,
        principal: /principalId: (\S+)/.exec(block)![1],
      };
    };
    const id = "identity.properties.principalId";
    expect(role("hostBlobOwner")).toEqual({
      scope: "hostStorage",
      roleId: "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
      principal: id,
    });
    expect(role("poeBlobContributor")).toEqual({
      scope: "documentStorage::blobs::poe",
      roleId: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
      principal: id,
    });
    expect(role("vaultSecretsUser")).toEqual({
      scope: "vault",
      roleId: "4633458b-17de-408a-b874-0445c86b69e6",
      principal: id,
    });
    expect(role("metricsPublisher")).toEqual({
      scope: "insights",
      roleId: "3913510d-42f4-4e42-8a64-420c390055eb",
      principal: id,
    });
    expect(cosmosBicep).toMatch(/sqlRoleAssignments@/);
    expect(cosmosBicep).toContain("var dataContributorRole = '00000000-0000-0000-0000-000000000002'");
    expect(resources).toMatch(
      /dataContributors: empty\(principalId\) \? \[identity\.properties\.principalId\]/,
    );
    expect(resources).toMatch(/name: poeContainer/);
    expect(resources).toContain("var poeContainer = 'poe-documents'");
  });

  it("is what azd deploys: azure.yaml names the template, the service and the packaged folder", () => {
    const yaml = read("azure.yaml");
    expect(yaml).toMatch(/infra:\n\s+provider: bicep\n\s+path: infra\/deploy\n\s+module: main/);
    expect(yaml).toMatch(/ {2}api:\n\s+project: \.\n\s+language: ts\n\s+host: function/);
    expect(yaml).toMatch(/dist: \.deploy/);
    expect(yaml).toMatch(/run: npm run package -- --out \.deploy/);
    expect(resources).toMatch(/'azd-service-name': 'api'/);
    expect(mainBicep).toMatch(/^targetScope = 'subscription'/m);
    const parameters = JSON.parse(read("infra/deploy/main.parameters.json")) as {
      parameters: Record<string, unknown>;
    };
    for (const m of mainBicep.matchAll(/^param (\w+) \w+(?! =)/gm)) {
      if (/=/.test(m[0])) continue;
      expect(Object.keys(parameters.parameters), m[1]).toContain(m[1]);
    }
  });
});
