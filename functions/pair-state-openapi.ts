// OpenAPI schemas of the pair state (contract/STATE.md plus the fields docs/DECISIONS.md adds). The
// contract's fields keep their names; issue 13 added messages, facts, history, rounds and advice.

import { ADVICE_CODES } from "../domain/advice.ts";
import { REVIEWER_STEPS } from "../domain/history.ts";
import { ELIGIBILITIES } from "../domain/pair-state.ts";

const ruleId = { type: ["string", "null"], description: "A RULES.md id, e.g. POE-2", examples: ["POE-2"] };
const date = { type: "string", format: "date" };
const facts = {
  type: "object",
  additionalProperties: true,
  description: "What the verdict was judged on: dates, counts, and which event ({source, id})",
};
const explained = (codes: string[], description: string) => ({
  type: "object",
  description,
  required: ["code", "rule", "message", "facts"],
  properties: {
    code: { type: "string", examples: codes },
    rule: ruleId,
    message: { type: "string", description: "What was seen, what the rule needs, what to do" },
    facts,
  },
});

export function pairStateSchemas(): Record<string, unknown> {
  return {
    Reason: explained(
      ["lightweight-guidance-only", "engagement-stale"],
      "Why the pair is or is not claimable",
    ),
    PoeItem: {
      ...explained(
        ["engagement-dates", "user-count"],
        "A missing (blocking) or recommended POE item in words",
      ),
      required: ["code", "rule", "blocking", "message", "facts"],
      properties: {
        ...explained([], "").properties,
        blocking: { type: "boolean", description: "POE-1..7 block the claim; POE-8..11 are recommended" },
      },
    },
    EligibilityPeriod: {
      type: "object",
      required: ["eligibility", "from", "began", "message"],
      properties: {
        eligibility: {
          type: "string",
          enum: [...ELIGIBILITIES],
        },
        from: date,
        until: { ...date, description: "Last day; absent for the period in force at asOf" },
        began: { type: "object", properties: { because: { type: "string" }, rule: ruleId } },
        ended: { type: "object", properties: { because: { type: "string" }, rule: ruleId } },
        message: {
          type: "string",
          examples: [
            "usage-incentive from 2023-01-10 until 2024-01-31: ended when deployment work through 2023-01-31 aged out (TIM-1)",
          ],
        },
      },
    },
    ClaimReview: {
      type: "object",
      description: "The current claim's rounds with the reviewer (CLM-2)",
      required: ["claimId", "rounds", "reviewerDays", "partnerDays", "message"],
      properties: {
        claimId: { type: "string" },
        rounds: {
          type: "array",
          items: {
            type: "object",
            required: ["round", "submittedOn"],
            properties: {
              round: { type: "integer" },
              submittedOn: date,
              comment: { type: "string", description: "The partner's answer sent with a resubmission" },
              reviewer: {
                type: "object",
                properties: {
                  step: { type: "string", enum: [...REVIEWER_STEPS] },
                  on: date,
                  days: { type: "integer", description: "Days the reviewer took since the (re)submission" },
                  comment: { type: "string" },
                  respondBy: date,
                },
              },
            },
          },
        },
        reviewerDays: { type: "integer" },
        partnerDays: { type: "integer" },
        rejection: {
          type: "object",
          properties: {
            on: date,
            reason: { type: "string" },
            source: { type: "string" },
            id: { type: "string" },
          },
        },
        ending: {
          type: "object",
          properties: { step: { type: "string" }, on: date, reason: { type: "string" } },
        },
        message: { type: "string" },
      },
    },
    Advice: {
      type: "object",
      required: ["code", "rule", "rules", "message", "facts"],
      properties: {
        code: {
          type: "string",
          enum: [...ADVICE_CODES],
        },
        rule: ruleId,
        rules: { type: "array", items: ruleId },
        message: { type: "string" },
        facts,
      },
    },
    PairState: {
      type: "object",
      description: "contract/STATE.md; fields added by the tracker are listed in docs/DECISIONS.md",
      additionalProperties: true,
      properties: {
        claim: {
          type: "object",
          additionalProperties: true,
          properties: {
            reasons: { type: "array", items: { $ref: "#/components/schemas/Reason" } },
            history: { type: "array", items: { $ref: "#/components/schemas/EligibilityPeriod" } },
            review: { $ref: "#/components/schemas/ClaimReview" },
          },
        },
        poe: {
          type: "object",
          additionalProperties: true,
          properties: {
            missing: { type: "array", items: { type: "string" } },
            recommended: { type: "array", items: { type: "string" } },
            items: {
              type: "array",
              description: "missing then recommended, same order, each in words",
              items: { $ref: "#/components/schemas/PoeItem" },
            },
          },
        },
        rulesCarriedOver: {
          type: "object",
          description:
            "Present when the verdict uses rule values carried forward from an earlier program year",
          properties: {
            programYear: { type: "string" },
            ruleSet: { type: "string" },
            valuesFrom: { type: "string" },
            message: { type: "string" },
          },
        },
        advice: { type: "array", items: { $ref: "#/components/schemas/Advice" } },
        timeline: {
          type: "array",
          description:
            "The events as stored; a voided one carries `voided` naming the event.voided that voids it",
          items: { type: "object", additionalProperties: true },
        },
      },
    },
  };
}
