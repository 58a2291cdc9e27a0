// Streams (stream = Cosmos logical partition): one per pair (`partner|tenant|workload`), one per tenant
// (`partner|tenant`), one per partner (`partner`). Which stream an event belongs to is decided here only.

export const EVENT_VOIDED = "event.voided";
/**
 * The event types of a tenant's stream and of a partner's stream; every other type is a pair's (a void
 * goes where it points). domain/events.ts builds each schema with the matching builder, type-checked
 * against these lists, so the kind of an event type is declared here only.
 */
export const TENANT_TYPES = ["tenant.profiled"] as const;
export const PARTNER_TYPES = ["skilling.certification.recorded"] as const;
export type TenantEventType = (typeof TENANT_TYPES)[number];
export type PartnerEventType = (typeof PARTNER_TYPES)[number];
const TENANT: ReadonlySet<string> = new Set(TENANT_TYPES);
const PARTNER: ReadonlySet<string> = new Set(PARTNER_TYPES);

/** The kinds of stream, by how many parts their id has (`partner`, `partner|tenant`, `partner|tenant|workload`). */
export const STREAM_KINDS = ["partner", "tenant", "pair"] as const;
export type StreamKind = (typeof STREAM_KINDS)[number];

/** The kind of stream a stream id names, by its number of parts (the one place that reads it so). */
export function streamKindOfId(streamId: string): StreamKind {
  const kind = STREAM_KINDS[streamId.split("|").length - 1];
  if (kind === undefined) throw new RangeError(`not a stream id: ${JSON.stringify(streamId)}`);
  return kind;
}

/** What a stream id names: its kind and parts. A RangeError for anything else (an empty part too). */
export function streamAddressOf(streamId: string): {
  partnerId: string;
  kind: StreamKind;
  tenantId?: string;
  workload?: string;
} {
  const parts = streamId.split("|");
  const kind = STREAM_KINDS[parts.length - 1];
  if (kind === undefined || parts.some((p) => p.length === 0))
    throw new RangeError(`not a stream id: ${JSON.stringify(streamId)}`);
  const [partnerId, tenantId, workload] = parts as [string, string?, string?];
  return {
    partnerId,
    kind,
    ...(tenantId === undefined ? {} : { tenantId }),
    ...(workload === undefined ? {} : { workload }),
  };
}

/**
 * The kind of stream an event belongs to. A void (`event.voided`) belongs to the stream its
 * attributes name, so pass the event itself for it; by type alone a void reads as a pair event.
 */
export function streamKindOf(
  typeOrEvent: string | { type: string; tenantid?: unknown; workload?: unknown },
): StreamKind {
  if (typeof typeOrEvent !== "string") {
    if (typeOrEvent.type === EVENT_VOIDED)
      return typeOrEvent.workload !== undefined
        ? "pair"
        : typeOrEvent.tenantid !== undefined
          ? "tenant"
          : "partner";
    return streamKindOf(typeOrEvent.type);
  }
  if (TENANT.has(typeOrEvent)) return "tenant";
  if (PARTNER.has(typeOrEvent)) return "partner";
  return "pair";
}

/** What a validated event says about where it belongs. */
interface Addressed {
  readonly type: string;
  readonly partnerid: string;
  readonly tenantid?: string;
  readonly workload?: string;
}

/** The id of the stream a validated event is appended to. */
export function streamIdOf(event: Addressed): string {
  const { partnerid, tenantid, workload } = event;
  if (event.type === EVENT_VOIDED) {
    if (tenantid === undefined) return partnerid;
    if (workload === undefined) return tenantStreamId(partnerid, tenantid);
    return pairStreamId(partnerid, tenantid, workload);
  }
  const kind = streamKindOf(event.type);
  if (kind === "partner") return partnerid;
  if (kind === "tenant") return tenantStreamId(partnerid, tenantid!);
  return pairStreamId(partnerid, tenantid!, workload!);
}

export const pairStreamId = (partnerId: string, tenantId: string, workload: string) =>
  `${partnerId}|${tenantId.toLowerCase()}|${workload}`;
export const tenantStreamId = (partnerId: string, tenantId: string) =>
  `${partnerId}|${tenantId.toLowerCase()}`;
