/**
 * A worker thread started ahead of its client: it loads the client code in standby (see
 * workers/entry.ts), then waits to be told which client it is. Booting every client's thread at once
 * and telling each its client in start order is what lets a tree start in about the time of its
 * slowest thread instead of the sum of all (see docs/supervision.md, "Start order").
 *
 * Until it is woken the thread is unref'd (it never keeps the process alive on its own), and an error
 * or exit it has meanwhile is kept here, since nobody else listens yet.
 */
import type { Worker } from "node:worker_threads";
import type { ResolvedClientSpec } from "./ClientSpec.js";
import type { StandbyInit, WorkerInit } from "./protocol.js";

/** Where a booted thread is. */
type BootState =
  | { kind: "standby" }
  /** It died before it was woken (`error` is what it threw, if anything). */
  | { kind: "exited"; error: Error | undefined }
  | { kind: "woken" };

/** One standby thread; see the module comment. */
export class BootedThread {
  readonly worker: Worker;
  #state: BootState = { kind: "standby" };
  #error: Error | undefined;

  constructor(worker: Worker) {
    this.worker = worker;
    worker.unref();
    worker.on("error", this.#onError);
    worker.once("exit", this.#onExit);
  }

  /** The error it died of before being woken, when it did die (otherwise `undefined`). */
  get failure(): { error: Error | undefined } | undefined {
    return this.#state.kind === "exited" ? { error: this.#state.error } : undefined;
  }

  /**
   * Tells the thread its client: `init` (its admin port transferred). From here the caller listens to
   * the worker as to one it spawned itself; the thread is ref'd again.
   */
  wake(init: WorkerInit): Worker {
    this.#state = { kind: "woken" };
    this.worker.off("error", this.#onError);
    this.worker.off("exit", this.#onExit);
    this.worker.ref();
    const message: StandbyInit = { type: "init", init };
    this.worker.postMessage(message, init.adminPort === undefined ? [] : [init.adminPort]);
    return this.worker;
  }

  /** Terminates a thread that will not be woken. */
  release(): void {
    if (this.#state.kind !== "standby") return;
    this.#state = { kind: "exited", error: undefined };
    void this.worker.terminate();
  }

  readonly #onError = (error: Error): void => {
    this.#error ??= error;
  };

  readonly #onExit = (): void => {
    if (this.#state.kind === "standby") this.#state = { kind: "exited", error: this.#error };
  };
}

/** What boots threads ahead of their clients (the system's {@link WarmSpawner}). */
export interface ThreadBooter {
  /**
   * Starts (or hands over) a standby thread for `client`; `preload`: it loads the client's parts
   * meanwhile (calls are waiting for it), instead of on its first call.
   */
  boot(client: ResolvedClientSpec, preload: boolean): BootedThread;
}
