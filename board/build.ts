// Builds the partner board: board/src (Preact + uPlot, TSX) bundled by esbuild into board/dist, with
// content-hashed names and an index.html naming them. No CDN: everything the page needs is in dist.
// `npm run build:board`; `npm start`, `npm run build` and `npm test` run it first.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = import.meta.dirname;

/**
 * `outDir`: board/dist for `npm start` and the tests; dist/board for the Azure package (`npm run
 * build`), where functions/board.ts finds it beside dist/functions.
 */
export async function buildBoard(
  options: { quiet?: boolean; outDir?: string } = {},
): Promise<{ gzipBytes: number; outDir: string }> {
  const out = options.outDir ?? join(root, "dist");
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const result = await build({
    entryPoints: [join(root, "src/main.tsx")],
    bundle: true,
    minify: true,
    format: "esm",
    target: ["es2022"],
    jsx: "automatic",
    jsxImportSource: "preact",
    outdir: out,
    entryNames: "[name]-[hash]",
    metafile: true,
    legalComments: "none",
    logLevel: "warning",
  });
  const files = Object.keys(result.metafile.outputs).map((p) => basename(p));
  const js = files.find((f) => f.endsWith(".js"))!;
  const css = files.find((f) => f.endsWith(".css"));
  const html = readFileSync(join(root, "src/index.html"), "utf8")
    .replace("%SCRIPT%", `<script type="module" src="./${js}"></script>`)
    .replace("%STYLE%", css ? `<link rel="stylesheet" href="./${css}">` : "");
  writeFileSync(join(out, "index.html"), html);
  const gzipBytes = [js, css, "index.html"]
    .filter((f): f is string => Boolean(f))
    .reduce((n, f) => n + gzipSync(readFileSync(join(out, f)), { level: 9 }).length, 0);
  if (!options.quiet) console.log(`board: ${out} (${(gzipBytes / 1024).toFixed(1)} KiB gzipped)`);
  return { gzipBytes, outDir: out };
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const at = process.argv.indexOf("--out");
  await buildBoard(at > 0 ? { outDir: resolve(process.argv[at + 1]!) } : {});
}
