// The claimWindows timer (NCRONTAB, daily at 06:00 UTC unless CLAIM_WINDOWS_SCHEDULE says otherwise)
// and GET /api/alerts, the alerts it raised, newest first.
import type { InvocationContext, Timer } from "@azure/functions";
import { AlertQuery, alertPage } from "../application/alert-queries.ts";
import { PAGE_TOKEN_ERROR, PageTokenInvalid } from "../application/page-token.ts";
import { problemOf } from "../application/problem.ts";
import { counters } from "../application/telemetry.ts";
import { services } from "../composition/services.ts";
import { forKeyHolder, json, queryErrors } from "./http.ts";
import { defineHttp, defineTimer } from "./registry.ts";

export const CLAIM_WINDOWS_SCHEDULE = process.env.CLAIM_WINDOWS_SCHEDULE ?? "0 0 6 * * *";

export async function claimWindowsTimer(_timer: Timer, context: InvocationContext): Promise<void> {
  const { claimWindows, clock } = await services();
  const run = await claimWindows.run(clock());
  // One line per raised alert, correlated by its pair; then the run's totals.
  for (const alert of run.raised) {
    counters.add("alerts.raised", 1, { partnerId: alert.partnerId });
    context.log(`alert raised: ${alert.code}, ${alert.threshold} day(s) left`, {
      pair: alert.pairId,
      alertId: alert.id,
      delivery: alert.delivery.status,
    });
  }
  context.log(
    `claimWindows ${run.today}: ${run.duePairs} due pair(s), ${run.raised.length} alert(s) raised, ${run.alreadyRaised} already raised`,
    { duePairs: run.duePairs, raised: run.raised.length, alreadyRaised: run.alreadyRaised },
  );
}

export const listAlerts = forKeyHolder(async (request, partnerId) => {
  const query = AlertQuery.safeParse(Object.fromEntries(request.query.entries()));
  if (!query.success) {
    return problemOf("invalid-request", { errors: queryErrors(query.error) });
  }
  const q = query.data;
  const { alerts, pageTokens } = await services();
  // The store's continuation travels sealed: opaque to the client, refused when altered or reused
  // for another partner or filter.
  const { limit, continuationToken, ...filters } = q;
  const scope = JSON.stringify(["alerts", partnerId, filters]);
  let storeToken: string | undefined;
  if (continuationToken) {
    try {
      storeToken = pageTokens.open<{ c: string }>(scope, continuationToken).c;
    } catch (error) {
      if (error instanceof PageTokenInvalid)
        return problemOf("invalid-request", { errors: [PAGE_TOKEN_ERROR] });
      throw error;
    }
  }
  const { items, continuationToken: next } = await alertPage(
    alerts,
    partnerId,
    filters,
    limit ?? 100,
    storeToken,
  );
  return json(200, { items, ...(next ? { continuationToken: pageTokens.seal(scope, { c: next }) } : {}) });
});

defineTimer({
  name: "claimWindows",
  schedule: CLAIM_WINDOWS_SCHEDULE,
  // A failed run is tried again the same morning rather than tomorrow; a run raises each alert once.
  retry: {
    strategy: "exponentialBackoff",
    maxRetryCount: 5,
    minimumInterval: { minutes: 1 },
    maximumInterval: { minutes: 30 },
  },
  handler: claimWindowsTimer,
});
defineHttp({ name: "alerts", route: "alerts", methods: ["GET"], handler: listAlerts });
