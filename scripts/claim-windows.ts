// `npm run claim-windows -- --now <instant>`: runs the claimWindows timer once, by hand, against the
// configured store (COSMOS_ENDPOINT / COSMOS_KEY, else the running `npm start`'s emulators), e.g. to catch
// up after an outage or to rehearse a date.
import { servicesFromEnv } from "../composition/from-env.ts";
import { envForRunningHost, NO_RUNNING_HOST } from "../infra/devhost/data-folder.ts";

const at = process.argv.indexOf("--now");
const nowText = at >= 0 ? process.argv[at + 1] : undefined;
const now = nowText ? new Date(nowText) : new Date();
if (Number.isNaN(now.getTime())) {
  console.error(
    `--now ${nowText} is not an instant; usage: npm run claim-windows -- --now 2025-05-22T06:00:00Z`,
  );
  process.exit(2);
}
const env = envForRunningHost();
if (!env) {
  console.error(NO_RUNNING_HOST);
  process.exit(2);
}
const services = await servicesFromEnv(env);
const run = await services.claimWindows.run(now);
console.log(
  JSON.stringify(
    {
      today: run.today,
      duePairs: run.duePairs,
      raised: run.raised.map((a) => a.id),
      alreadyRaised: run.alreadyRaised,
    },
    null,
    2,
  ),
);
services.cosmos.close();
