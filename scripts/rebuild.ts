// `npm run rebuild`: throws every projection away in spirit and folds it again from the events
// container, against the configured store (COSMOS_ENDPOINT / COSMOS_KEY / COSMOS_DATABASE), else against
// the running `npm start`'s emulator.
import { buildServices } from "../composition/services.ts";
import { cosmosFromEnv, ensureContainers } from "../infra/cosmos/client.ts";
import { envForRunningHost, NO_RUNNING_HOST } from "../infra/devhost/data-folder.ts";

const env = envForRunningHost();
const cosmos = env && cosmosFromEnv(env);
if (!cosmos) {
  console.error(NO_RUNNING_HOST);
  process.exit(2);
}
const containers = await ensureContainers(cosmos.database);
const { projector, projections } = buildServices({
  cosmos,
  containers,
  access: { sources: [], apiKeys: [] },
});
const started = performance.now();
let n = 0;
const streams = await projector.rebuild(projections.store.listStreams(), () => {
  if (++n % 1000 === 0) console.log(`${n} streams rebuilt`);
});
console.log(`rebuilt ${streams} streams in ${((performance.now() - started) / 1000).toFixed(1)} s`);
cosmos.close();
