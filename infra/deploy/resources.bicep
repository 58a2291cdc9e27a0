// Everything in the tracker's resource group. One user-assigned identity reaches every data plane; app
// settings name endpoints and Key Vault references, never a key or a connection string to data.
param location string
param tags object
param resourceToken string
param principalId string
@allowed(['serverless', 'autoscale'])
param cosmosCapacity string
param cosmosAutoscaleMaxThroughput int
param claimWindowsSchedule string
param claimWindowThresholds string

var appName = 'func-tracker-${resourceToken}'
var databaseName = 'engagements'
var deploymentContainer = 'app-package'
var poeContainer = 'poe-documents'

// ---- identity -------------------------------------------------------------------------------------------

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-tracker-${resourceToken}'
  location: location
  tags: tags
}

// ---- storage: the host's account (runtime state, deployment package) and the POE documents' account ------

resource hostStorage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: take('sthost${resourceToken}', 24)
  location: location
  tags: tags
  sku: { name: 'Standard_LRS' }
  kind: 'StorageV2'
  properties: {
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
  resource blobs 'blobServices' = {
    name: 'default'
    resource packages 'containers' = { name: deploymentContainer, properties: { publicAccess: 'None' } }
  }
}

resource documentStorage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: take('stdocs${resourceToken}', 24)
  location: location
  tags: tags
  sku: { name: 'Standard_ZRS' }
  kind: 'StorageV2'
  properties: {
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
  resource blobs 'blobServices' = {
    name: 'default'
    properties: { deleteRetentionPolicy: { enabled: true, days: 14 } }
    resource poe 'containers' = { name: poeContainer, properties: { publicAccess: 'None' } }
  }
}

// ---- monitoring -----------------------------------------------------------------------------------------

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-tracker-${resourceToken}'
  location: location
  tags: tags
  properties: { sku: { name: 'PerGB2018' }, retentionInDays: 30 }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-tracker-${resourceToken}'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    // Ingestion only with an Entra token (the identity holds Monitoring Metrics Publisher below).
    DisableLocalAuth: true
  }
}

// ---- Key Vault: CRM source secrets, API keys, alert webhooks, the paging-token key ---------------------
// Secrets are written by the postprovision hook (hooks/seed-secrets.mjs) and rotated in the vault; the
// app reads them through Key Vault references resolved with its identity.

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: take('kv-tracker-${resourceToken}', 24)
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 30
  }
}

var secretNames = {
  sources: 'tracker-sources'
  apiKeys: 'tracker-api-keys'
  alertWebhooks: 'tracker-alert-webhooks'
  pageTokenKey: 'tracker-page-token-key'
}
var vaultRef = 'SecretUri=${vault.properties.vaultUri}secrets'

// ---- Cosmos DB ------------------------------------------------------------------------------------------

module cosmos 'cosmos.bicep' = {
  name: 'tracker-cosmos'
  params: {
    location: location
    tags: tags
    accountName: 'cosmos-tracker-${resourceToken}'
    databaseName: databaseName
    capacity: cosmosCapacity
    autoscaleMaxThroughput: cosmosAutoscaleMaxThroughput
    dataContributors: empty(principalId) ? [identity.properties.principalId] : [identity.properties.principalId, principalId]
  }
}

// ---- the Function App -----------------------------------------------------------------------------------

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-tracker-${resourceToken}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { tier: 'FlexConsumption', name: 'FC1' }
  properties: { reserved: true }
}

// Every setting the code and the platform read (test/azure/template.unit.test.ts checks them against the code).
var appSettings = [
  // The host's own storage, through the identity.
  { name: 'AzureWebJobsStorage__accountName', value: hostStorage.name }
  { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
  { name: 'AzureWebJobsStorage__clientId', value: identity.properties.clientId }
  // DefaultAzureCredential in the code picks the user-assigned identity by this id.
  { name: 'AZURE_CLIENT_ID', value: identity.properties.clientId }
  // Telemetry: the one connection string allowed; ingestion authenticates with the identity.
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
  { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identity.properties.clientId};Authorization=AAD' }
  { name: 'OTEL_SERVICE_NAME', value: 'engagement-lifecycle-tracker' }
  // Cosmos DB for the code: an endpoint and no key means the identity.
  { name: 'COSMOS_ENDPOINT', value: cosmos.outputs.endpoint }
  { name: 'COSMOS_DATABASE', value: databaseName }
  // Cosmos DB for the change-feed trigger (connection "COSMOS"), through the identity.
  { name: 'COSMOS__accountEndpoint', value: cosmos.outputs.endpoint }
  { name: 'COSMOS__credential', value: 'managedidentity' }
  { name: 'COSMOS__clientId', value: identity.properties.clientId }
  // POE documents: an account URL and no key means the identity (read links use a user delegation key).
  { name: 'STORAGE_ACCOUNT_URL', value: documentStorage.properties.primaryEndpoints.blob }
  // Secrets, as Key Vault references resolved with keyVaultReferenceIdentity.
  { name: 'TRACKER_SOURCES', value: '@Microsoft.KeyVault(${vaultRef}/${secretNames.sources}/)' }
  { name: 'TRACKER_API_KEYS', value: '@Microsoft.KeyVault(${vaultRef}/${secretNames.apiKeys}/)' }
  { name: 'TRACKER_ALERT_WEBHOOKS', value: '@Microsoft.KeyVault(${vaultRef}/${secretNames.alertWebhooks}/)' }
  { name: 'TRACKER_PAGE_TOKEN_KEY', value: '@Microsoft.KeyVault(${vaultRef}/${secretNames.pageTokenKey}/)' }
  // Behaviour.
  { name: 'CLAIM_WINDOWS_SCHEDULE', value: claimWindowsSchedule }
  { name: 'CLAIM_WINDOW_THRESHOLDS', value: claimWindowThresholds }
]

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${hostStorage.properties.primaryEndpoints.blob}${deploymentContainer}'
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identity.id }
        }
      }
      runtime: { name: 'node', version: '22' }
      scaleAndConcurrency: { maximumInstanceCount: 40, instanceMemoryMB: 2048 }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: appSettings
    }
  }
  // The roles must exist before the host first starts and reads its storage and secrets.
  dependsOn: [hostBlobOwner, poeBlobContributor, poeDelegator, vaultSecretsUser, metricsPublisher, cosmos]
}

// ---- data-plane roles of the identity -------------------------------------------------------------------

var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageBlobDelegator: 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

// The host's storage: runtime state (timer and change-feed bookkeeping) and the deployment package.
resource hostBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: hostStorage
  name: guid(hostStorage.id, identity.id, roles.storageBlobDataOwner)
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
  }
}

// POE documents: read and write blobs of this one container only.
resource poeBlobContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: documentStorage::blobs::poe
  name: guid(documentStorage::blobs::poe.id, identity.id, roles.storageBlobDataContributor)
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
  }
}

// Short-lived read links are signed with a user delegation key, which is requested at account level.
resource poeDelegator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: documentStorage
  name: guid(documentStorage.id, identity.id, roles.storageBlobDelegator)
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDelegator)
  }
}

resource vaultSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, identity.id, roles.keyVaultSecretsUser)
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
  }
}

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: insights
  name: guid(insights.id, identity.id, roles.monitoringMetricsPublisher)
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
  }
}

// The person running azd seeds and rotates the secrets (hooks/seed-secrets.mjs).
resource operatorSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(principalId)) {
  scope: vault
  name: guid(vault.id, principalId, roles.keyVaultSecretsOfficer)
  properties: {
    principalId: principalId
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
  }
}

output functionAppName string = app.name
output keyVaultName string = vault.name
output keyVaultUri string = vault.properties.vaultUri
output cosmosEndpoint string = cosmos.outputs.endpoint
output apiUrl string = 'https://${app.properties.defaultHostName}/api'
