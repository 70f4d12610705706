/**
 * A spawner that keeps one warm spare: a worker thread that has already loaded the client code and
 * waits (in standby, see workers/entry.ts) to be told which client it is. A start or restart takes
 * the spare and hands it its {@link WorkerInit}; a new spare is then started in the background.
 *
 * Why: a client worker spends most of its start loading modules (~80-90 ms against ~25 ms for a bare
 * thread on the development machine), and a restart's latency is that start. With a spare, a restart
 * waits only for whatever loading is left plus the client's own set-up. Cost: one idle thread per
 * system (its RSS is in docs/benchmarks.md), unref'd so it never keeps the process alive, and
 * terminated by `close()` (the system calls it when it stops).
 *
 * A client with `resourceLimits` always gets a fresh thread: limits are fixed when a thread starts.
 */
import { Worker } from "node:worker_threads";
import type { ResolvedClientSpec } from "./ClientSpec.js";
import { workerHostOptions } from "./hostFlags.js";
import type { StandbyData, StandbyInit, WorkerInit } from "./protocol.js";
import { spawnerFor, type WorkerSpawner, workerEntry } from "./WorkerSpawner.js";

/** See the module comment. */
export class WarmSpawner {
  readonly #entry: URL;
  readonly #cold: WorkerSpawner;
  readonly #execArgv: readonly string[] | undefined;
  #spare: Worker | undefined;
  #closed = false;
  /** Spares handed out (for tests and diagnostics). */
  taken = 0;

  /** `execArgv` replaces the flags taken from the host (see hostFlags.ts). */
  constructor(entry: URL = workerEntry, execArgv?: readonly string[]) {
    this.#entry = entry;
    this.#execArgv = execArgv;
    this.#cold = spawnerFor(entry, execArgv);
  }

  /** The spawner function to give the system. */
  readonly spawn: WorkerSpawner = (init: WorkerInit, client: ResolvedClientSpec): Worker => {
    const spare = this.#spare;
    if (spare === undefined || client.resourceLimits !== undefined || this.#closed) {
      const worker = this.#cold(init, client);
      this.#refill();
      return worker;
    }
    this.#spare = undefined;
    spare.off("exit", this.#onSpareExit);
    spare.off("error", ignore);
    spare.ref();
    const message: StandbyInit = { type: "init", init };
    spare.postMessage(message, init.adminPort === undefined ? [] : [init.adminPort]);
    this.taken++;
    this.#refill();
    return spare;
  };

  /** The current spare, if any (diagnostics and tests). */
  get spare(): Worker | undefined {
    return this.#spare;
  }

  /** Starts a spare now if there is none (the system calls this before it starts its children). */
  prime(): void {
    this.#refill();
  }

  /** Terminates the spare and stops making new ones. */
  async close(): Promise<void> {
    this.#closed = true;
    const spare = this.#spare;
    this.#spare = undefined;
    if (spare !== undefined) await spare.terminate();
  }

  #refill(): void {
    if (this.#closed || this.#spare !== undefined) return;
    const data: StandbyData = { standby: true };
    const spare = new Worker(this.#entry, { ...workerHostOptions(this.#execArgv), workerData: data });
    spare.unref();
    // A spare that dies before it is used (it should not) is simply forgotten; the next spawn is cold.
    spare.on("error", ignore);
    spare.once("exit", this.#onSpareExit);
    this.#spare = spare;
  }

  readonly #onSpareExit = (): void => {
    this.#spare = undefined;
  };
}

function ignore(): void {}
