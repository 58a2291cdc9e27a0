// Dependency rules (docs/ARCHITECTURE.md): dependencies point inward. domain/ is pure; application/
// owns its ports (application/ports/) and imports no adapter; functions/ only adapts triggers; no cycles.
// Run by `npm run lint`; test/architecture/dependency-rules.unit.test.ts shows it failing on violations.

// The composition root wires adapters into use cases, so it alone in application/ may import infra/.
const COMPOSITION_ROOT = "^application/(composition|services-from-env)[.]ts$";
// The local dev host plays the Functions runtime: it loads functions/ the way Azure does.
const HOSTS = "^infra/devhost/";
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "domain-is-pure",
      comment:
        "domain/ imports only domain/, xstate and zod: no node:, no Azure SDK, no I/O, no outer layer.",
      severity: "error",
      from: { path: "^domain/" },
      to: { pathNot: ["^domain/", "node_modules/(xstate|zod)/"] },
    },
    {
      name: "application-imports-no-adapter",
      comment: "application/ defines the ports it needs (application/ports/); infra/ implements them.",
      severity: "error",
      from: { path: "^application/", pathNot: COMPOSITION_ROOT },
      to: { path: ["^infra/", "^functions/", "^board/", "^scripts/", "^bench/"] },
    },
    {
      name: "application-imports-no-azure-sdk",
      comment: "Azure SDKs belong to infra/ (storage, telemetry) and functions/ (triggers).",
      severity: "error",
      from: { path: "^application/", pathNot: COMPOSITION_ROOT },
      to: { path: "node_modules/@azure/" },
    },
    {
      name: "functions-only-adapt",
      comment:
        "A function file adapts a trigger to an application service: no storage SDK or Cosmos adapter.",
      severity: "error",
      from: { path: "^functions/" },
      to: { path: ["node_modules/@azure/(cosmos|storage-blob)/", "^infra/cosmos/"] },
    },
    {
      name: "infra-applies-no-policy",
      comment:
        "Adapters implement ports; they take policies (file acceptance, signatures) from their callers, not by import. Allowed: the ports, telemetry, the refusal log's types and the webhook signature scheme the deliverer speaks.",
      severity: "error",
      from: { path: "^infra/", pathNot: HOSTS },
      to: {
        path: "^application/",
        pathNot: "^application/(ports/|telemetry[.]ts$|sources/refusals[.]ts$|webhook-signature[.]ts$)",
      },
    },
    {
      name: "infra-does-not-reach-functions",
      comment: "Adapters never call the trigger layer (the dev host, which plays the runtime, may).",
      severity: "error",
      from: { path: "^infra/", pathNot: HOSTS },
      to: { path: "^functions/" },
    },
    {
      name: "no-cycles",
      severity: "error",
      from: { path: "^(domain|application|functions|infra)/" },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|dist)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default"],
    },
  },
};
