// Request and response adaptation between node:http and @azure/functions, as the Azure worker does it.
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type {
  Cookie,
  HttpRequestInit,
  HttpRequest as HttpRequestType,
  HttpResponseInit,
} from "@azure/functions";
import azureFunctions from "@azure/functions";

// Default import: Node's ESM loader cannot see the classes of this CJS bundle as named exports.
const { HttpRequest, HttpResponse } = azureFunctions;

function serializeCookie(cookie: Cookie): string {
  let out = `${cookie.name}=${cookie.value}`;
  if (cookie.domain) out += `; Domain=${cookie.domain}`;
  if (cookie.path) out += `; Path=${cookie.path}`;
  if (cookie.expires !== undefined) out += `; Expires=${new Date(cookie.expires).toUTCString()}`;
  if (cookie.maxAge !== undefined) out += `; Max-Age=${cookie.maxAge}`;
  if (cookie.secure) out += "; Secure";
  if (cookie.httpOnly) out += "; HttpOnly";
  if (cookie.sameSite) out += `; SameSite=${cookie.sameSite}`;
  return out;
}

/** Writes a handler's result, streaming any body; the library's HttpResponse does the body/jsonBody conversion. */
export async function writeResponse(
  res: ServerResponse,
  result: HttpResponseInit,
  method: string,
): Promise<void> {
  // The client has gone (an aborted upload, say): there is no one to answer.
  if (res.destroyed) return;
  const response = result instanceof HttpResponse ? result : new HttpResponse(result);
  res.statusCode = response.status;
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") res.setHeader(name, value);
  });
  const setCookies = [...response.headers.getSetCookie(), ...response.cookies.map(serializeCookie)];
  if (setCookies.length > 0) res.setHeader("set-cookie", setCookies);
  if (!response.body || method === "HEAD") {
    res.end();
    return;
  }
  // A body the handler gave whole (JSON, a string, bytes) goes out in one write, without a web stream,
  // a pipeline and its abort signal per request (seen in bench ingest's profile). Streams stay streamed.
  if (givenWhole(result)) {
    res.end(Buffer.from(await response.arrayBuffer()));
    return;
  }
  await pipeline(Readable.fromWeb(response.body), res);
}

function givenWhole(result: HttpResponseInit): boolean {
  if (result instanceof HttpResponse) return false;
  const { body } = result;
  return (
    result.jsonBody !== undefined ||
    typeof body === "string" ||
    body instanceof Uint8Array ||
    body instanceof ArrayBuffer
  );
}

/** The request's raw headers (repeats kept) and a streamed HttpRequest over it. */
export function toFunctionsRequest(
  req: IncomingMessage,
  url: URL,
  method: string,
  params: Record<string, string>,
): { headers: Headers; request: HttpRequestType } {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
    headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  const hasBody = method !== "GET" && method !== "HEAD";
  // Hand the IncomingMessage itself (an async iterable) to the fetch Request, as the Azure worker does in
  // stream mode: the body is pulled chunk by chunk as the handler reads it, never buffered here.
  const nativeRequest = new Request(url, {
    method,
    headers,
    body: hasBody ? req : undefined,
    duplex: "half",
  });
  // `nativeRequest` is how @azure/functions builds a streamed HttpRequest; the public HttpRequestInit only
  // types string/bytes bodies, hence the widened init.
  const init: HttpRequestInit & { nativeRequest: Request } = { nativeRequest, params };
  const request: HttpRequestType = new HttpRequest(init);
  return { headers, request };
}
