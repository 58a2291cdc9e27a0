// The CRM formats a source may deliver in (CONNECTORS.md), in one table: adding a CRM is a reader and
// a default mapping in its own file, and one entry here. config.ts takes the names (TRACKER_SOURCES and
// OpenAPI), functions/sources-openapi.ts what each posts, deliveries.ts reads and maps with the entry.
import { DATAVERSE_DEFAULT, readDataverse } from "./dataverse.ts";
import { HUBSPOT_DEFAULT, readHubSpot } from "./hubspot.ts";
import type { Mapping } from "./mapping.ts";
import type { Delivery } from "./records.ts";
import { readSalesforce, SALESFORCE_DEFAULT } from "./salesforce.ts";

interface About {
  /** What the CRM posts, in words (the OpenAPI request body's description). */
  readonly posts: string;
  readonly defaultMapping: Mapping;
}
export type CrmFormat =
  /** The body is JSON; the reader gets it parsed. */
  | (About & { readonly body: "json"; readonly read: (body: unknown) => Delivery })
  /** The body is other text (XML); the reader gets it decoded. */
  | (About & { readonly body: "text"; readonly read: (body: string) => Delivery });

export const CRM_FORMATS = {
  dataverse: {
    body: "json",
    read: readDataverse,
    defaultMapping: DATAVERSE_DEFAULT,
    posts: "the RemoteExecutionContext",
  },
  hubspot: {
    body: "json",
    read: readHubSpot,
    defaultMapping: HUBSPOT_DEFAULT,
    posts: "a batch of subscription events or a workflow webhook's object",
  },
  "salesforce-outbound": {
    body: "text",
    read: readSalesforce,
    defaultMapping: SALESFORCE_DEFAULT,
    posts: "the SOAP notifications message",
  },
} as const satisfies Record<string, CrmFormat>;

export type CrmFormatName = keyof typeof CRM_FORMATS;
