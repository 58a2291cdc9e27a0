// The tracker in the partner's own subscription, provisioned by `azd up` (azure.yaml at the repository root):
// one resource group holding a Flex Consumption Function App on Node 22, Cosmos DB for NoSQL, Storage,
// Application Insights and Key Vault, reached with one user-assigned managed identity and no keys.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names the resource group and seeds every resource name.')
param environmentName string

@minLength(1)
@description('Region of every resource (one that offers Flex Consumption).')
@metadata({ azd: { type: 'location' } })
param location string

@description('Object id of the person running azd (AZURE_PRINCIPAL_ID): may write Key Vault secrets and read data for support. Empty: none.')
param principalId string = ''

@allowed(['serverless', 'autoscale'])
@description('Cosmos DB capacity: serverless (pay per request unit, the default) or provisioned autoscale shared by the containers.')
param cosmosCapacity string = 'serverless'

// A string: azd substitutes parameters as text into main.parameters.json.
@description('Autoscale only: the most RU/s the database may scale to (1000 or more; it scales down to a tenth).')
param cosmosAutoscaleMaxThroughput string = '1000'


@description('NCRONTAB schedule of the claimWindows timer (UTC).')
param claimWindowsSchedule string = '0 0 6 * * *'

@description('Days before a window closes at which alerts are raised.')
param claimWindowThresholds string = '30,14,7,1'

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module resources 'resources.bicep' = {
  name: 'tracker-resources'
  scope: rg
  params: {
    location: location
    tags: tags
    resourceToken: resourceToken
    principalId: principalId
    cosmosCapacity: cosmosCapacity
    cosmosAutoscaleMaxThroughput: max(int(cosmosAutoscaleMaxThroughput), 1000)
    claimWindowsSchedule: claimWindowsSchedule
    claimWindowThresholds: claimWindowThresholds
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_NAME string = resources.outputs.functionAppName
output AZURE_KEY_VAULT_NAME string = resources.outputs.keyVaultName
output AZURE_KEY_VAULT_URI string = resources.outputs.keyVaultUri
output COSMOS_ENDPOINT string = resources.outputs.cosmosEndpoint
output TRACKER_API_URL string = resources.outputs.apiUrl
