// TRACKER_SOURCES (contract CONNECTORS.md), validated with zod at start-up: a bad entry stops the service
// with a message naming the field, e.g. `TRACKER_SOURCES[1].auth.header`, and never echoes a value.
import { z } from "zod";
import { checkSetting, SettingError, settingFromJson } from "../settings.ts";
import { CRM_FORMATS, type CrmFormatName } from "./formats.ts";
import { type Mapping, MappingSchema } from "./mapping.ts";

/** `cloudevents` (EVENTS.md as is), then every CRM format of sources/formats.ts. */
export const FORMATS = ["cloudevents", ...(Object.keys(CRM_FORMATS) as CrmFormatName[])] as const;
export type SourceFormat = (typeof FORMATS)[number];

// Header names per RFC 9110 (a token); lower-cased so lookups are case-insensitive.
const headerName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "expected an HTTP header name")
  .transform((h) => h.toLowerCase());

export const AuthSchema = z.discriminatedUnion("mode", [
  z.strictObject({ mode: z.literal("standard-webhooks") }),
  z.strictObject({ mode: z.literal("http-header"), header: headerName }),
  z.strictObject({ mode: z.literal("query-code") }),
  z.strictObject({
    mode: z.literal("hubspot-v3"),
    /** The endpoint URL as registered in HubSpot, when a proxy in front changes the URL this app sees. */
    publicUrl: z.url().optional(),
  }),
  z.strictObject({
    mode: z.literal("salesforce-org"),
    organizationId: z.string().regex(/^[a-zA-Z0-9]{18}$/, "expected the 18-character organization id"),
  }),
]);
export type SourceAuth = z.infer<typeof AuthSchema>;

export const SourceSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9-]{1,64}$/, "expected [a-z0-9-]{1,64}"),
    partnerId: z.string().regex(/^\d+$/, "expected the Partner (location) ID, digits"),
    secrets: z.array(z.string().min(8, "a secret has at least 8 characters")).min(1),
    format: z.enum(FORMATS).default("cloudevents"),
    auth: AuthSchema.optional(),
    mapping: MappingSchema.optional(),
  })
  .transform((s) => ({ ...s, auth: s.auth ?? defaultAuth(s.format) }))
  .superRefine((s, ctx) => {
    if (s.auth.mode === "salesforce-org" && s.format !== "salesforce-outbound") {
      ctx.addIssue({
        code: "custom",
        path: ["auth", "mode"],
        message: "salesforce-org authenticates salesforce-outbound sources only",
      });
    }
    if (s.mapping && s.format === "cloudevents") {
      ctx.addIssue({
        code: "custom",
        path: ["mapping"],
        message: "cloudevents sources post events as they are",
      });
    }
  });

export type SourceConfig = z.output<typeof SourceSchema>;
/** A source as written in configuration (format, auth and mapping may be left out). */
export type SourceInput = z.input<typeof SourceSchema>;

function defaultAuth(format: SourceFormat): SourceAuth {
  if (format === "cloudevents") return { mode: "standard-webhooks" };
  // Dataverse's "WebhookKey" and HubSpot's workflow API-key query both send ?code=… without further set-up.
  return { mode: "query-code" };
}

const SourcesSchema = z.array(SourceSchema).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((s, i) => {
    if (seen.has(s.name)) {
      ctx.addIssue({ code: "custom", path: [i, "name"], message: "two sources have this name" });
    }
    seen.add(s.name);
  });
});

/** A wrong TRACKER_SOURCES (or `sources` option): the message names the field, never a value. */
export { SettingError as SourceConfigError };

/** Validates parsed sources; `label` names the setting in messages (e.g. `TRACKER_SOURCES`). */
export const parseSources = (input: unknown, label = "TRACKER_SOURCES"): SourceConfig[] =>
  checkSetting(SourcesSchema, input, label);

/** Parses the JSON text of TRACKER_SOURCES (absent or blank: no sources). */
export const sourcesFromJson = (text: string | undefined, label = "TRACKER_SOURCES"): SourceConfig[] =>
  settingFromJson(SourcesSchema, text, label, []);

export type { Mapping };

/** Whether a source (as configured, defaults not yet applied) posts signed CloudEvents to POST /api/events. */
export function signsStandardWebhooks(source: SourceInput): boolean {
  const format = source.format ?? "cloudevents";
  return format === "cloudevents" && (source.auth?.mode ?? "standard-webhooks") === "standard-webhooks";
}
