// The change feed of the events container re-derives projections, so a crash between an append
// and its projection heals itself (app.cosmosDB in Azure; polled by the dev host). Delivery is at least
// once and a failed batch is retried forever (CHANGE_FEED_RETRY): the projector is idempotent, healing a
// head to a version it already has changes nothing.
import type { InvocationContext } from "@azure/functions";
import { services } from "../composition/services.ts";
import { CHANGE_FEED_RETRY, defineCosmosChangeFeed } from "./registry.ts";

export async function projectChanges(documents: unknown[], context: InvocationContext): Promise<void> {
  const { projector } = await services();
  await projector.handle(documents);
  context.log(`projected ${documents.length} event document(s)`, { documents: documents.length });
}

defineCosmosChangeFeed({
  name: "projector",
  databaseName: "%COSMOS_DATABASE%",
  containerName: "events",
  connection: "COSMOS",
  leaseContainerName: "leases",
  retry: CHANGE_FEED_RETRY,
  handler: projectChanges,
});
