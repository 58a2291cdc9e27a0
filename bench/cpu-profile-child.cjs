// Preloaded into child processes by bench/cpu-profile.ts (NODE_OPTIONS=--require; Node 20 refuses
// --cpu-prof there): profiles the whole process and writes <BENCH_CPU_PROFILE>/children/<pid>.cpuprofile
// at exit. The inspector session on the main thread answers synchronously, so the 'exit' handler can.
const { Session } = require("node:inspector");
const { mkdirSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");

const dir = join(process.env.BENCH_CPU_PROFILE, "children");
const session = new Session();
session.connect();
session.post("Profiler.enable");
session.post("Profiler.setSamplingInterval", { interval: 500 });
session.post("Profiler.start");
process.on("exit", () => {
  session.post("Profiler.stop", (error, result) => {
    if (error) return;
    mkdirSync(dir, { recursive: true });
    const name = `${
      process.argv
        .slice(1)
        .join(" ")
        .match(/[\w-]+\.(?:ts|mjs|js)/g)
        ?.at(-1) ?? "node"
    }-${process.pid}`;
    writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(result.profile));
  });
});
