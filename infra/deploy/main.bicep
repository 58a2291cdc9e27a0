// The tracker in Azure: a Flex Consumption Function App (Node 20) with a managed identity, a
// serverless Cosmos DB account with the tracker's containers, and a storage account whose private
// `poe-documents` container holds POE documents. Deploy: az deployment group create -g <rg> -f main.bicep
param location string = resourceGroup().location
param name string = 'elt${uniqueString(resourceGroup().id)}'
@secure()
@description('JSON list of CRM sources: [{"name","partnerId","secrets":["whsec_..."]}]')
param trackerSources string
@secure()
@description('JSON list of reader API keys: [{"partnerId","key"}]')
param trackerApiKeys string

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: take(replace(name, '-', ''), 24)
  location: location
  sku: { name: 'Standard_LRS' }
  kind: 'StorageV2'
  properties: { allowBlobPublicAccess: false, minimumTlsVersion: 'TLS1_2', allowSharedKeyAccess: false }
}

resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource poeDocuments 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobs
  name: 'poe-documents'
  properties: { publicAccess: 'None' }
}

resource deployments 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobs
  name: 'deployments'
}

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' = {
  name: name
  location: location
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    capabilities: [{ name: 'EnableServerless' }]
    consistencyPolicy: { defaultConsistencyLevel: 'Session' }
    locations: [{ locationName: location, failoverPriority: 0 }]
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-05-15' = {
  parent: cosmos
  name: 'engagements'
  properties: { resource: { id: 'engagements' } }
}

// Same shapes as infra/cosmos/client.ts ensureContainers: events by stream, projections by partner.
var containers = [
  { id: 'events', pk: '/streamId', excluded: ['/events/*'] }
  { id: 'pairs', pk: '/partnerId', excluded: ['/events/*', '/tenantEvents/*', '/state/timeline/*'] }
  { id: 'alerts', pk: '/partnerId', excluded: [] }
  { id: 'scores', pk: '/partnerId', excluded: [] }
  { id: 'leases', pk: '/id', excluded: [] }
]
resource cosmosContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = [for c in containers: {
  parent: database
  name: c.id
  properties: {
    resource: {
      id: c.id
      partitionKey: { paths: [c.pk], kind: 'Hash' }
      indexingPolicy: {
        indexingMode: 'consistent'
        includedPaths: [{ path: '/*' }]
        excludedPaths: [for p in c.excluded: { path: p }]
      }
    }
  }
}]

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: name
  location: location
  kind: 'functionapp'
  sku: { tier: 'FlexConsumption', name: 'FC1' }
  properties: { reserved: true }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  kind: 'functionapp,linux'
  identity: { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}deployments'
          authentication: { type: 'SystemAssignedIdentity' }
        }
      }
      runtime: { name: 'node', version: '20' }
      scaleAndConcurrency: { maximumInstanceCount: 40, instanceMemoryMB: 2048 }
    }
    siteConfig: {
      appSettings: [
        { name: 'AzureWebJobsStorage__accountName', value: storage.name }
        { name: 'COSMOS_ENDPOINT', value: cosmos.properties.documentEndpoint }
        { name: 'COSMOS_KEY', value: cosmos.listKeys().primaryMasterKey }
        { name: 'COSMOS_DATABASE', value: 'engagements' }
        // The change-feed trigger's connection (app.cosmosDB connection: "COSMOS").
        { name: 'COSMOS__accountEndpoint', value: cosmos.properties.documentEndpoint }
        { name: 'STORAGE_ACCOUNT_URL', value: storage.properties.primaryEndpoints.blob }
        { name: 'TRACKER_SOURCES', value: trackerSources }
        { name: 'TRACKER_API_KEYS', value: trackerApiKeys }
        { name: 'CLAIM_WINDOWS_SCHEDULE', value: '0 0 6 * * *' }
      ]
    }
  }
}

// The app reads and writes POE documents, signs read links with a user delegation key, and reads
// the change feed with its identity.
var blobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
resource blobRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, app.id, blobDataOwner)
  properties: { principalId: app.identity.principalId, roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobDataOwner), principalType: 'ServicePrincipal' }
}
resource cosmosDataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-05-15' = {
  parent: cosmos
  name: guid(cosmos.id, app.id, 'data-contributor')
  properties: {
    principalId: app.identity.principalId
    roleDefinitionId: '${cosmos.id}/sqlRoleDefinitions/00000000-0000-0000-0000-000000000002'
    scope: cosmos.id
  }
}

output url string = 'https://${app.properties.defaultHostName}/api'
