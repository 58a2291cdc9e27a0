// GET /api/board/…: the partner board's static assets (built by `npm run build:board` into board/dist),
// served anonymously by the same function app, locally and in Azure. Every piece of data the page
// shows comes from the public API with the partner's API key; the assets themselves hold none.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import { problemOf } from "../application/problem.ts";
import { defineHttp } from "./registry.ts";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
  ".map": "application/json",
};

/** board/dist beside the sources (tsx), or dist/board beside dist/functions (the Azure package). */
function assetsDir(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  return [resolve(here, "../board/dist"), resolve(here, "../board")].find((d) =>
    existsSync(join(d, "index.html")),
  );
}

interface Asset {
  body: Buffer;
  type: string;
}

let assets: Map<string, Asset> | undefined;

/** Only the files the build wrote are ever served (read once): no path from the URL touches the disk. */
function load(): Map<string, Asset> {
  if (assets) return assets;
  const dir = assetsDir();
  const found = new Map<string, Asset>();
  if (dir) {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isFile())
        found.set(name, {
          body: readFileSync(path),
          type: TYPES[extname(name)] ?? "application/octet-stream",
        });
    }
  }
  if (found.size > 0) assets = found; // not built yet: look again on the next request
  return found;
}

export async function boardAsset(request: HttpRequest): Promise<HttpResponseInit> {
  const path = request.params.path ?? "";
  // Relative asset URLs need the trailing slash: /api/board → /api/board/
  if (path === "" && !new URL(request.url).pathname.endsWith("/"))
    return { status: 308, headers: { location: `${new URL(request.url).pathname}/` } };
  const files = load();
  const asset = files.get(path === "" ? "index.html" : path);
  if (!asset) {
    if (files.size === 0)
      return problemOf("not-found", { detail: "The board is not built: run `npm run build:board`." });
    return problemOf("not-found", { detail: `The board has no ${path}.` });
  }
  const html = asset.type.startsWith("text/html");
  return {
    status: 200,
    body: asset.body,
    headers: {
      "content-type": asset.type,
      // Hashed bundle names never change content; the page itself is re-read every time.
      "cache-control": html ? "no-cache" : "public, max-age=31536000, immutable",
      "x-content-type-options": "nosniff",
      ...(html
        ? {
            "content-security-policy":
              "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'",
          }
        : {}),
    },
  };
}

defineHttp({ name: "board", route: "board/{*path}", methods: ["GET", "HEAD"], handler: boardAsset });
