// `npm run bench`: every benchmark in turn, each printing its figures and ratios against a baseline
// measured in the same run. Pick some with `npm run bench -- evaluate ingest`.
const benches: Record<string, () => Promise<{ run(): Promise<void> }>> = {
  evaluate: () => import("./evaluate.bench.ts"),
  ingest: () => import("./ingest.bench.ts"),
  upload: () => import("./upload.bench.ts"),
  "claim-windows": () => import("./claim-windows.bench.ts"),
  scoring: () => import("./scoring.bench.ts"),
  board: () => import("./board.bench.ts"),
  storage: () => import("./storage.bench.ts"),
  durability: () => import("./durability.bench.ts"),
  reconcile: () => import("./reconcile.bench.ts"),
};

const wanted = process.argv.slice(2).filter((a) => a !== "--");
for (const [name, load] of Object.entries(benches)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log(`\n== ${name}`);
  await (await load()).run();
}
