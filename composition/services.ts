import type { Services } from "./build.ts";

export {
  type AlertWebhook,
  buildServices,
  type ServiceOptions,
  type Services,
} from "./build.ts";

let current: Promise<Services> | undefined;
let factory: (() => Promise<Services>) | undefined;

/** The dev host and tests install their services; in Azure the first call builds them from app settings. */
export function installServices(services: Services | (() => Promise<Services>)): void {
  factory = typeof services === "function" ? services : async () => services;
  current = undefined;
}

export function services(): Promise<Services> {
  if (!current) {
    const build = factory ?? (async () => (await import("./from-env.ts")).servicesFromEnv());
    current = build();
    current.catch(() => {
      current = undefined; // a failed start is retried by the next call, not cached
    });
  }
  return current;
}
