// Entry point (package.json "main"): importing a function file defines it, and the registry registers
// it with the Azure Functions host or lists it for the local dev host.
import "./events.ts";
import "./pairs.ts";
import "./documents.ts";
import "./claim-windows.ts";
import "./designations.ts";
import "./health.ts";
import "./openapi.ts";
import "./board.ts";
import "./recorded-events.ts";
import "./imports.ts";
import "./projector.ts";
import "./sources.ts";
import "./reconciliation.ts";

export { definitions } from "./registry.ts";
