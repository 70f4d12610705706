/**
 * How a client's worker thread comes to life. Injected into the system so tests can start fixture
 * workers (that throw, exit or fail at start) around the real entry.
 */
import { Worker } from "node:worker_threads";
import type { ResolvedClientSpec } from "./ClientSpec.js";
import { workerHostOptions } from "./hostFlags.js";
import type { WorkerInit } from "./protocol.js";

/** Starts one worker thread for a client incarnation. */
export type WorkerSpawner = (init: WorkerInit, client: ResolvedClientSpec) => Worker;

/**
 * The compiled worker entry. Worker threads cannot load TypeScript on Node 20, so when this module runs
 * from source (tests under vitest) the entry is taken from the build in `dist/`.
 */
export const workerEntry: URL = import.meta.url.endsWith(".ts")
  ? new URL("../dist/workers/entry.js", import.meta.url)
  : new URL("../workers/entry.js", import.meta.url);

/**
 * Spawns a worker running `entry` (default: the real client worker), with the host's flags that a
 * worker can take (see hostFlags.ts), or `execArgv` when given.
 */
export function spawnerFor(entry: URL = workerEntry, execArgv?: readonly string[]): WorkerSpawner {
  return (init, client) => {
    const options: ConstructorParameters<typeof Worker>[1] = {
      ...workerHostOptions(execArgv),
      workerData: init,
    };
    if (client.resourceLimits !== undefined) options.resourceLimits = client.resourceLimits;
    // A MessagePort cannot be cloned, only moved: the admin port must be in the transfer list.
    if (init.adminPort !== undefined) options.transferList = [init.adminPort];
    return new Worker(entry, options);
  };
}

/** The default spawner. */
export const defaultSpawner: WorkerSpawner = spawnerFor();
