// The default CRM mappings read one record as one engagement event, its fields in named columns.
// Dataverse and HubSpot share the `tracker_*` column names; Salesforce names them its own way.
import type { Rule } from "./mapping.ts";

export interface EventColumns {
  type: string;
  tenantid: string;
  workload: string;
  /** An instant (ISO 8601). */
  time: string;
  /** The event's data as JSON text. */
  data: string;
}

/** The `tracker_engagementevent` table's columns (docs/CONNECT-YOUR-CRM.md). */
export const TRACKER_COLUMNS: EventColumns = {
  type: "tracker_eventtype",
  tenantid: "tracker_tenantid",
  workload: "tracker_workload",
  time: "tracker_occurredon",
  data: "tracker_data",
};

/** The mapping of an event's fields from the columns of the record at `record` (a JSONPath). */
export function eventFromColumns(record: string, columns: EventColumns) {
  const at = (column: string) => `${record}.${column}`;
  return {
    type: at(columns.type),
    tenantid: at(columns.tenantid),
    workload: at(columns.workload),
    time: { path: at(columns.time), as: "instant" as const },
    data: { path: at(columns.data), as: "json" as const },
  } satisfies Partial<Rule>;
}
