// Cosmos DB for NoSQL: local (key) authentication disabled, so only Entra identities with a data-plane
// role reach the data. Every container the code opens, with its partition key and indexing policy, comes
// from cosmos-containers.json (written from infra/cosmos/client.ts by `npm run deploy:containers`).
param location string
param tags object
param accountName string
param databaseName string
@allowed(['serverless', 'autoscale'])
param capacity string
param autoscaleMaxThroughput int
@description('Principal ids granted Cosmos DB Built-in Data Contributor (the app identity, optionally a person).')
param dataContributors array

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' = {
  name: accountName
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    capabilities: capacity == 'serverless' ? [{ name: 'EnableServerless' }] : []
    consistencyPolicy: { defaultConsistencyLevel: 'Session' }
    locations: [{ locationName: location, failoverPriority: 0, isZoneRedundant: false }]
    disableLocalAuth: true
    minimalTlsVersion: 'Tls12'
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-05-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: { id: databaseName }
    // Autoscale is shared by the containers at database level; serverless takes no throughput at all.
    options: capacity == 'autoscale' ? { autoscaleSettings: { maxThroughput: autoscaleMaxThroughput } } : {}
  }
}

var containers = loadJsonContent('cosmos-containers.json')

resource container 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = [
  for c in containers: {
    parent: database
    name: c.id
    properties: { resource: c }
  }
]

// Cosmos DB Built-in Data Contributor: read and write items, read metadata, read the change feed.
var dataContributorRole = '00000000-0000-0000-0000-000000000002'
resource dataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-05-15' = [
  for principal in dataContributors: {
    parent: account
    name: guid(account.id, principal, dataContributorRole)
    properties: {
      principalId: principal
      roleDefinitionId: '${account.id}/sqlRoleDefinitions/${dataContributorRole}'
      scope: account.id
    }
  }
]

output endpoint string = account.properties.documentEndpoint
output name string = account.name
