// Issue 11, end to end: the partner board in headless Chromium (Debian's chromium, driven by
// playwright-core) against the dev host, loaded with the shared scenarios and running on a clock in
// June 2025 (the date they were written for), so what the board shows is not empty.
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBoard } from "../../board/build.ts";
import { type LocalTracker, startLocalTracker } from "../../infra/devhost/local-tracker.ts";
import { TrackerClient } from "../../scripts/tracker-client.ts";
import { launchChromium } from "../browser.ts";

// Callbacks given to page.evaluate run in the browser. Their globals are declared here, only as far as
// used: the DOM library itself would retype ReadableStream for the whole Node program.
declare const document: {
  activeElement: { textContent: string | null } | null;
  documentElement: { scrollWidth: number };
};
declare const window: { innerWidth: number };
declare const location: { hash: string };

const PARTNER = "4811223";
const KEY = "board-e2e-key";
const NOW = Date.parse("2025-06-15T09:00:00Z");
const SCENARIOS = join(import.meta.dirname, "../../../shared/scenarios");
export const SHOTS = join(import.meta.dirname, "../../.screenshots/board");
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const P04 = { tenant: "6f1c0104-3c4b-4f1e-9a51-2b7c0d9e0104", workload: "defender-office365" };
const P10 = { tenant: "6f1c010a-3c4b-4f1e-9a51-2b7c0d9e010a", workload: "purview-dlp" };
// A Dataverse webhook source (issue 15), fed with the connectors' fixture deliveries.
const DATAVERSE = "contoso-dataverse";
const DATAVERSE_SECRET = "dv-board-secret-0001";
const dataverseFixture = (name: string) =>
  readFileSync(join(import.meta.dirname, "../connectors/fixtures/dataverse", `${name}.json`), "utf8");

let tracker: LocalTracker;
let client: TrackerClient;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  await buildBoard({ quiet: true });
  const started = Date.now();
  tracker = await startLocalTracker({
    partnerId: PARTNER,
    webhookSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    apiKey: KEY,
    access: {
      sources: [
        {
          name: DATAVERSE,
          partnerId: PARTNER,
          format: "dataverse",
          auth: { mode: "http-header", header: "X-Tracker-Key" },
          secrets: [DATAVERSE_SECRET],
        },
      ],
    },
    // TRACKER_NOW's kind of clock: June 2025, running on at real speed.
    clock: () => new Date(NOW + (Date.now() - started)),
    enableTimers: false,
    quiet: true,
  });
  client = new TrackerClient({ url: tracker.url, webhookSecret: tracker.webhookSecret, apiKey: KEY });
  for (const file of readdirSync(SCENARIOS).filter((f) => f.endsWith(".ndjson"))) {
    const events = readFileSync(join(SCENARIOS, file), "utf8")
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l));
    const posted = await client.post(events);
    expect(posted.status, file).toBeLessThan(300);
  }
  await tracker.services.claimWindows.run(tracker.services.clock());
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
  // bypassCSP: the page's policy forbids inline scripts, and axe is injected as one.
  page = await browser.newPage({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
  page.on("pageerror", (e) => console.error("page error:", e.message));
  await page.goto(`${tracker.url}/api/board/`);
  await page.getByLabel("API key").fill(KEY);
  await page.getByRole("button", { name: "Open the board" }).click();
  await boardLoaded();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await tracker?.stop();
});

async function boardLoaded() {
  await page.locator("p.summary", { hasText: /^\d+ pairs, \d+ claimable now$/ }).waitFor();
}

/** A fresh document each time (a hash-only change would keep the previous view's state). */
async function open(hash: string) {
  await page.goto("about:blank");
  await page.goto(`${tracker.url}/api/board/${hash}`);
}

async function apiPairs(query: string): Promise<{ tenantId: string; workload: string }[]> {
  const all: { tenantId: string; workload: string }[] = [];
  let token: string | undefined;
  do {
    const q = `pairs?${query}&limit=3${token ? `&continuationToken=${encodeURIComponent(token)}` : ""}`;
    const answer = await client.get(q);
    expect(answer.status).toBe(200);
    // Complete pages: a page is empty only when nothing is left.
    if (answer.body.continuationToken) expect(answer.body.items).toHaveLength(3);
    all.push(...answer.body.items);
    token = answer.body.continuationToken;
  } while (token);
  return all;
}

async function apiPair(p: { tenant: string; workload: string }) {
  return (await client.get(`pairs/${p.tenant}/${p.workload}`)).body;
}

async function checklist(): Promise<string[]> {
  // An empty checklist (nothing missing or recommended) is in the page but has no size.
  await page.locator("[data-testid=poe-checklist]").waitFor({ state: "attached" });
  return page
    .locator("[data-poe][data-blocking=true]")
    .evaluateAll((els) => els.map((e) => e.getAttribute("data-poe")!));
}

describe("the partner board", () => {
  it("is served anonymously at /api/board/ with its assets, and / redirects there", async () => {
    const html = await fetch(`${tracker.url}/api/board/`);
    expect(html.status).toBe(200);
    expect(html.headers.get("content-type")).toMatch(/text\/html/);
    const script = /src="\.\/([^"]+\.js)"/.exec(await html.text())![1]!;
    const js = await fetch(`${tracker.url}/api/board/${script}`);
    expect(js.headers.get("content-type")).toMatch(/javascript/);
    expect((await fetch(`${tracker.url}/api/board/nothing-here.js`)).status).toBe(404);
    const root = await fetch(`${tracker.url}/`, { redirect: "manual" });
    expect([301, 302, 307, 308]).toContain(root.status);
    expect(root.headers.get("location")).toBe("/api/board/");
  });

  it("pages are complete and their tokens opaque and tamper-evident (pairs and alerts)", async () => {
    const first = await client.get("pairs?claimableNow=true&limit=2");
    expect(first.body.items).toHaveLength(2);
    const token: string = first.body.continuationToken;
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(token, "base64url").toString("latin1")).not.toMatch(/pair|6f1c|claimable/);
    const flipped = `${token.slice(0, 10)}${token[10] === "A" ? "B" : "A"}${token.slice(11)}`;
    for (const bad of [flipped, "garbage", `${token}x`]) {
      for (const route of ["pairs?claimableNow=true&limit=2", "alerts?limit=1"]) {
        const answer = await client.get(`${route}&continuationToken=${encodeURIComponent(bad)}`);
        expect(answer.status, `${route} ${bad}`).toBe(400);
        expect(answer.body.errors[0].path).toBe("$.query.continuationToken");
      }
    }
    // A token continues only the query it came from.
    expect((await client.get(`pairs?stage=adoption&limit=2&continuationToken=${token}`)).status).toBe(400);
    const second = await client.get(`pairs?claimableNow=true&limit=2&continuationToken=${token}`);
    expect(second.status).toBe(200);
    expect(second.body.items.length).toBeGreaterThan(0);
  });

  it("shows exactly the claimable pairs the API reports", async () => {
    const reported = (await apiPairs("claimableNow=true")).map((p) => `${p.tenantId}|${p.workload}`).sort();
    expect(reported.length).toBeGreaterThan(0);
    await open("#/");
    await boardLoaded();
    const marked = await page
      .locator("tr[data-pair][data-claimable=true]")
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-pair")!).sort());
    expect(marked).toEqual(reported);
    await page.getByLabel("Claimable now").selectOption("true");
    await page
      .locator("p.summary", { hasText: `${reported.length} pairs, ${reported.length} claimable now` })
      .waitFor();
    const shown = await page
      .locator("tr[data-pair]")
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-pair")!).sort());
    expect(shown).toEqual(reported);
  });

  it("shows the board as of a chosen date, as the API answers it", async () => {
    const asOf = "2025-03-01";
    const reported = (await apiPairs(`claimableNow=true&asOf=${asOf}`))
      .map((p) => `${p.tenantId}|${p.workload}`)
      .sort();
    const today = (await apiPairs("claimableNow=true")).map((p) => `${p.tenantId}|${p.workload}`).sort();
    expect(reported).not.toEqual(today); // March 2025 is another board than June's
    await open(`?asOf=${asOf}#/`);
    await boardLoaded();
    const marked = await page
      .locator("tr[data-pair][data-claimable=true]")
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-pair")!).sort());
    expect(marked).toEqual(reported);
  });

  it("shows a blocked pair's missing items, on the board and on the pair", async () => {
    const missing = (await apiPair(P04)).poe.missing as string[];
    expect(missing).toContain("customer-acknowledgement");
    await open("#/");
    await boardLoaded();
    const chips = await page
      .locator(`tr[data-pair="${P04.tenant}|${P04.workload}"] [data-missing]`)
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-missing")));
    expect(chips).toEqual(missing);
    await open(`#/pair/${P04.tenant}/${P04.workload}`);
    expect(await checklist()).toEqual(missing);
  });

  it("records an acknowledgement by hand, which clears customer-acknowledgement; voiding it brings it back", async () => {
    await open(`#/record?type=acknowledgement.recorded&tenant=${P04.tenant}&workload=${P04.workload}`);
    await page.getByLabel("Signer's name").fill("Dana Whitfield");
    await expect.poll(() => page.getByLabel("When it happened (UTC)").inputValue()).toMatch(/^2025-06-15T/);
    await page.getByRole("button", { name: "Record", exact: true }).click();
    await page.getByRole("status").filter({ hasText: "Recorded" }).waitFor();
    const after = await apiPair(P04);
    expect(after.poe.missing).not.toContain("customer-acknowledgement");
    const ack = after.timeline.find((e: { type: string }) => e.type === "acknowledgement.recorded");
    expect(ack.source).toBe("board://tracker/key/key-" + ack.source.split("key-")[1]);
    // The client's event id is the idempotency key: the same form sent again is stored once.
    const again = await fetch(`${tracker.url}/api/recorded-events`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": KEY },
      body: JSON.stringify({ ...ack, source: undefined, specversion: undefined }),
    });
    expect(again.status).toBe(202);
    // Behind Entra ID sign-in the person is the recorder.
    const principal = Buffer.from(
      JSON.stringify({ claims: [{ typ: "preferred_username", val: "ana@contoso.example" }] }),
    ).toString("base64");
    const signedIn = await fetch(`${tracker.url}/api/recorded-events`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": KEY, "x-ms-client-principal": principal },
      body: JSON.stringify({
        ...ack,
        id: "entra-1",
        source: undefined,
        data: { ...ack.data, signedOn: "2025-06-01" },
      }),
    });
    expect(signedIn.status).toBe(201);
    const sources = (await apiPair(P04)).timeline.map((e: { source: string }) => e.source);
    expect(sources).toContain("board://tracker/entra/ana%40contoso.example");

    await open(`#/pair/${P04.tenant}/${P04.workload}`);
    expect(await checklist()).not.toContain("customer-acknowledgement");
    // Void both acknowledgements from the timeline: the item is missing again; nothing is deleted.
    for (let i = 0; i < 2; i++) {
      await page
        .getByRole("button", { name: /^Void acknowledgement\.recorded/ })
        .first()
        .click();
      await page.getByLabel("Why is it a mistake?").fill("recorded on the wrong pair");
      await page.getByRole("button", { name: "Void the event" }).click();
      await page.locator("li.voided").nth(i).waitFor();
    }
    expect(await checklist()).toContain("customer-acknowledgement");
    const voided = (await apiPair(P04)).timeline.filter((e: { voided?: unknown }) => e.voided);
    expect(voided).toHaveLength(2);
  });

  it("a document upload changes the checklist", async () => {
    expect((await apiPair(P10)).poe.missing).toContain("workload-not-in-poe");
    await open(`#/pair/${P10.tenant}/${P10.workload}`);
    expect(await checklist()).toContain("workload-not-in-poe");
    await page.getByLabel("Kind").selectOption("sow");
    await page.getByLabel("Workloads it names (comma-separated)").fill(P10.workload);
    const pdf = Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.alloc(2_000, 32), Buffer.from("\n%%EOF\n")]);
    await page
      .locator("input.file-input")
      .setInputFiles({ name: "sow.pdf", mimeType: "application/pdf", buffer: pdf });
    await page.getByRole("button", { name: "Download sow.pdf" }).waitFor();
    await expect.poll(checklist).not.toContain("workload-not-in-poe");
    expect((await apiPair(P10)).poe.missing).not.toContain("workload-not-in-poe");
  });

  it("an imported file with one bad line names that line and stores nothing; a good one is dry-run, then stored", async () => {
    const tenant = "7a7a7a7a-1111-4222-8333-444455556666";
    const line = (id: string, type: string, data: object, workload?: string) =>
      JSON.stringify({
        specversion: "1.0",
        id,
        source: "crm://export",
        type,
        time: "2025-05-02T09:00:00Z",
        partnerid: PARTNER,
        tenantid: tenant,
        ...(workload ? { workload } : {}),
        data,
      });
    const good = [
      line("x-1", "tenant.profiled", {
        customerName: "Imported Ltd",
        segment: "commercial",
        publicSector: false,
        country: "DE",
      }),
      line(
        "x-2",
        "deployment.started",
        { activities: ["configuration"], delivery: "remote" },
        "defender-endpoint",
      ),
    ];
    const bad = [
      ...good,
      line("x-3", "deployment.started", { activities: [], delivery: "remote" }, "defender-endpoint"),
    ];
    await open("#/import");
    await page.locator("input.file-input").setInputFiles({
      name: "export.ndjson",
      mimeType: "application/x-ndjson",
      buffer: Buffer.from(bad.join("\n")),
    });
    await page.locator("[role=alert]", { hasText: "line 3" }).waitFor();
    await page.getByTestId("import-refused").waitFor();
    expect((await client.get(`pairs/${tenant}/defender-endpoint`)).status).toBe(404);

    await page.locator("input.file-input").setInputFiles({
      name: "export.ndjson",
      mimeType: "application/x-ndjson",
      buffer: Buffer.from(good.join("\n")),
    });
    await page.getByTestId("import-preview").locator("tbody tr").first().waitFor();
    expect((await client.get(`pairs/${tenant}/defender-endpoint`)).status).toBe(404); // a dry run stores nothing
    await page.getByRole("button", { name: "Store 2 events" }).click();
    await page.getByRole("status").filter({ hasText: "Stored 2 new event(s)" }).waitFor();
    const stored = await client.get(`pairs/${tenant}/defender-endpoint`);
    expect(stored.status).toBe(200);
    const found = (await client.get("pairs?search=imported%20ltd")).body.items;
    expect(
      found.map((p: { customerName: string; tenantId: string }) => [p.customerName, p.tenantId]),
    ).toEqual([["Imported Ltd", tenant]]);
  });

  it("the designation chart renders the 12-month series", async () => {
    const score = (await client.get("designations/security")).body;
    const from = `${score.asOf.slice(0, 7)}-01`;
    await open("#/designation");
    const chart = page.getByTestId("designation-chart");
    await chart.locator("canvas").waitFor();
    await expect.poll(() => chart.getAttribute("data-points")).toBe("13");
    const months = await page
      .locator("[data-testid=series-table] tbody tr")
      .evaluateAll((rows) => rows.map((r) => [r.getAttribute("data-month"), r.children[1]!.textContent]));
    expect(months).toHaveLength(13);
    expect(months[0]![0]).toBe(from);
    const api = (await client.get(`designations/security?from=${from}&to=${months[12]![0]}`)).body.series;
    expect(months).toEqual(api.map((p: { date: string; total: number }) => [p.date, String(p.total)]));
    expect(api.some((p: { total: number }) => p.total > 0)).toBe(true);
  });

  /** From the board's start, tabs to the nav link named `link` and follows it with Enter. */
  async function viaKeyboard(link: string, hash: string, maxTabs: number) {
    await open("#/");
    await boardLoaded();
    for (let i = 0; i < maxTabs; i++) {
      await page.keyboard.press("Tab");
      if ((await page.evaluate(() => document.activeElement?.textContent)) === link) break;
    }
    await page.keyboard.press("Enter");
    await expect.poll(() => page.evaluate(() => location.hash)).toBe(hash);
  }

  it("works from the keyboard", async () => {
    await viaKeyboard("Deadlines", "#/deadlines", 10);
    await page.getByRole("heading", { name: /Deadlines/ }).waitFor();
  });

  it("the Sources view lists a CRM source with its counts and the refused record's CRM field", async () => {
    const deliver = (body: string, secret = DATAVERSE_SECRET) =>
      fetch(`${tracker.url}/api/sources/${DATAVERSE}/deliveries`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-tracker-key": secret },
        body,
      });
    const profiled = dataverseFixture("create-tenant-profiled");
    expect((await deliver(profiled)).status).toBe(200);
    expect((await deliver(dataverseFixture("create-adoption-activity"))).status).toBe(200);
    expect((await deliver(profiled)).status).toBe(200); // Dataverse's retry: a duplicate
    expect((await deliver(dataverseFixture("create-missing-delivery"))).status).toBe(400);
    expect((await deliver(profiled, "dv-board-guess-0002")).status).toBe(401);
    const api = (await client.get("sources")).body.sources as {
      name: string;
      activity: Record<string, number>;
    }[];
    const listed = api.find((s) => s.name === DATAVERSE)!;
    expect(listed.activity).toMatchObject({ delivered: 2, duplicates: 1, refused: 1, unauthorized: 1 });

    // Reached from the nav by keyboard, as every view.
    await viaKeyboard("Sources", "#/sources", 20);
    await page.getByRole("table", { name: "Your sources and their deliveries" }).waitFor();
    const row = page.locator(`tr[data-source="${DATAVERSE}"]`);
    const counts = await row
      .locator("[data-count]")
      .evaluateAll((cells) => cells.map((c) => [c.getAttribute("data-count"), c.textContent]));
    expect(counts).toEqual([
      ["delivered", "2"],
      ["duplicates", "1"],
      ["refused", "1"],
      ["unauthorized", "1"],
    ]);
    const rowText = (await row.textContent()) ?? "";
    expect(rowText).toContain("Dataverse");
    expect(rowText).toContain("HttpHeader");
    expect(rowText).not.toContain("never"); // it has a last delivery
    expect(await page.content()).not.toContain(DATAVERSE_SECRET);
    const refused = await page
      .locator(`[data-testid=refusals-table] tr[data-refusal="${DATAVERSE}"] code`)
      .allTextContents();
    expect(refused).toContain("$.InputParameters.Target.tracker_data.delivery");
  });

  it("has no serious or critical axe violations in any view, at 1280×800 and 390×844 (screenshots of each)", async () => {
    const views = [
      ["board", "#/"],
      ["pair", `#/pair/${P04.tenant}/${P04.workload}`],
      ["deadlines", "#/deadlines"],
      ["designation", "#/designation"],
      ["record", "#/record"],
      ["import", "#/import"],
      ["sources", "#/sources"],
    ] as const;
    const found: string[] = [];
    for (const [width, height] of [
      [1280, 800],
      [390, 844],
    ] as const) {
      await page.setViewportSize({ width, height });
      for (const [name, hash] of views) {
        await open(hash);
        await page.locator("main h1").first().waitFor();
        if (name === "board") await boardLoaded();
        if (name === "designation") await page.getByTestId("designation-chart").locator("canvas").waitFor();
        await page.waitForLoadState("networkidle");
        await page.screenshot({ path: join(SHOTS, `${name}-${width}x${height}.png`), fullPage: true });
        await page.addScriptTag({ content: AXE });
        const violations = await page.evaluate(async () => {
          // biome-ignore lint/suspicious/noExplicitAny: axe is injected as a global
          const result = await (window as any).axe.run(document, { resultTypes: ["violations"] });
          return (result.violations as { id: string; impact: string; nodes: { target: string[] }[] }[])
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
        });
        found.push(...violations.map((v) => `${name} ${width}x${height}: ${v}`));
        // Usable at this width: nothing wider than the viewport but the tables that scroll.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `${name} at ${width}px overflows by ${overflow}px`).toBeLessThanOrEqual(0);
      }
    }
    expect(found).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 800 });
  });
});
