// The claimWindows use case through its ports (in-memory heads and alerts), given/when/then: an alert
// is raised when a window comes within a threshold, exactly once however often the timer runs.
import { describe, expect, it } from "vitest";
import { alertPage } from "../../application/alert-queries.ts";
import { addDays } from "../../domain/dates.ts";
import { deploymentStarted, PARTNER, readyPoe, TENANT, WORKLOAD } from "../domain/given.ts";
import { tracker } from "./tracker.ts";

describe("claim windows (application tier, in-memory ports)", () => {
  it("given a claimable pair, when the timer runs 7 days before a window closes, then one alert is raised, once", async () => {
    const t = await tracker().given(deploymentStarted({ time: "2025-03-03" }), ...readyPoe());
    const state = await t.pairs.pair(PARTNER, TENANT, WORKLOAD);
    const window = state!.windows[0]!;
    const runAt = `${addDays(window.closesOn, -7)}T07:00:00Z`;
    t.setNow(runAt);

    const first = await t.claimWindows.run(new Date(runAt));
    const again = await t.claimWindows.run(new Date(runAt));

    expect(first.raised.map((a) => [a.code, a.threshold])).toContainEqual([window.code, 7]);
    expect(again.raised).toEqual([]);
    expect(t.alerts.all()).toHaveLength(first.raised.length);
    expect(t.alerts.all().every((a) => a.delivery.status === "not-configured")).toBe(true);
  });

  it("given raised alerts, when they are listed by window code, then only that window's alerts come back, newest first", async () => {
    const t = await tracker().given(deploymentStarted({ time: "2025-03-03" }), ...readyPoe());
    const window = (await t.pairs.pair(PARTNER, TENANT, WORKLOAD))!.windows[0]!;
    for (const days of [30, 14, 7])
      await t.claimWindows.run(new Date(`${addDays(window.closesOn, -days)}T07:00:00Z`));

    const page = await alertPage(t.alerts, PARTNER, { windowCode: window.code }, 2, undefined);
    const rest = await alertPage(t.alerts, PARTNER, { windowCode: window.code }, 2, page.continuationToken);

    expect(page.items.map((a) => a.threshold)).toEqual([7, 14]);
    expect(rest.items.map((a) => a.threshold)).toEqual([30]);
    expect(rest.continuationToken).toBeUndefined();
    expect(await alertPage(t.alerts, "999", {}, 10, undefined)).toEqual({
      items: [],
      continuationToken: undefined,
    });
  });
});
