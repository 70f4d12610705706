/**
 * The client worker thread's entry (`dist/workers/entry.js`).
 *
 * - With a {@link WorkerInit} as `workerData`: starts that client at once.
 * - As a warm spare (`workerData` is `{ standby: true }`, see src/WarmSpawner.ts): loads everything,
 *   then waits for `{ type: "init", init }` and starts that client. A restart that takes a spare skips
 *   the module loading that dominates a worker's start.
 *
 * An error while starting escapes (a rejected top-level await, or an unhandled rejection for a spare),
 * so the thread dies before `ready` and the main side reports a start failure.
 */
import { parentPort, workerData } from "node:worker_threads";
import { isStandby, type StandbyInit, type WorkerInit } from "../src/protocol.js";
import { startWorker } from "./startWorker.js";

if (isStandby(workerData)) {
  parentPort?.once("message", (message: StandbyInit) => {
    // Not awaited: a failure must surface as this thread's uncaught error, as for a cold start.
    void startWorker(message.init);
  });
} else {
  await startWorker(workerData as WorkerInit);
}
