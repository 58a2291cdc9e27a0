// Optional CPU profiles of a benchmark's measured phases: with BENCH_CPU_PROFILE=<dir>, each phase run
// through `profiled` writes <dir>/<name>.cpuprofile (open it in Chrome DevTools, or summarise it with
// `node bench/cpu-profile-summary.mjs <file>`). Child processes started after this module loads (the
// emulators, the load clients) are profiled whole, through a script NODE_OPTIONS preloads, into <dir>/children.
import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const dir = process.env.BENCH_CPU_PROFILE;
let session: Session | undefined;
if (dir) {
  // Node 20 refuses --cpu-prof in NODE_OPTIONS; a preloaded script starts the profiler instead.
  const preload = fileURLToPath(new URL("./cpu-profile-child.cjs", import.meta.url));
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ""} --require ${preload}`.trim();
}

export async function profiled<T>(name: string, work: () => Promise<T>): Promise<T> {
  if (!dir) return work();
  if (!session) {
    mkdirSync(dir, { recursive: true });
    session = new Session();
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: 500 });
  }
  await session.post("Profiler.start");
  try {
    return await work();
  } finally {
    const { profile } = await session.post("Profiler.stop");
    const file = join(dir, `${name.replace(/[^\w.-]+/g, "-")}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    console.log(`    (CPU profile: ${file})`);
  }
}
