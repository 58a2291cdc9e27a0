// Events a partner records by hand on the board (no CRM): the same CloudEvents, validated and stored
// exactly like a CRM's, with a `source` naming the board and who recorded them. The client's event id
// is the idempotency key within that source, so a form submitted twice is stored once.
import type { Ingestion, IngestOutcome } from "./ingestion.ts";

/** Who recorded: the signed-in person (Entra ID, via App Service authentication) or the API key's label. */
export interface Recorder {
  kind: "entra" | "key";
  name: string;
}

/** `board://tracker/key/ops-lead` or `board://tracker/entra/ana%40contoso.com`: a URI-reference (EVENTS.md). */
export const boardSource = (who: Recorder) => `board://tracker/${who.kind}/${encodeURIComponent(who.name)}`;

/**
 * The signed-in person from App Service authentication's `x-ms-client-principal` (base64 JSON with
 * claims) or `x-ms-client-principal-name`. Azure strips both from client requests and sets them after
 * sign-in, so behind Entra ID they name the person; without it, the key's label does.
 */
export function principalOf(headers: Headers): string | undefined {
  const encoded = headers.get("x-ms-client-principal");
  if (encoded) {
    try {
      const principal = JSON.parse(Buffer.from(encoded, "base64").toString("utf8")) as {
        claims?: { typ: string; val: string }[];
        name_typ?: string;
      };
      const claims = principal.claims ?? [];
      const wanted = [principal.name_typ, "preferred_username", "name", "email", "upn"];
      for (const typ of wanted) {
        const found = claims.find((c) => c.typ === typ)?.val;
        if (found) return found;
      }
    } catch {
      // not a principal we can read: fall through to the plain name header
    }
  }
  return headers.get("x-ms-client-principal-name")?.trim() || undefined;
}

/**
 * Completes what the board sends (specversion, source, partnerid are the service's to set) and hands
 * the delivery to ingestion: one event or a batch, refused whole on any bad field.
 */
export function recordByHand(
  ingestion: Ingestion,
  body: unknown,
  partnerId: string,
  who: Recorder,
): Promise<IngestOutcome> {
  const source = boardSource(who);
  const complete = (item: unknown) => {
    if (!item || typeof item !== "object" || Array.isArray(item)) return item;
    const event: Record<string, unknown> = {
      ...(item as Record<string, unknown>),
      specversion: "1.0",
      source,
      partnerid: partnerId,
    };
    // A void names who voided: the same person or key the source names, not what the form claims.
    const data = event.data;
    if (event.type === "event.voided" && data && typeof data === "object" && !Array.isArray(data))
      event.data = { ...data, by: who.name };
    return event;
  };
  return ingestion.ingest(Array.isArray(body) ? body.map(complete) : complete(body), partnerId);
}
