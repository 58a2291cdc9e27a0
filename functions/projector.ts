// The change feed of the events container re-derives projections, so a crash between an append
// and its projection heals itself (app.cosmosDB in Azure; polled by the dev host).
import type { InvocationContext } from "@azure/functions";
import { services } from "../application/services.ts";
import { defineCosmosChangeFeed } from "./registry.ts";

export async function projectChanges(documents: unknown[], context: InvocationContext): Promise<void> {
  const { projector } = await services();
  await projector.handle(documents);
  context.log(`projected ${documents.length} event document(s)`);
}

defineCosmosChangeFeed({
  name: "projector",
  databaseName: "%COSMOS_DATABASE%",
  containerName: "events",
  connection: "COSMOS",
  leaseContainerName: "leases",
  handler: projectChanges,
});
