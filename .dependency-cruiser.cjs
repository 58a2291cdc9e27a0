// Dependency rules (docs/ARCHITECTURE.md): dependencies point inward. domain/ is pure; application/
// owns its ports (application/ports/) and imports no adapter; composition/ wires adapters into use
// cases for functions/, which only adapts triggers; no cycles.
// Run by `npm run lint`; test/architecture/dependency-rules.unit.test.ts shows it failing on violations.

// The local dev host plays the Functions runtime: it builds the services and loads functions/ as Azure does.
const HOSTS = "^infra/devhost/";
/** A forbidden dependency: from where to where (every rule is an error; the comment above it says why). */
const forbid = (name, from, to) => ({ name, severity: "error", from, to });

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    // domain/ imports only domain/, xstate and zod: no node:, no Azure SDK, no I/O, no outer layer.
    forbid("domain-is-pure", { path: "^domain/" }, { pathNot: ["^domain/", "node_modules/(xstate|zod)/"] }),
    // application/ defines the ports it needs (application/ports/); infra/ implements them. Azure SDKs
    // belong to infra/ (storage, telemetry) and functions/ (triggers).
    forbid(
      "application-imports-no-adapter",
      { path: "^application/" },
      {
        path: [
          "^infra/",
          "^composition/",
          "^functions/",
          "^board/",
          "^scripts/",
          "^bench/",
          "node_modules/@azure/",
        ],
      },
    ),
    // composition/ is the root: it builds the services the triggers call, and is called by them.
    forbid(
      "composition-is-called-by-triggers",
      { path: "^composition/" },
      { path: ["^functions/", "^board/"] },
    ),
    // A function file adapts a trigger to an application service: no storage SDK or Cosmos adapter.
    forbid(
      "functions-only-adapt",
      { path: "^functions/" },
      { path: ["node_modules/@azure/(cosmos|storage-blob)/", "^infra/cosmos/"] },
    ),
    // Adapters implement ports: they never call the trigger layer (the dev host, which plays the runtime,
    // may), and take policies (file acceptance, signatures) from their callers, not by import. Allowed:
    // the ports, telemetry, the refusal log's types and the webhook signature scheme the deliverer speaks.
    forbid(
      "infra-only-implements-ports",
      { path: "^infra/", pathNot: HOSTS },
      {
        path: ["^application/", "^composition/", "^functions/"],
        pathNot: "^application/(ports/|telemetry[.]ts$|sources/refusals[.]ts$|webhook-signature[.]ts$)",
      },
    ),
    forbid("no-cycles", { path: "^(domain|application|composition|functions|infra)/" }, { circular: true }),
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
