// Settings that arrive as JSON text (app settings in Azure, ideally Key Vault references): parsed and
// validated with zod at start-up, so a wrong one stops the start naming the field. Messages never quote
// a value: settings hold secrets.
import type { z } from "zod";
import { jsonPath } from "../domain/events.ts";

export class SettingError extends Error {
  override readonly name = "SettingError";
}

/** Validates a parsed setting; `label` names it in messages (e.g. `TRACKER_SOURCES[1].auth.header`). */
export function checkSetting<S extends z.ZodType>(schema: S, input: unknown, label: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  // zod's messages state what was expected, never the value received.
  const lines = result.error.issues.map((i) => `${jsonPath(i.path).replace(/^\$/, label)}: ${i.message}`);
  throw new SettingError(`${label} is not valid:\n  ${lines.join("\n  ")}`);
}

/** A setting's JSON text, validated; absent or blank is `whenAbsent`. */
export function settingFromJson<S extends z.ZodType>(
  schema: S,
  text: string | undefined,
  label: string,
  whenAbsent: z.output<S>,
): z.output<S> {
  if (!text?.trim()) return whenAbsent;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // JSON.parse quotes the text around the fault, which may hold a secret: keep the position only.
    const at = /position (\d+)/.exec((error as Error).message)?.[1];
    throw new SettingError(`${label} is not valid JSON${at ? ` (at character ${at})` : ""}`);
  }
  return checkSetting(schema, parsed, label);
}
