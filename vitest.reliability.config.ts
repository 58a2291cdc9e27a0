import { defineConfig } from "vitest/config";

// `npm run test:reliability`: the full fuzz, fault and load runs (docs/RELIABILITY.md). `npm test`
// runs the same files in their quick profile through the e2e project.
export default defineConfig({
  test: {
    include: ["test/reliability/**/*.e2e.test.ts"],
    env: { RELIABILITY_PROFILE: "full" },
    testTimeout: 60 * 60_000,
    hookTimeout: 5 * 60_000,
    // One suite at a time: each measures latency, and the machine has two cores.
    fileParallelism: false,
  },
});
