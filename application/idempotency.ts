/**
 * The idempotency key of an event: (source, id) as a JSON array. JSON escapes every character that could
 * act as a separator, so two different pairs never give one key (a `\0`-joined string did: source
 * `crm://x\0y` + id `I` and source `crm://x` + id `y\0I` were one key).
 */
export const idempotencyKey = (e: { source: string; id: string }): string => JSON.stringify([e.source, e.id]);
