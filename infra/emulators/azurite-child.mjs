// Azurite's blob service, run as our child: `node azurite-child.mjs <azurite flags>` (plain JS: a loader
// such as tsx would sit in front of every one of Azurite's many modules and slow its start).
//
// Two things Azurite does not do on its own:
// - durability: on disk it keeps blob metadata in LokiJS databases saved every 5 s, so a blob answered
//   201 could vanish on kill -9. Every metadata-store method that dirtied the database here saves it
//   (LokiJS writes a temp file and renames it, and coalesces saves that overlap) before it resolves,
//   so the response that follows it is only sent once the metadata is on disk. Blob bytes are already
//   written (and fdatasync'd) by Azurite's extent store before the commit that references them.
// - dying with its parent: a watchdog exits when the IPC channel closes or the parent pid changes (the
//   parent was killed, even by SIGKILL, and this process was re-parented).
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const root = dirname(require.resolve("azurite/package.json"));

function saveWhenDirty(db) {
  if (!db?.autosaveDirty()) return undefined;
  return new Promise((resolve, reject) => db.saveDatabase((error) => (error ? reject(error) : resolve())));
}

function saveAfterEveryWrite(modulePath) {
  const proto = require(join(root, modulePath)).default.prototype;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const original = proto[name];
    if (name === "constructor" || name === "init" || typeof original !== "function") continue;
    proto[name] = function (...args) {
      const result = original.apply(this, args);
      if (!(result instanceof Promise)) return result;
      return result.then(async (value) => {
        await saveWhenDirty(this.db);
        return value;
      });
    };
  }
}

if (!process.argv.includes("--inMemoryPersistence")) {
  saveAfterEveryWrite("dist/src/blob/persistence/LokiBlobMetadataStore.js");
  saveAfterEveryWrite("dist/src/common/persistence/LokiExtentMetadataStore.js");
}

const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 500).unref();
process.on("disconnect", () => process.exit(0));

require(join(root, "dist", "src", "blob", "main.js"));
