import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type EngagementEvent, validateEvent } from "../domain/events.ts";
import type { TimedEvent } from "../domain/facts.ts";
import { distinctInBusinessOrder, evaluatePair, foldEvents } from "../domain/fold.ts";
import { countSentences, poeSummary } from "../domain/poe-summary.ts";

// Every pair of every shared scenario gets a POE summary, checked against facts read off the
// scenario files by hand (below), never against the function's own output.

const SCENARIOS = fileURLToPath(new URL("../../shared/scenarios/", import.meta.url));
const HASH_A = "a".repeat(64);

interface Expected {
  customer: string;
  /** Dates that must appear in the summary part (before `## Appendix`). */
  summaryDates: string[];
  /** Dates that must appear somewhere (timeline, acknowledgement, disclosure). */
  dates: string[];
  users?: number;
  meetings?: number;
  /** Delivery stated in the summary part ("remote"), absent when no event carries a delivery. */
  delivery?: string;
  acknowledgement?: { signedOn: string; signer: string; title: string };
  disclosedOn?: string;
  documents: { fileName: string; sha256: string; size: number; mentions: string[] }[];
  missing: [code: string, rule: string][];
  recommended: [code: string, rule: string][];
  /** Phrases that must appear in the summary part. */
  summaryPhrases?: string[];
  /** Strings that must not appear anywhere (other pairs' workloads). */
  absent?: string[];
}

const SOW = (...mentions: string[]) => ({ fileName: "sow.pdf", sha256: HASH_A, size: 48213, mentions });
const DANA = (signedOn: string) => ({ signedOn, signer: "Dana Customer", title: "CISO" });
const ALL_RECOMMENDED: [string, string][] = [
  ["user-count", "POE-8"],
  ["customer-need", "POE-9"],
  ["customer-benefit", "POE-9"],
  ["meeting-count", "POE-10"],
  ["supporting-document", "POE-11"],
];
const NEED = "Ransomware exposure on unmanaged endpoints";
const BENEFIT = "Unified policy and detection across 1,200 devices";

const P01: Expected = {
  customer: "Customer 0101",
  summaryDates: ["2025-03-03", "2025-04-11"],
  dates: ["2025-01-10", "2025-02-20"],
  users: 1200,
  meetings: 6,
  delivery: "remote",
  acknowledgement: DANA("2025-02-20"),
  documents: [SOW("defender-endpoint")],
  missing: [],
  recommended: [],
  summaryPhrases: [NEED, BENEFIT, "configuration", "policy customization"],
};

/** Keyed by scenario file name, then workload. */
const EXPECTED: Record<string, Record<string, Expected>> = {
  "p01-remote-deployment-ready": { "defender-endpoint": P01 },
  "p02-mci-presales-only": {
    "defender-endpoint": {
      customer: "Customer 0102",
      summaryDates: ["2025-02-10", "2025-03-07", "2025-03-20"],
      dates: ["2025-02-20"],
      users: 1200,
      meetings: 6,
      acknowledgement: DANA("2025-02-20"),
      documents: [SOW("defender-endpoint")],
      missing: [],
      recommended: [],
      summaryPhrases: ["Threat Protection Engagement", "Milestone 1", NEED],
    },
  },
  "p03-managed-services-only": {
    "defender-endpoint": {
      customer: "Customer 0103",
      summaryDates: ["2025-01-15", "2026-01-14"],
      dates: ["2025-01-10"],
      users: 1200,
      meetings: 6,
      acknowledgement: DANA("2025-01-10"),
      documents: [SOW("defender-endpoint")],
      missing: [],
      recommended: [],
      summaryPhrases: ["MSS"],
    },
  },
  "p04-thirty-minute-call": {
    "defender-office365": {
      customer: "Customer 0104",
      summaryDates: [],
      dates: ["2025-01-10", "2025-04-02"],
      documents: [],
      missing: [
        ["customer-acknowledgement", "POE-1"],
        ["workload-not-in-poe", "POE-3"],
        ["scope-description", "POE-4"],
        ["engagement-dates", "POE-5"],
      ],
      recommended: ALL_RECOMMENDED,
    },
  },
  "p05-gcc-high-excluded": {
    "defender-endpoint": {
      customer: "Customer 0105",
      summaryDates: ["2025-03-03", "2025-04-11"],
      dates: ["2025-02-20"],
      users: 1200,
      meetings: 6,
      delivery: "remote",
      acknowledgement: DANA("2025-02-20"),
      disclosedOn: "2025-02-20",
      documents: [SOW("defender-endpoint")],
      missing: [],
      recommended: [],
    },
  },
  "p06-stale-acknowledgement": {
    "defender-identity": {
      customer: "Customer 0106",
      summaryDates: ["2025-04-01", "2025-06-30"],
      dates: ["2024-04-01", "2024-04-15"],
      users: 1200,
      meetings: 6,
      delivery: "remote",
      acknowledgement: DANA("2024-04-15"),
      documents: [SOW("defender-identity")],
      missing: [["acknowledgement-stale", "POE-2"]],
      recommended: [],
    },
  },
  "p07-us-public-sector-disclosure": {
    "defender-endpoint": {
      customer: "Customer 0107",
      summaryDates: ["2025-03-03", "2025-04-11"],
      dates: ["2025-02-20"],
      users: 1200,
      meetings: 6,
      delivery: "remote",
      acknowledgement: DANA("2025-02-20"),
      documents: [SOW("defender-endpoint")],
      missing: [["public-sector-disclosure", "POE-7"]],
      recommended: [],
      absent: ["entra-id-p2", "2025-03-10", "Fee disclosure"],
    },
    "entra-id-p2": {
      customer: "Customer 0107",
      summaryDates: ["2025-03-10", "2025-04-11"],
      dates: ["2025-02-20"],
      users: 1200,
      meetings: 6,
      delivery: "remote",
      acknowledgement: DANA("2025-02-20"),
      disclosedOn: "2025-03-01",
      documents: [SOW("entra-id-p2")],
      missing: [],
      recommended: [],
      absent: ["defender-endpoint"],
    },
  },
  "p08-health-check-adoption": {
    "defender-identity": {
      customer: "Customer 0108",
      summaryDates: ["2025-04-14", "2025-04-30"],
      dates: ["2025-04-10"],
      users: 1200,
      meetings: 6,
      delivery: "remote",
      acknowledgement: DANA("2025-04-10"),
      documents: [SOW("defender-identity")],
      missing: [],
      recommended: [],
      summaryPhrases: ["health check", "12-day", "hands-on", "5 meetings", "14 recommendations"],
    },
  },
  "p09-approved-claim": {
    "defender-cloud-apps": {
      customer: "Customer 0109",
      summaryDates: ["2025-03-03", "2025-04-11"],
      dates: ["2025-02-20", "2025-03-20", "2025-04-10", "CLM-9001"],
      users: 1200,
      meetings: 6,
      delivery: "remote",
      acknowledgement: DANA("2025-02-20"),
      documents: [SOW("defender-cloud-apps")],
      missing: [],
      recommended: [],
    },
  },
  "p10-workload-not-in-poe": {
    "purview-dlp": {
      customer: "Customer 010a",
      summaryDates: ["2025-04-07", "2025-05-30"],
      dates: ["2025-04-01"],
      users: 800,
      meetings: 3,
      delivery: "remote",
      acknowledgement: DANA("2025-04-01"),
      documents: [SOW("purview-information-protection")],
      missing: [["workload-not-in-poe", "POE-3"]],
      recommended: [],
    },
  },
  "p11-out-of-order-and-duplicate": { "defender-endpoint": P01 },
  "p12-retired-workload": {
    "teams-phone": {
      customer: "Customer 010c",
      summaryDates: ["2025-02-03", "2025-04-11"],
      dates: ["2025-02-20"],
      users: 1200,
      meetings: 6,
      delivery: "remote",
      acknowledgement: DANA("2025-02-20"),
      documents: [SOW("teams-phone")],
      missing: [],
      recommended: [],
    },
  },
};

// ---------------------------------------------------------------------------------------------------

interface Pair {
  scenario: string;
  asOf: string;
  partnerId: string;
  tenantId: string;
  workload: string;
  pairEvents: EngagementEvent[];
  tenantEvents: EngagementEvent[];
  all: EngagementEvent[];
}

function parse(line: string): EngagementEvent {
  const v = validateEvent(JSON.parse(line));
  if (!v.ok) throw new Error(`invalid scenario event: ${JSON.stringify(v.errors)}`);
  return v.event;
}

function loadPairs(): Pair[] {
  const pairs: Pair[] = [];
  for (const file of readdirSync(SCENARIOS)
    .filter((f) => f.endsWith(".ndjson"))
    .sort()) {
    const scenario = file.replace(/\.ndjson$/, "");
    const { asOf } = JSON.parse(readFileSync(`${SCENARIOS}${scenario}.expected.json`, "utf8")) as {
      asOf: string;
    };
    const all = readFileSync(`${SCENARIOS}${file}`, "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map(parse);
    const keys = new Map<string, Pair>();
    for (const e of all) {
      if (
        e.type === "tenant.profiled" ||
        e.type === "skilling.certification.recorded" ||
        e.type === "event.voided"
      )
        continue;
      const k = `${e.partnerid}|${e.tenantid}|${e.workload}`;
      if (!keys.has(k)) {
        keys.set(k, {
          scenario,
          asOf,
          partnerId: e.partnerid,
          tenantId: e.tenantid,
          workload: e.workload,
          pairEvents: [],
          tenantEvents: all.filter(
            (t) => t.type === "tenant.profiled" && t.tenantid === e.tenantid && t.partnerid === e.partnerid,
          ),
          all,
        });
      }
      keys.get(k)!.pairEvents.push(e);
    }
    pairs.push(...keys.values());
  }
  return pairs;
}

function build(p: Pair, events?: readonly TimedEvent[]) {
  const state = evaluatePair(
    { partnerId: p.partnerId, tenantId: p.tenantId, workload: p.workload },
    p.pairEvents,
    p.tenantEvents,
    p.asOf,
  );
  const asOfMs = Date.parse(p.asOf);
  const ordered =
    events ?? distinctInBusinessOrder([...p.tenantEvents, ...p.pairEvents]).filter((t) => t.timeMs <= asOfMs);
  return { state, ordered, text: poeSummary({ state, events: ordered }) };
}

/** The text between a `## heading` line and the next `## ` heading. */
function section(text: string, heading: string): string {
  const start = text.indexOf(`\n${heading}\n`);
  if (start < 0) return "";
  const rest = text.slice(start + heading.length + 2);
  const next = rest.search(/^## /m);
  return next < 0 ? rest : rest.slice(0, next);
}
const summaryPart = (text: string) => text.slice(0, text.indexOf("\n## Appendix\n"));
const subsection = (text: string, heading: string) => {
  const start = text.indexOf(`\n${heading}\n`);
  if (start < 0) return "";
  const rest = text.slice(start + heading.length + 2);
  const next = rest.search(/^##+ /m);
  return next < 0 ? rest : rest.slice(0, next);
};

const APOLOGETIC = /\b(only|unfortunately|although|though|despite|however|but|merely|just|limited|sadly)\b/i;

const PAIRS = loadPairs();

describe("poeSummary on the shared scenarios", () => {
  it("covers every pair of every scenario with a hand-written expectation", () => {
    expect(PAIRS.length).toBeGreaterThanOrEqual(13);
    for (const p of PAIRS)
      expect(EXPECTED[p.scenario]?.[p.workload], `${p.scenario}/${p.workload}`).toBeDefined();
  });

  for (const p of PAIRS) {
    const want = EXPECTED[p.scenario]?.[p.workload];
    if (!want) continue;

    describe(`${p.scenario} / ${p.workload}`, () => {
      const { text, state } = build(p);
      const summary = summaryPart(text);

      it("has the title, then the summary, the appendix, what is missing and what is recommended", () => {
        expect(text.startsWith(`# POE summary — ${want.customer} — ${p.workload}\n`)).toBe(true);
        const order = ["\n## Appendix\n", "\n## Still missing\n", "\n## Recommended\n"].map((h) =>
          text.indexOf(h),
        );
        expect(order.every((i) => i > 0)).toBe(true);
        expect([...order].sort((a, b) => a - b)).toEqual(order);
        expect(summary.split("\n").slice(1).join("\n").trim().length).toBeGreaterThan(0);
      });

      it("keeps the summary to at most five sentences", () => {
        const n = countSentences(summary);
        expect(n).toBeGreaterThan(0);
        expect(n).toBeLessThanOrEqual(5);
      });

      it("names the workload and the relevant dates", () => {
        const body = summary.split("\n").slice(1).join("\n");
        expect(body).toContain(p.workload);
        for (const d of want.summaryDates) expect(summary).toContain(d);
        for (const d of want.dates) expect(text).toContain(d);
        for (const phrase of want.summaryPhrases ?? []) expect(summary).toContain(phrase);
        for (const s of want.absent ?? []) expect(text).not.toContain(s);
      });

      it("states users in scope and meetings held when known, never 'unknown'", () => {
        if (want.users !== undefined)
          expect(summary).toMatch(new RegExp(`\\b${want.users} users in scope\\b`));
        else expect(summary).not.toMatch(/users in scope/);
        if (want.meetings !== undefined) expect(summary).toContain(`${want.meetings} meetings were held`);
        else expect(summary).not.toMatch(/meetings? (were|was) held/);
        expect(text).not.toMatch(/\b(unknown|undefined|null|NaN)\b|\[object/);
      });

      it("states the delivery as a plain fact (ACT-2)", () => {
        if (want.delivery) expect(summary).toContain(`delivery is ${want.delivery}`);
        else expect(summary).not.toMatch(/\bremote\b/i);
        for (const m of text.matchAll(/remote/gi)) {
          const around = text.slice(Math.max(0, m.index - 100), m.index + 100);
          expect(around, around).not.toMatch(APOLOGETIC);
        }
        expect(summary).not.toMatch(APOLOGETIC);
      });

      it("lists what is missing and recommended with their rule ids", () => {
        expect(state.poe.missing.map((c) => [c, state.poe.rules[c]])).toEqual(want.missing);
        const missing = section(text, "## Still missing");
        const missingLines = missing.split("\n").filter((l) => l.startsWith("- "));
        expect(missingLines).toHaveLength(want.missing.length);
        want.missing.forEach(([code, rule], i) => {
          expect(missingLines[i]).toContain(`(${rule})`);
          expect(missingLines[i]).toContain(`\`${code}\``);
        });
        if (want.missing.length === 0) expect(missing).toContain("Nothing is missing.");

        const recommended = section(text, "## Recommended");
        const recLines = recommended.split("\n").filter((l) => l.startsWith("- "));
        expect(recLines).toHaveLength(want.recommended.length);
        want.recommended.forEach(([code, rule], i) => {
          expect(recLines[i]).toContain(`(${rule})`);
          expect(recLines[i]).toContain(`\`${code}\``);
        });
        if (want.recommended.length === 0) expect(recommended).toContain("Nothing is missing.");
      });

      it("words each missing and recommended item exactly as the state's poe.items (one source of wording)", () => {
        const lines = [
          ...section(text, "## Still missing").split("\n"),
          ...section(text, "## Recommended").split("\n"),
        ].filter((l) => l.startsWith("- "));
        expect(lines).toHaveLength(state.poe.items.length);
        state.poe.items.forEach((item, i) => {
          expect(lines[i]).toContain(item.message);
        });
      });

      it("puts the documents, the acknowledgement and the disclosure in the appendix", () => {
        const appendix = section(text, "## Appendix");
        const documents = subsection(appendix, "### Documents");
        for (const d of want.documents) {
          expect(documents).toContain(d.sha256);
          expect(documents).toContain(d.fileName);
          expect(documents).toContain(String(d.size));
          for (const w of d.mentions) expect(documents).toContain(w);
        }
        if (want.documents.length === 0) expect(documents).toContain("No documents attached.");

        const ack = subsection(appendix, "### Acknowledgement");
        if (want.acknowledgement) {
          expect(ack).toContain(want.acknowledgement.signedOn);
          expect(ack).toContain(want.acknowledgement.signer);
          expect(ack).toContain(want.acknowledgement.title);
          expect(ack).toContain("signed SOW");
        } else expect(ack).toContain("No customer acknowledgement recorded.");

        const fee = subsection(appendix, "### Fee disclosure");
        if (want.disclosedOn) expect(fee).toContain(want.disclosedOn);
        else expect(fee).toBe("");
      });

      it("writes a timeline of every event in business-time order, in words", () => {
        const timeline = subsection(section(text, "## Appendix"), "### Timeline");
        const lines = timeline.split("\n").filter((l) => l.startsWith("- "));
        const distinct = new Set([...p.tenantEvents, ...p.pairEvents].map((e) => `${e.source}|${e.id}`));
        expect(lines).toHaveLength(distinct.size);
        const dates = lines.map((l) => l.slice(2, 12));
        expect([...dates].sort()).toEqual(dates);
        for (const l of lines) {
          expect(l).toMatch(/^- \d{4}-\d{2}-\d{2} — \S/);
          expect(l).not.toMatch(/[{}"]/);
          expect(l).not.toMatch(
            /\b(tenant|presales|deployment|adoption|guidance|support|managed-services|engagement|acknowledgement|disclosure|poe|claim|usage)\.[a-z]/,
          );
        }
      });

      it("is deterministic", () => {
        expect(build(p).text).toBe(text);
      });
    });
  }
});

describe("poeSummary input handling", () => {
  const p07 = PAIRS.find((p) => p.scenario.startsWith("p07") && p.workload === "defender-endpoint")!;
  const p01 = PAIRS.find((p) => p.scenario.startsWith("p01"))!;

  it("ignores other pairs' events, duplicates and events after asOf", () => {
    const alone = build(p07).text;
    const everything = distinctInBusinessOrder([...p07.all, ...p07.all]);
    expect(build(p07, everything).text).toBe(alone);
    const late = parse(
      JSON.stringify({
        ...p07.pairEvents[0],
        id: "late-1",
        type: "disclosure.recorded",
        time: "2025-06-01T09:00:00Z",
        data: { disclosedOn: "2025-06-01" },
      }),
    );
    expect(build(p07, distinctInBusinessOrder([...p07.all, late])).text).toBe(alone);
  });

  it("accepts the folded facts and writes the same text", () => {
    const { state, ordered, text } = build(p01);
    expect(poeSummary({ state, events: ordered, facts: foldEvents(ordered).facts })).toBe(text);
  });

  it("keeps free text with sentences of its own inside the five-sentence summary", () => {
    const scope = p01.pairEvents.find((e) => e.type === "engagement.scope.described")!;
    const chatty = parse(
      JSON.stringify({
        ...scope,
        data: {
          ...scope.data,
          description: "Rollout. Then tuning! Then what? Hand-over to the SOC team.",
          customerNeed: "Too many alerts. Nobody triages them.",
          customerBenefit: "Fewer incidents. Faster response.",
        },
      }),
    );
    const { text } = build({ ...p01, pairEvents: p01.pairEvents.map((e) => (e === scope ? chatty : e)) });
    const summary = summaryPart(text);
    expect(countSentences(summary)).toBeLessThanOrEqual(5);
    expect(summary).toContain("Nobody triages them");
    expect(summary).toContain("Hand-over to the SOC team");
  });

  it("states on-site and hybrid delivery as plainly as remote", () => {
    for (const [delivery, words] of [
      ["onsite", "delivery is on-site"],
      ["hybrid", "delivery is hybrid"],
    ] as const) {
      const pairEvents = p01.pairEvents.map((e) =>
        e.type === "deployment.started" ? parse(JSON.stringify({ ...e, data: { ...e.data, delivery } })) : e,
      );
      const summary = summaryPart(build({ ...p01, pairEvents }).text);
      expect(summary).toContain(words);
      expect(summary).not.toMatch(APOLOGETIC);
    }
  });

  it("names the tenant id in the title when the customer has no profile", () => {
    const { text } = build({ ...p01, tenantEvents: [] });
    expect(text.split("\n")[0]).toBe(`# POE summary — ${p01.tenantId} — defender-endpoint`);
  });
});

describe("countSentences", () => {
  it.each([
    ["", 0],
    ["One sentence.", 1],
    ["One. Two! Three?", 3],
    ["Wait... what?!", 2],
    ["Version 1.5 ships on 2025-03-03.", 1],
    ["No terminator", 1],
    ["First.\nSecond.\n", 2],
    ["Done. And a fragment", 2],
    ["# A heading line\n\nOne. Two.", 2],
  ])("%j has %i", (text, n) => {
    expect(countSentences(text)).toBe(n);
  });
});
