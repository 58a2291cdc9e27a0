// Dataverse webhooks post the RemoteExecutionContext as JSON: parameters and images are key/value
// arrays, a row is an Entity whose `Attributes` are key/value pairs, and values carry WCF type markers
// (OptionSetValue, Money, EntityReference) and `/Date(ms)/` dates. The reader turns that into a plain
// view, so a mapping says `$.InputParameters.Target.tracker_data` and errors name the same path.
import { eventFromColumns, TRACKER_COLUMNS } from "./event-columns.ts";
import type { Mapping } from "./mapping.ts";
import type { Delivery } from "./records.ts";

const KEYED = [
  "InputParameters",
  "OutputParameters",
  "PreEntityImages",
  "PostEntityImages",
  "SharedVariables",
];

export function readDataverse(body: unknown): Delivery {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return refused("$", "expected the RemoteExecutionContext JSON object a Dataverse webhook posts");
  }
  const context = body as Record<string, unknown>;
  const view: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(context)) {
    if (!KEYED.includes(key)) {
      view[key] = value;
      continue;
    }
    if (value === null || value === undefined) continue;
    const pairs = keyValues(value);
    if (!pairs) return refused(`$.${key}`, "expected a list of {key, value} pairs");
    view[key] = Object.fromEntries(pairs.map(([k, v]) => [k, plain(v)]));
  }
  return { ok: true, records: [{ prefix: "$", view }] };
}

function refused(path: string, message: string): Delivery {
  return { ok: false, errors: [{ path, message }] };
}

function keyValues(value: unknown): [string, unknown][] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: [string, unknown][] = [];
  for (const item of value) {
    if (item === null || typeof item !== "object" || typeof (item as { key?: unknown }).key !== "string") {
      return undefined;
    }
    out.push([(item as { key: string }).key, (item as { value?: unknown }).value]);
  }
  return out;
}

/** A value without its WCF wrapper: an option's or amount's number, a reference's id and table, a row's columns. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  const kind = typeof record.__type === "string" ? record.__type.split(":")[0] : undefined;
  if (kind === "OptionSetValue" || kind === "Money") return record.Value;
  if (kind === "OptionSetValueCollection" && Array.isArray(record.Value)) return record.Value.map(plain);
  if (kind === "EntityReference") {
    return { Id: record.Id, LogicalName: record.LogicalName, Name: record.Name ?? null };
  }
  if (kind === "Entity" || Array.isArray(record.Attributes)) {
    // Logical names are lower-case, so the row's own Id and LogicalName cannot collide with a column.
    const columns = Object.fromEntries((keyValues(record.Attributes) ?? []).map(([k, v]) => [k, plain(v)]));
    return { ...columns, Id: record.Id, LogicalName: record.LogicalName };
  }
  return record;
}

/** The `tracker_engagementevent` table (docs/CONNECT-YOUR-CRM.md): one row, one event, on Create. */
export const DATAVERSE_DEFAULT: Mapping = {
  rules: [
    {
      when: { "$.MessageName": "Create", "$.PrimaryEntityName": "tracker_engagementevent" },
      id: "{$.PrimaryEntityId}",
      ...eventFromColumns("$.InputParameters.Target", TRACKER_COLUMNS),
    },
  ],
};
