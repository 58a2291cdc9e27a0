// Summarises a .cpuprofile (bench/cpu-profile.ts writes them): self time by function and by file or
// package, and the share of samples under the Cosmos SDK, the HTTP server side, our own layers and GC.
// Usage: node bench/cpu-profile-summary.mjs <file.cpuprofile> [how many functions, default 30]
import { readFileSync } from "node:fs";

const [file, top = "30"] = process.argv.slice(2);
if (!file) {
  console.error("usage: node bench/cpu-profile-summary.mjs <file.cpuprofile> [top]");
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, "utf8"));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const short = (url) =>
  url
    .replace(/^file:\/\/.*?\/(?=(application|domain|functions|infra|bench)\/)/, "")
    .replace(/.*node_modules\//, "");

// Buckets, first match over the whole stack wins (so the SDK's socket writes count as the SDK's).
const BUCKETS = [
  ["idle", (f) => f.functionName === "(idle)"],
  ["garbage collector", (f) => f.functionName === "(garbage collector)"],
  [
    "Cosmos SDK (requests, its HTTP client)",
    (f) => /@azure\/cosmos|ts-http-runtime|_http_client/.test(f.url) || f.functionName === "onSocketNT",
  ],
  ["domain/", (f) => /\/domain\//.test(f.url)],
  ["application/", (f) => /\/application\//.test(f.url)],
  ["functions/", (f) => /\/functions\//.test(f.url)],
  ["infra/ (dev host, telemetry)", (f) => /\/infra\//.test(f.url)],
  [
    "HTTP server (node:http, undici, @azure/functions)",
    (f) => /_http_|undici|@azure\/functions|webstreams/.test(f.url),
  ],
];

const self = new Map();
const byFile = new Map();
const buckets = new Map();
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const us = profile.timeDeltas[i] ?? 0;
  total += us;
  const leaf = nodes.get(profile.samples[i]).callFrame;
  const url = short(leaf.url);
  const name = `${leaf.functionName || "(anonymous)"} ${url}${url ? `:${leaf.lineNumber + 1}` : ""}`;
  self.set(name, (self.get(name) ?? 0) + us);
  const where =
    url.includes("/") && !url.startsWith("node:")
      ? url
          .split("/")
          .slice(0, url.startsWith("@") ? 2 : 1)
          .join("/")
      : url || leaf.functionName;
  byFile.set(where, (byFile.get(where) ?? 0) + us);
  const frames = [];
  for (let id = profile.samples[i]; id !== undefined; id = parent.get(id))
    frames.push(nodes.get(id).callFrame);
  const bucket = BUCKETS.find(([, test]) => frames.some(test))?.[0] ?? "other (node internals, timers)";
  buckets.set(bucket, (buckets.get(bucket) ?? 0) + us);
}
const show = (title, map, n) => {
  console.log(`-- ${title}`);
  for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n))
    console.log(
      `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`,
    );
};
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
show("where the samples fall", buckets, BUCKETS.length + 1);
show("self time by function", self, Number(top));
show("self time by file or package", byFile, 20);
