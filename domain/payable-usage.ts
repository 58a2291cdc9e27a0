import type { CalendarDate } from "./dates.ts";
import { NO_FACTS, type PairFacts } from "./facts.ts";
import type { RuleId, Segment } from "./rules/index.ts";
import { ruleSetOn as ruleSetInForce } from "./rules/index.ts";
import { pairUsage, type RuleSetOn } from "./usage.ts";

// What Partner Center should pay on, month by month, by the rules (HWM-2, SEG-1, SEG-2): the figure a
// partner compares with the earnings report (GCC and education tenants, whose earnings partners
// report missing). One function, reused by reconciliation; it runs pairUsage's arithmetic, so the
// state's `usage` and this prediction can never disagree.

export interface PayableUsageInput {
  readonly segment: Segment;
  /** Education: paid (faculty and staff) seats; SEG-2 counts paid users' usage only. */
  readonly paidSeats?: number;
  /** The approved claim's `approvedOn`; without it nothing is payable (HWM-2: months after approval). */
  readonly approvedOn?: CalendarDate;
  /** A decline or disassociation ends the count on this day. */
  readonly endedOn?: CalendarDate;
  /** Reported usage by month `YYYY-MM`. */
  readonly usage: Readonly<Record<string, { readonly mau: number; readonly pau: number }>>;
  readonly asOf: CalendarDate;
  readonly ruleSetOn?: RuleSetOn;
}

export interface PayableMonth {
  readonly month: string;
  readonly mau: number;
  readonly pau: number;
  /** The high-water mark the month must beat (every earlier month's highest MAU, HWM-2). */
  readonly priorHighWaterMark: number;
  /** Units the rules predict Partner Center pays on (0 when the month does not count). */
  readonly payableUnits: number;
  /** Measured while the approved claim was in force. */
  readonly counts: boolean;
  /** `min(MAU, PAU)`, or `min(MAU, PAU, paid seats)` for education with known paid seats (SEG-2). */
  readonly basis: string;
  readonly ruleSet: string;
}

export interface PayableUsage {
  readonly segment: Segment;
  /** False for GCC High and DoD (SEG-1): no telemetry, nothing payable. */
  readonly included: boolean;
  readonly startingHighWaterMark: number;
  readonly months: readonly PayableMonth[];
  readonly payableUnitsTotal: number;
  readonly rules: readonly RuleId[];
}

/** Predicts, per reported month, the units the rules make payable. Pure. */
export function predictPayableUsage(input: PayableUsageInput): PayableUsage {
  const rules = input.ruleSetOn ?? ruleSetInForce;
  const included = !rules(input.asOf).excludedSegments.value.includes(input.segment);
  const facts: PairFacts = {
    ...NO_FACTS,
    tenant: {
      customerName: "",
      segment: input.segment,
      publicSector: false,
      country: "",
      ...(input.paidSeats !== undefined ? { paidSeats: input.paidSeats } : {}),
    },
    usage: input.usage,
    ...(input.approvedOn !== undefined
      ? {
          claim: {
            claimId: "",
            approvedOn: input.approvedOn,
            ...(input.endedOn !== undefined ? { endedOn: input.endedOn } : {}),
          },
        }
      : {}),
  };
  const usage = pairUsage({ facts, asOf: input.asOf, ruleSetOn: rules });
  const paidOnly = input.segment === "education" && input.paidSeats !== undefined;
  const months: PayableMonth[] = usage.months.map((m) => ({
    month: m.month,
    mau: m.mau,
    pau: m.pau,
    priorHighWaterMark: m.priorHighWaterMark,
    payableUnits: included ? m.estimateUnits : 0,
    counts: included && m.countsAfterApproval,
    basis: paidOnly ? `min(MAU, PAU, paid seats ${input.paidSeats})` : "min(MAU, PAU)",
    ruleSet: m.ruleSet,
  }));
  const ruleIds: RuleId[] = ["HWM-2", "SEG-1"];
  if (input.segment === "education") ruleIds.push("SEG-2");
  return {
    segment: input.segment,
    included,
    startingHighWaterMark: usage.startingHighWaterMark,
    months,
    payableUnitsTotal: months.reduce((s, m) => s + m.payableUnits, 0),
    rules: ruleIds,
  };
}
