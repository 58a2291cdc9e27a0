import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { nextMessage, stopChild } from "./child.ts";
import { DocumentLog, lastLsn, lsnOf, nextLsn, removeJournal } from "./cosmos-journal.ts";

/** The public, documented key of the Azure Cosmos DB emulator (not a secret); the in-process server ignores auth. */
export const COSMOS_EMULATOR_KEY =
  "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";

export interface RunningCosmosEmulator {
  /** https://127.0.0.1:<port> — the server only speaks TLS with a self-signed certificate. */
  endpoint: string;
  key: string;
  /** Process serving the emulator: this process, or the child when started with separateProcess. */
  pid: number;
  /** Documents loaded from the journal at start (0 when in memory). */
  loaded: number;
  /** The journal file, when the emulator keeps its documents on disk. */
  journalPath?: string;
  stop(): Promise<void>;
}

export interface CosmosEmulatorOptions {
  /** Serve from a child `node` process, so a benchmark can tell the service's CPU from the emulator's. */
  separateProcess?: boolean;
  /** Fixed port; default: a free one picked by the OS. */
  port?: number;
  /**
   * Keep the documents in `<dataDir>/cosmos.journal`: every write is on disk before its response is sent,
   * and the journal is replayed at start. Default: in memory only.
   */
  dataDir?: string;
  /** Start empty: delete the journal first. */
  fresh?: boolean;
}

const STARTUP_TIMEOUT_MS = 30_000;
const SERVE_FLAG = "--serve-cosmos-emulator";

/**
 * Starts @vercel/cosmosdb-server (the Cosmos REST protocol, in memory) on loopback.
 *
 * It is served through our own request loop rather than the package's `createHttpsServer`, for two reasons:
 * the package's change feed is a stub (it returns the first page of all documents, then 304 forever, so an
 * incremental reader never sees a new document), and it closes the connection after every response (a TLS
 * handshake per request would dominate benchmarks). Everything else goes to the package's own handlers.
 */
export async function startCosmosEmulator(opts: CosmosEmulatorOptions = {}): Promise<RunningCosmosEmulator> {
  const journalPath = opts.dataDir ? join(opts.dataDir, "cosmos.journal") : undefined;
  if (journalPath && opts.fresh) removeJournal(journalPath);
  return opts.separateProcess
    ? startChild(opts.port ?? 0, journalPath)
    : startInProcess(opts.port ?? 0, journalPath);
}

async function startInProcess(port: number, journalPath?: string): Promise<RunningCosmosEmulator> {
  const { server, log } = await serveEmulator(port, journalPath);
  const { port: bound } = server.address() as AddressInfo;
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `https://127.0.0.1:${bound}`,
    key: COSMOS_EMULATOR_KEY,
    pid: process.pid,
    loaded: log.loaded,
    ...(journalPath ? { journalPath } : {}),
    stop() {
      stopped ??= new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }).then(() => log.close());
      return stopped;
    },
  };
}

async function startChild(port: number, journalPath?: string): Promise<RunningCosmosEmulator> {
  const require = createRequire(import.meta.url);
  // The child runs this very file through tsx, resolved by absolute path so the child's cwd does not matter.
  const tsx = pathToFileURL(require.resolve("tsx")).href;
  const child = spawn(
    process.execPath,
    ["--import", tsx, fileURLToPath(import.meta.url), SERVE_FLAG, String(port), journalPath ?? ""],
    {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    },
  );
  let bound: { port: number; loaded: number };
  try {
    bound = await childPort(child);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `https://127.0.0.1:${bound.port}`,
    key: COSMOS_EMULATOR_KEY,
    pid: child.pid!,
    loaded: bound.loaded,
    ...(journalPath ? { journalPath } : {}),
    stop() {
      stopped ??= stopChild(child);
      return stopped;
    },
  };
}

function childPort(child: ChildProcess): Promise<{ port: number; loaded: number }> {
  return nextMessage(child, {
    what: "the Cosmos emulator",
    timeoutMs: STARTUP_TIMEOUT_MS,
    accept: (message) => {
      const { port, loaded } = (message ?? {}) as { port?: unknown; loaded?: unknown };
      return typeof port === "number" ? { port, loaded: typeof loaded === "number" ? loaded : 0 } : undefined;
    },
  });
}

// ---- the server ----------------------------------------------------------------------------------------

/** The untyped internals of @vercel/cosmosdb-server that the change feed needs. */
interface StoredDocument {
  _ts: number;
  [field: string]: unknown;
}
interface EmulatorCollection {
  read(): { _rid: string; partitionKey?: { paths?: string[] } } | undefined;
  documents: { _data: Map<string, { read(): StoredDocument }> };
}
interface EmulatorAccount {
  database(id: string): { collection(id: string): EmulatorCollection };
}
type RouteHandler = (
  account: EmulatorAccount,
  req: IncomingMessage,
  res: ServerResponse,
  params: Record<string, string>,
) => unknown;
interface ServerPackage {
  root: string;
  Account: new (host: string, port: number) => EmulatorAccount;
  route: (req: IncomingMessage) => [Record<string, string>, RouteHandler] | undefined;
  certificate: { cert: Buffer; key: Buffer };
}

/**
 * The query engine the emulator uses (@zeit/cosmosdb-query) compiles every query into code that
 * gathers its candidate documents with `reduce(($, c) => [...$, { c }], [])`: a copy of the whole
 * accumulator per document, O(n²). At 100,000 documents one query page runs for minutes. The
 * generated code is rewritten once, at compile time, into the linear filter+map it means; the
 * results are the same.
 */
function linearizeQueryEngine(require: NodeJS.Require, serverRoot: string): void {
  const engine = require(require.resolve("@zeit/cosmosdb-query", { paths: [serverRoot] })) as {
    default: (query: string) => object;
  };
  const proto = Object.getPrototypeOf(engine.default("SELECT * FROM c")) as object;
  const original = Object.getOwnPropertyDescriptor(proto, "code");
  if (!original?.get || (proto as { linearized?: boolean }).linearized) return;
  const quadratic =
    /\$c\.reduce\(\(\$, (\w+)\) => typeof \1 !== "undefined" \? \[\.\.\.\$, \{\s*\1: \1\s*\}\] : \$, \[\]\)/g;
  const getter = original.get;
  Object.defineProperty(proto, "code", {
    get(this: object) {
      const code = getter.call(this) as string | null;
      return code?.replace(
        quadratic,
        '$c.filter(($1) => typeof $1 !== "undefined").map(($1) => ({ $1: $1 }))',
      );
    },
  });
  Object.defineProperty(proto, "linearized", { value: true });
}

function loadServerPackage(): ServerPackage {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve("@vercel/cosmosdb-server/package.json"));
  linearizeQueryEngine(require, root);
  return {
    root,
    Account: require(join(root, "lib", "account", "index.js")).default,
    route: require(join(root, "lib", "routes.js")).default,
    certificate: { cert: readFileSync(join(root, "cert.pem")), key: readFileSync(join(root, "key.pem")) },
  };
}

async function serveEmulator(
  port: number,
  journalPath?: string,
): Promise<{ server: Server; log: DocumentLog }> {
  const pkg = loadServerPackage();
  let account: EmulatorAccount | undefined;
  let log: DocumentLog | undefined;
  let ready: Promise<void> | undefined;
  const server = createServer({ ...pkg.certificate, keepAlive: true }, (req, res) => {
    // Nothing is answered from a store still loading its journal.
    (ready ?? Promise.resolve())
      .then(() => respond(pkg, account!, log!, req, res))
      .catch((error) => {
        console.error(error);
        if (!res.writableEnded) {
          res.statusCode = 500;
          res.end("");
        }
      });
  });
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", fail);
      // Created before the first request can arrive: the account document advertises this endpoint, and
      // the SDK sends everything there after endpoint discovery.
      account = new pkg.Account("127.0.0.1", (server.address() as AddressInfo).port);
      ready = DocumentLog.attach(account as never, pkg.root, journalPath).then((attached) => {
        log = attached;
      });
      done();
    });
  });
  try {
    await ready;
  } catch (error) {
    server.close();
    throw error;
  }
  return { server, log: log! };
}

/** Mirrors the package's request loop, except for the change feed and connection reuse. */
async function respond(
  pkg: ServerPackage,
  account: EmulatorAccount,
  log: DocumentLog,
  req: IncomingMessage,
  res: ServerResponse,
) {
  let body: Record<string, unknown> | undefined;
  const feed = changeFeedTarget(req);
  if (feed) {
    body = readChangeFeed(account.database(feed.dbId).collection(feed.collId), req, res);
  } else {
    const matched = pkg.route(req);
    if (!matched) {
      res.statusCode = 400;
      body = { message: "no route" };
    } else {
      try {
        body = (await matched[1](account, req, res, matched[0])) as Record<string, unknown> | undefined;
      } catch (error) {
        console.error(error);
        res.statusCode = 500;
        body = { message: (error as Error).message };
      }
      if (res.statusCode > 399 && body && !body.message) body.message = "";
    }
  }
  // Every write made so far (this request's and its neighbours') reaches the disk before anyone is told.
  await log.commit();
  if (typeof body?._etag === "string") res.setHeader("etag", body._etag);
  res.setHeader("content-type", "application/json");
  res.setHeader("content-location", `https://${req.headers.host}${req.url}`);
  res.setHeader("x-ms-activity-id", randomUUID());
  res.setHeader("x-ms-request-charge", "1");
  res.end(res.statusCode === 304 || body === undefined ? undefined : JSON.stringify(body));
}

// ---- change feed (latest-version mode) -----------------------------------------------------------------

// The package keeps documents in a Map in write order (a replace deletes and re-inserts), and every write
// stores a fresh object, numbered as it is written (cosmos-journal.ts) and kept in the journal, so a
// lease's continuation means the same after a restart. One counter for all containers is enough; only the
// order within one matters.

function inWriteOrder(collection: EmulatorCollection): { lsn: number; doc: StoredDocument }[] {
  const numbered: { lsn: number; doc: StoredDocument }[] = [];
  for (const item of collection.documents._data.values()) {
    const doc = item.read();
    let lsn = lsnOf.get(doc);
    if (lsn === undefined) {
      lsn = nextLsn();
      lsnOf.set(doc, lsn);
    }
    numbered.push({ lsn, doc });
  }
  return numbered;
}

function changeFeedTarget(req: IncomingMessage): { dbId: string; collId: string } | undefined {
  if (req.method !== "GET" || !req.headers["a-im"]) return undefined;
  const pathname = new URL(req.url ?? "/", "https://emulator").pathname;
  const match = /^\/+dbs\/([^/]+)\/colls\/([^/]+)\/docs\/?$/.exec(pathname);
  if (!match) return undefined;
  return { dbId: decodeURIComponent(match[1]!), collId: decodeURIComponent(match[2]!) };
}

/**
 * The real protocol: the response etag is the continuation; the client sends it back as If-None-Match
 * (absent = from the beginning, `*` = from now) and gets 304 when there is nothing newer.
 */
function readChangeFeed(
  collection: EmulatorCollection,
  req: IncomingMessage,
  res: ServerResponse,
): Record<string, unknown> | undefined {
  const definition = collection.read();
  if (!definition) {
    res.statusCode = 404;
    return { code: "NotFound", message: "Entity with the specified id does not exist in the system." };
  }
  const documents = inWriteOrder(collection);
  const ifNoneMatch = header(req, "if-none-match");
  let since = 0;
  if (ifNoneMatch === "*") since = lastLsn();
  else if (ifNoneMatch !== undefined) since = Number(ifNoneMatch.replaceAll('"', ""));
  if (!Number.isSafeInteger(since)) {
    res.statusCode = 400;
    return { code: "BadRequest", message: `invalid change feed continuation ${ifNoneMatch}` };
  }
  const modifiedSince = header(req, "if-modified-since");
  const fromTs = ifNoneMatch === undefined && modifiedSince ? Date.parse(modifiedSince) / 1000 : undefined;
  const partition = partitionFilter(definition, header(req, "x-ms-documentdb-partitionkey"));
  const requested = Number(header(req, "x-ms-max-item-count") ?? "100");
  const limit = requested > 0 ? requested : Number.POSITIVE_INFINITY;

  const page: { lsn: number; doc: StoredDocument }[] = [];
  for (const entry of documents) {
    if (page.length >= limit) break;
    if (entry.lsn <= since) continue;
    if (fromTs !== undefined && entry.doc._ts < Math.floor(fromTs)) continue;
    if (partition && !partition(entry.doc)) continue;
    page.push(entry);
  }
  if (page.length === 0) {
    res.statusCode = 304;
    res.setHeader("etag", `"${since}"`);
    return undefined;
  }
  res.statusCode = 200;
  res.setHeader("etag", `"${page.at(-1)!.lsn}"`);
  res.setHeader("x-ms-item-count", String(page.length));
  return {
    _rid: definition._rid,
    Documents: page.map(({ lsn, doc }) => ({ ...doc, _lsn: lsn })),
    _count: page.length,
  };
}

function partitionFilter(
  definition: { partitionKey?: { paths?: string[] } },
  headerValue: string | undefined,
): ((doc: StoredDocument) => boolean) | undefined {
  if (!headerValue || headerValue === "[{}]") return undefined;
  const value: unknown = (JSON.parse(headerValue) as unknown[])[0];
  const path = (definition.partitionKey?.paths?.[0] ?? "/id").slice(1).split("/");
  return (doc) => path.reduce<unknown>((at, key) => (at as Record<string, unknown>)?.[key], doc) === value;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

// ---- child process entry -------------------------------------------------------------------------------

if (process.argv[2] === SERVE_FLAG && resolve(process.argv[1] ?? "") === fileURLToPath(import.meta.url)) {
  const { server, log } = await serveEmulator(Number(process.argv[3] ?? "0"), process.argv[4] || undefined);
  process.send?.({ port: (server.address() as AddressInfo).port, loaded: log.loaded });
  // Never outlive the parent: it may die without calling stop().
  process.on("disconnect", () => process.exit(0));
  process.on("SIGTERM", () => process.exit(0));
}
