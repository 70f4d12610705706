/**
 * The ceilings for a cache hit: one worker thread answering the same `call` message with the same
 * `reply` message, reached three ways: a hand-rolled id -> promise map over postMessage (what dspex's
 * proxy does, with nothing else), a piscina task pool of one thread, and a comlink-wrapped object.
 */
import { once } from "node:events";
import { Worker } from "node:worker_threads";
import { type Remote, wrap } from "comlink";
import { Piscina } from "piscina";
import type { FromWorker } from "../../src/protocol.js";
import type { EchoApi } from "../workers/comlinkEcho.js";
import { nodeEndpoint } from "./comlinkNode.js";
import { benchFile, type Contender } from "./contender.js";
import { callMessage } from "./payload.js";

/** postMessage there and back through a request/response map: the floor under any thread hop. */
export async function bareEcho(): Promise<Contender> {
  const worker = new Worker(benchFile("workers/echoWorker.js"));
  await once(worker, "online");
  const pending = new Map<number, (message: FromWorker) => void>();
  worker.on("message", (message: FromWorker) => {
    if (message.type !== "reply") return;
    const resolve = pending.get(message.id);
    pending.delete(message.id);
    resolve?.(message);
  });
  let nextId = 1;
  return {
    label: "bare worker echo",
    call: () =>
      new Promise<FromWorker>((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        worker.postMessage(callMessage(id));
      }),
    close: async () => {
      await worker.terminate();
    },
  };
}

/**
 * A piscina pool of one thread. `atomics: "disabled"` because an LLM client's worker does I/O between
 * tasks (piscina's default parks idle workers in Atomics.wait, stalling their sockets and timers);
 * `concurrentTasksPerWorker` lets every call in flight reach the worker, as dspex's calls do.
 */
export async function piscinaEcho(inFlight: number): Promise<Contender> {
  const pool = new Piscina({
    filename: benchFile("workers/piscinaEcho.js").href,
    minThreads: 1,
    maxThreads: 1,
    concurrentTasksPerWorker: inFlight,
    atomics: "disabled",
    maxQueue: Number.POSITIVE_INFINITY,
  });
  // One task first, so the thread is up before the clock starts.
  await pool.run(callMessage(0));
  return {
    label: "piscina task",
    call: (seq) => pool.run(callMessage(seq)),
    close: () => pool.destroy(),
  };
}

/** A comlink `wrap()` of the echo object. */
export async function comlinkEcho(): Promise<Contender> {
  const worker = new Worker(benchFile("workers/comlinkEcho.js"));
  const remote: Remote<EchoApi> = wrap<EchoApi>(nodeEndpoint(worker));
  await remote.call(callMessage(0));
  return {
    label: "comlink call",
    call: (seq) => remote.call(callMessage(seq)),
    close: async () => {
      await worker.terminate();
    },
  };
}
