/**
 * The client worker thread's entry (`dist/workers/entry.js`): starts the client from `workerData`.
 * An error while starting is thrown out of this module, so the thread dies before `ready`.
 */
import { workerData } from "node:worker_threads";
import type { WorkerInit } from "../src/protocol.js";
import { startWorker } from "./startWorker.js";

await startWorker(workerData as WorkerInit);
