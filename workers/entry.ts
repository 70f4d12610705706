/**
 * The client worker thread's entry (`dist/workers/entry.js`).
 *
 * - With a {@link WorkerInit} as `workerData`: starts that client at once.
 * - In standby (`workerData` is `{ standby: true }`: a thread booted ahead of its client, or the warm
 *   spare; see src/WarmSpawner.ts): loads the worker's front, then waits for `{ type: "init", init }`
 *   and starts that client. The spare (`preload: true`) also loads the client's parts meanwhile, so a
 *   restart that takes it skips that loading too.
 *
 * An error while starting escapes (a rejected top-level await, or an unhandled rejection for a spare),
 * so the thread dies before `ready` and the main side reports a start failure.
 */
import { parentPort, workerData } from "node:worker_threads";
import { isStandby, type StandbyInit, type WorkerInit } from "../src/protocol.js";
import { startWorker } from "./startWorker.js";

if (isStandby(workerData)) {
  // Loaded, not built: the parts of a client are built for the client the spare becomes.
  if (workerData.preload === true) void import("./buildClient.js");
  parentPort?.once("message", (message: StandbyInit) => {
    // Not awaited: a failure must surface as this thread's uncaught error, as for a cold start.
    void startWorker(message.init);
  });
} else {
  await startWorker(workerData as WorkerInit);
}
