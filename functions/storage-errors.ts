// Which failures of Cosmos DB or Blob storage are passing (throttling, timeouts, resets, a busy or
// unreachable service): the caller is told to retry (503 + Retry-After) instead of a 500. Stored
// events are idempotent by (source, id), so a retry after a lost answer is a duplicate, not a double.
import { problemOf } from "../application/problem.ts";

const TRANSIENT_STATUS = new Set([408, 410, 429, 449, 500, 502, 503, 504]);
const TRANSIENT_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "REQUEST_SEND_ERROR",
  "TimeoutError",
]);

export function isTransientStorageError(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== "object" || depth > 4) return false;
  const e = error as { statusCode?: unknown; code?: unknown; name?: unknown; cause?: unknown };
  for (const status of [e.statusCode, e.code])
    if (typeof status === "number" && TRANSIENT_STATUS.has(status)) return true;
  if (typeof e.code === "string" && TRANSIENT_CODES.has(e.code)) return true;
  if (e.name === "TimeoutError" || e.name === "AbortError") return true;
  return isTransientStorageError(e.cause, depth + 1);
}

/** The answer to a passing storage failure: nothing was (or will be counted as) stored twice. */
export const storageUnavailable = (what: string) =>
  problemOf(
    "unavailable",
    { detail: `${what} is unavailable for a moment; send the same request again.` },
    { headers: { "retry-after": "2" } },
  );
