// The fold's memo (domain/fold.ts) is keyed by the outcome of every guard declared in domain/guards.ts.
// That key cannot go stale as long as (1) every guard reads only what it declares, and (2) the machine
// consults no guard outside that declaration. Both are checked here against the real declaration, and
// each check is shown to catch a deliberately broken guard or machine.

import { describe, expect, it } from "vitest";
import { setup } from "xstate";
import { decideEligibility, engagementMachine } from "../../domain/engagement-machine.ts";
import type { PairFacts, TimedEvent } from "../../domain/facts.ts";
import { distinctInBusinessOrder, foldEvents } from "../../domain/fold.ts";
import {
  ELIGIBILITY_OF_STATE,
  foldGuards,
  type Guard,
  type VerdictRequest,
  verdictGuards,
} from "../../domain/guards.ts";
import { eligibilityHistory } from "../../domain/history.ts";
import {
  adoptionLogged,
  claimApproved,
  claimSubmitted,
  deploymentStarted,
  managedServicesEnded,
  managedServicesStarted,
  tenantProfiled,
} from "./given.ts";

/** Wraps a value so every property read is recorded as a dotted path (array elements as `[]`). */
function recording<T>(value: T, path: string, reads: Set<string>): T {
  if (value === null || typeof value !== "object") return value;
  return new Proxy(value as object, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof prop === "symbol" || typeof v === "function") return v;
      const here = /^\d+$/.test(prop) || prop === "length" ? `${path}[]` : `${path}.${prop}`;
      reads.add(here);
      return recording(v, here, reads);
    },
  }) as T;
}

/** The reads a guard made that no declared path covers (reading an object on the way is covered). */
function undeclaredReads<E>(guard: Guard<E>, facts: PairFacts, event: E): string[] {
  const reads = new Set<string>();
  guard.holds(recording(facts, "facts", reads), recording(event, "event", reads));
  return [...reads].filter(
    (r) => !guard.reads.some((d) => d === r || d.startsWith(`${r}.`) || d.startsWith(`${r}[]`)),
  );
}

/** Every guard the machine's transitions name that is not declared for that kind of event. */
function undeclaredMachineGuards(machine: { root: unknown }): string[] {
  const out: string[] = [];
  const walk = (node: {
    id: string;
    transitions: Map<string, { guard?: unknown }[]>;
    states: Record<string, unknown>;
  }) => {
    for (const [type, transitions] of node.transitions)
      for (const { guard } of transitions) {
        if (guard === undefined) continue;
        const table = type === "verdict.requested" ? verdictGuards : foldGuards;
        if (typeof guard !== "string" || !(guard in table)) out.push(`${node.id} on ${type}`);
      }
    for (const child of Object.values(node.states)) walk(child as typeof node);
  };
  walk(machine.root as Parameters<typeof walk>[0]);
  return out;
}

// Facts that reach every branch of every guard: no tenant, a tenant, work, managed services ended, claims.
const samples: PairFacts[] = [
  [],
  [tenantProfiled({ time: "2025-01-02", segment: "government-dod" })],
  [tenantProfiled({ time: "2025-01-02" }), deploymentStarted({ time: "2025-03-03" })],
  [adoptionLogged({ time: "2025-03-05" }), managedServicesStarted({ time: "2025-03-06" })],
  [managedServicesStarted({ time: "2025-03-06" }), managedServicesEnded({ time: "2025-04-01" })],
  [claimSubmitted({ time: "2025-05-01" }), claimApproved({ time: "2025-05-09" })],
].map((events) => foldEvents(distinctInBusinessOrder(events)).facts);

const requests: VerdictRequest[] = ["2025-06-01", "2027-06-01"].flatMap((asOf) =>
  ["defender-endpoint", "teams-phone"].map((workload) => ({
    type: "verdict.requested" as const,
    asOf,
    workload,
  })),
);
const takes: TimedEvent[] = distinctInBusinessOrder([
  claimSubmitted({ time: "2025-05-01" }),
  claimSubmitted({ time: "2025-05-02", claimId: "CLM-2" }),
  deploymentStarted({ time: "2025-05-03" }),
]);

describe("guards declared once, memo key derived from them", () => {
  it("every verdict guard reads only the facts it declares", () => {
    for (const [name, guard] of Object.entries(verdictGuards))
      for (const facts of samples)
        for (const request of requests)
          expect({ name, undeclared: undeclaredReads(guard, facts, request) }).toEqual({
            name,
            undeclared: [],
          });
  });

  it("every fold guard reads only the facts it declares", () => {
    for (const [name, guard] of Object.entries(foldGuards))
      for (const facts of samples)
        for (const at of takes)
          expect({ name, undeclared: undeclaredReads(guard, facts, at) }).toEqual({ name, undeclared: [] });
  });

  it("the history's last period is the eligibility the guards decide at asOf (it sees what they read)", () => {
    for (const facts of samples)
      for (const request of requests) {
        const last = eligibilityHistory(facts, request.workload, request.asOf).at(-1);
        if (last === undefined) continue;
        expect(last.eligibility).toBe(ELIGIBILITY_OF_STATE[decideEligibility(facts, request)]);
      }
  });

  it("the machine consults no guard outside the declaration (so none outside the memo key)", () => {
    expect(undeclaredMachineGuards(engagementMachine)).toEqual([]);
  });

  it("a guard reading a fact it did not declare is caught", () => {
    const lying: Guard<VerdictRequest> = {
      reads: ["facts.tenant.segment"],
      holds: (facts) => facts.tenant?.segment === "commercial" && facts.tenant.country === "US",
    };
    expect(undeclaredReads(lying, samples[2]!, requests[0]!)).toEqual(["facts.tenant.country"]);
  });

  it("a machine with a guard written inline, outside the declaration, is caught", () => {
    const inline = setup({ guards: { sameClaim: () => true } }).createMachine({
      initial: "a",
      states: {
        a: { on: { "claim.submitted": { guard: () => true, target: "b" }, "verdict.requested": "b" } },
        b: { on: { "claim.approved": { guard: "sameClaim", target: "a" } } },
      },
    });
    expect(undeclaredMachineGuards(inline)).toEqual(["(machine).a on claim.submitted"]);
  });
});
