// Writes infra/deploy/cosmos-containers.json, the container list the deployment template declares, from
// the list the code opens (infra/cosmos/client.ts CONTAINERS). test/azure/template checks they agree.
import { writeFileSync } from "node:fs";
import type { ContainerRequest, PartitionKeyDefinition } from "@azure/cosmos";
import { CONTAINERS } from "../infra/cosmos/client.ts";

/** The ARM shape of each container: id, hash partition key, indexing policy (when the code sets one). */
export function templateContainers() {
  return Object.values(CONTAINERS).map((c: ContainerRequest) => ({
    id: c.id,
    partitionKey: { paths: [...(c.partitionKey as PartitionKeyDefinition).paths], kind: "Hash" },
    ...("indexingPolicy" in c ? { indexingPolicy: c.indexingPolicy } : {}),
  }));
}

if (process.argv[1]?.endsWith("deploy-containers.ts")) {
  const path = new URL("../infra/deploy/cosmos-containers.json", import.meta.url);
  writeFileSync(path, `${JSON.stringify(templateContainers(), null, 2)}\n`);
  console.log(`wrote ${path.pathname}`);
}
