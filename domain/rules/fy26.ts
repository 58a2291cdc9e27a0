import { FY25 } from "./fy25.ts";
import type { RuleSet } from "./rule-set.ts";

/** FY26 carries FY25's values until a newer guide is loaded (RULES.md); only the calendar moves. */
export const FY26: RuleSet = {
  ...FY25,
  programYear: "FY26",
  carriesValuesOf: "FY25",
  incentiveYear: { value: { start: "2025-10-01", end: "2026-09-30" }, rule: "CAL-1" },
  presalesYear: { value: { start: "2025-07-01", end: "2026-06-30" }, rule: "CAL-2" },
};
