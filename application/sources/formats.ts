// The CRM formats a source may deliver in (CONNECTORS.md), in one table: adding a CRM is a reader and
// a default mapping in its own file, and one line here. config.ts takes the names (TRACKER_SOURCES and
// OpenAPI), deliveries.ts reads and maps with the entry.
import { DATAVERSE_DEFAULT, readDataverse } from "./dataverse.ts";
import { HUBSPOT_DEFAULT, readHubSpot } from "./hubspot.ts";
import type { Mapping } from "./mapping.ts";
import type { Delivery } from "./records.ts";
import { readSalesforce, SALESFORCE_DEFAULT } from "./salesforce.ts";

export type CrmFormat =
  /** The body is JSON; the reader gets it parsed. */
  | { readonly body: "json"; readonly read: (body: unknown) => Delivery; readonly defaultMapping: Mapping }
  /** The body is other text (XML); the reader gets it decoded. */
  | { readonly body: "text"; readonly read: (body: string) => Delivery; readonly defaultMapping: Mapping };

export const CRM_FORMATS = {
  dataverse: { body: "json", read: readDataverse, defaultMapping: DATAVERSE_DEFAULT },
  hubspot: { body: "json", read: readHubSpot, defaultMapping: HUBSPOT_DEFAULT },
  "salesforce-outbound": { body: "text", read: readSalesforce, defaultMapping: SALESFORCE_DEFAULT },
} as const satisfies Record<string, CrmFormat>;

export type CrmFormatName = keyof typeof CRM_FORMATS;
