/**
 * The system's thread source: it boots client threads ahead of their clients ({@link BootedThread}:
 * standby workers that load the client code, then wait to be told which client they are), and it may
 * keep one warm spare, a standby thread no client has asked for yet.
 *
 * Booting: the supervisor boots every child it is about to start at once (see `Child.boot`), so a
 * tree's threads load side by side; each client then takes its own booted thread in start order.
 *
 * The spare (option `warmSpare`, see docs/decisions.md for the default and its figures): a restart
 * of one client otherwise boots its thread when the crash is seen, so the restart waits for module
 * loading; with a spare it waits only for the client's own set-up. Cost: one idle thread per system,
 * unref'd so it never keeps the process alive, started once the tree is up (so it never slows the
 * start), and terminated by `close()` (the system calls it when it stops).
 *
 * A client with `resourceLimits` never takes the spare: limits are fixed when a thread starts, so
 * its booted thread is started with its own limits.
 */
import { Worker } from "node:worker_threads";
import { BootedThread, type ThreadBooter } from "./BootedThread.js";
import type { ResolvedClientSpec } from "./ClientSpec.js";
import { workerHostOptions } from "./hostFlags.js";
import type { StandbyData, WorkerInit } from "./protocol.js";
import { spawnerFor, type WorkerSpawner, workerEntry } from "./WorkerSpawner.js";

/** How a {@link WarmSpawner} behaves. */
export interface WarmSpawnerOptions {
  /** Keep one warm spare (default `true`). */
  spare?: boolean;
}

/** See the module comment. */
export class WarmSpawner implements ThreadBooter {
  readonly #entry: URL;
  readonly #cold: WorkerSpawner;
  readonly #execArgv: readonly string[] | undefined;
  readonly #keepSpare: boolean;
  #spare: BootedThread | undefined;
  #closed = false;
  /** Spares handed out (for tests and diagnostics). */
  taken = 0;

  /** `execArgv` replaces the flags taken from the host (see hostFlags.ts). */
  constructor(entry: URL = workerEntry, execArgv?: readonly string[], options: WarmSpawnerOptions = {}) {
    this.#entry = entry;
    this.#execArgv = execArgv;
    this.#keepSpare = options.spare ?? true;
    this.#cold = spawnerFor(entry, execArgv);
  }

  /** Spawns a client's thread at once: the spare, woken with `init`, when it fits; a new thread otherwise. */
  readonly spawn: WorkerSpawner = (init: WorkerInit, client: ResolvedClientSpec): Worker => {
    const spare = this.#takeSpare(client);
    if (spare === undefined) {
      const worker = this.#cold(init, client);
      this.#refill();
      return worker;
    }
    this.#refill();
    return spare.wake(init);
  };

  /** A standby thread for `client`: the spare when it fits, a new one otherwise (see {@link ThreadBooter}). */
  boot(client: ResolvedClientSpec, preload: boolean): BootedThread {
    const spare = this.#takeSpare(client);
    if (spare !== undefined) {
      this.#refill();
      return spare;
    }
    return this.#standby(client.resourceLimits, preload);
  }

  /** The current spare's thread, if any (diagnostics and tests). */
  get spare(): Worker | undefined {
    return this.#spare?.failure === undefined ? this.#spare?.worker : undefined;
  }

  /** Starts a spare now if there is none and one is kept (the system calls this once the tree is up). */
  prime(): void {
    this.#refill();
  }

  /** Terminates the spare and stops making new ones. */
  async close(): Promise<void> {
    this.#closed = true;
    const spare = this.#spare;
    this.#spare = undefined;
    if (spare !== undefined) await spare.worker.terminate();
  }

  #takeSpare(client: ResolvedClientSpec): BootedThread | undefined {
    const spare = this.#spare;
    if (spare === undefined || client.resourceLimits !== undefined || this.#closed) return undefined;
    this.#spare = undefined;
    // A spare that died before it was used (it should not) is forgotten; the caller boots anew.
    if (spare.failure !== undefined) return undefined;
    this.taken++;
    return spare;
  }

  #refill(): void {
    if (!this.#keepSpare || this.#closed || this.#spare !== undefined) return;
    this.#spare = this.#standby(undefined, true);
  }

  /** A standby thread; `preload`: it loads the client's parts too (the spare, see workers/entry.ts). */
  #standby(resourceLimits: ResolvedClientSpec["resourceLimits"], preload = false): BootedThread {
    const data: StandbyData = preload ? { standby: true, preload } : { standby: true };
    const options: ConstructorParameters<typeof Worker>[1] = {
      ...workerHostOptions(this.#execArgv),
      workerData: data,
    };
    if (resourceLimits !== undefined) options.resourceLimits = resourceLimits;
    return new BootedThread(new Worker(this.#entry, options));
  }
}
