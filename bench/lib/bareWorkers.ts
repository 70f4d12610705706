/**
 * Bare workers, the floor under any thread: echo workers (`bench/workers/echoWorker.ts`) that do
 * nothing but answer. One counts as ready once it answered one message, as a dspex worker is ready
 * once it posted `ready`; what the startup, memory and restart figures compare dspex's workers with.
 */
import { once } from "node:events";
import { Worker } from "node:worker_threads";
import { benchFile } from "./contender.js";
import { callMessage } from "./payload.js";

/** Starts one echo worker and resolves once it answered its first message (numbered `seq`). */
export async function readyEchoWorker(seq = 0): Promise<Worker> {
  const worker = new Worker(benchFile("workers/echoWorker.js"));
  worker.postMessage(callMessage(seq));
  await once(worker, "message");
  return worker;
}

/** Starts `n` echo workers at once; resolves when every one is ready. */
export function readyEchoWorkers(n: number): Promise<Worker[]> {
  return Promise.all(Array.from({ length: n }, () => readyEchoWorker()));
}
