// A fault-injecting HTTP(S) proxy for the storage emulators: the service talks to Cosmos DB and
// Azurite through it, and a test switches faults on and off: latency, connections reset before or
// after the upstream did the work (the answer is lost), 429/503 with x-ms-retry-after-ms, and a
// stalled socket that answers nothing and is then cut off. These faults cannot be caused in the
// emulators themselves, so they are injected on the wire, under the real SDKs.
import {
  createServer as createHttpServer,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer, Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { AddressInfo, Socket } from "node:net";

export type Fault =
  | { kind: "none" }
  | { kind: "latency"; ms: number }
  | { kind: "reset-before"; rate: number }
  | { kind: "reset-after"; rate: number }
  | { kind: "throttle"; status: 429 | 503; rate: number; retryAfterMs: number }
  | { kind: "stall"; rate: number; ms: number };

export interface FaultProxy {
  url: string;
  port: number;
  set(fault: Fault): void;
  stats: { requests: number; injected: number };
  stop(): Promise<void>;
}

export async function startFaultProxy(
  target: string,
  tls?: { cert: Buffer; key: Buffer },
): Promise<FaultProxy> {
  const upstream = new URL(target);
  const secure = upstream.protocol === "https:";
  const agent = secure
    ? new HttpsAgent({ keepAlive: true, rejectUnauthorized: false })
    : new HttpAgent({ keepAlive: true });
  let fault: Fault = { kind: "none" };
  const stats = { requests: 0, injected: 0 };
  const sockets = new Set<Socket>();
  let port = 0;

  const forward = (req: IncomingMessage, res: ServerResponse, loseAnswer: boolean) => {
    const send = secure ? httpsRequest : httpRequest;
    const out = send(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (up) => {
        if (loseAnswer) {
          // The upstream did the work; the caller never hears of it.
          up.resume();
          up.on("end", () => req.socket.destroy());
          return;
        }
        const type = String(up.headers["content-type"] ?? "");
        if (!type.includes("json")) {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
          return;
        }
        // The Cosmos account document names the emulator's own port; point the SDK back at the proxy.
        const chunks: Buffer[] = [];
        up.on("data", (c: Buffer) => chunks.push(c));
        up.on("end", () => {
          const body = Buffer.from(
            Buffer.concat(chunks)
              .toString("utf8")
              .replaceAll(`${upstream.hostname}:${upstream.port}`, `127.0.0.1:${port}`),
          );
          const headers = { ...up.headers, "content-length": String(body.length) };
          delete headers["transfer-encoding"];
          res.writeHead(up.statusCode ?? 502, headers);
          res.end(body);
        });
      },
    );
    out.on("error", () => res.destroy());
    req.pipe(out);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    stats.requests++;
    const f = fault;
    const hit = f.kind !== "none" && f.kind !== "latency" && Math.random() < f.rate;
    if (hit) stats.injected++;
    if (hit && f.kind === "reset-before") {
      req.socket.destroy();
      return;
    }
    if (hit && f.kind === "throttle") {
      req.resume();
      const body = JSON.stringify({
        code: f.status === 429 ? "TooManyRequests" : "ServiceUnavailable",
        message: "injected by the fault proxy",
      });
      res.writeHead(f.status, {
        "content-type": "application/json",
        "x-ms-retry-after-ms": String(f.retryAfterMs),
        "retry-after": String(Math.ceil(f.retryAfterMs / 1000)),
        "x-ms-error-code": f.status === 429 ? "ServerBusy" : "ServerBusy",
        "x-ms-substatus": f.status === 429 ? "3200" : "0",
        "content-length": String(Buffer.byteLength(body)),
      });
      res.end(body);
      return;
    }
    if (hit && f.kind === "stall") {
      // Read nothing, answer nothing; then cut the connection.
      req.pause();
      setTimeout(() => req.socket.destroy(), f.ms).unref();
      return;
    }
    const delay = f.kind === "latency" ? f.ms : 0;
    setTimeout(() => forward(req, res, hit && f.kind === "reset-after"), delay);
  };

  const server = tls
    ? createHttpsServer({ ...tls, keepAlive: true }, handle)
    : createHttpServer({ keepAlive: true }, handle);
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("secureConnection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  return {
    url: `${upstream.protocol}//127.0.0.1:${port}`,
    port,
    set(next) {
      fault = next;
    },
    stats,
    async stop() {
      for (const s of sockets) s.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
