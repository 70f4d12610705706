/**
 * A client as its supervisor sees it: the lifecycle of one worker thread per incarnation, wired to the
 * client's persistent {@link ClientProxy}.
 *
 * (boot ->) start -> spawn or wake the booted thread -> "ready" -> attach the proxy. An unasked exit is
 * classified (error, exit code, out of memory, killed, or a normal exit with code 0), the proxy keeps
 * unanswered calls for the next incarnation, and the supervisor is told through `onExit`.
 *
 * Each incarnation's life is a union (`Phase`, src/Incarnation.ts); `boot()` (see `Child.boot`) starts the thread
 * ahead of the start when the system has a {@link ThreadBooter}.
 */
import { MessageChannel, type Worker } from "node:worker_threads";
import { type Child, type ExitReason, type Subscription, subscription } from "../supervisor/Child.js";
import { AdminClient } from "./AdminClient.js";
import type { BootedThread, ThreadBooter } from "./BootedThread.js";
import type { ClientProxy } from "./ClientProxy.js";
import type { ResolvedClientSpec } from "./ClientSpec.js";
import { DEFAULTS } from "./defaults.js";
import { classifyExit, type Incarnation, markStopping, wasReady } from "./Incarnation.js";
import { Outbox, unbatch } from "./Outbox.js";
import type { FromWorker, ToWorker, WorkerInit } from "./protocol.js";
import { redact } from "./redact.js";
import { ThreadRef } from "./ThreadRef.js";
import type { NodeSnapshot, NodeStatus } from "./types.js";
import type { WorkerSpawner } from "./WorkerSpawner.js";

/** How long a worker may take to answer "ready" before its start counts as failed. */
export const START_TIMEOUT_MS = DEFAULTS.internal.startTimeoutMs;
/** Beyond the shutdown timeout, how long we wait for the worker's "stopped" before terminating it. */
const STOP_MARGIN_MS = DEFAULTS.internal.stopMarginMs;

/** A supervised client: see the module comment. */
export class ClientChild implements Child {
  readonly kind = "client" as const;
  readonly name: string;
  readonly restart: ResolvedClientSpec["restart"];
  readonly proxy: ClientProxy;
  readonly #spec: ResolvedClientSpec;
  readonly #spawn: WorkerSpawner;
  readonly #listeners = new Set<(reason: ExitReason) => void>();
  readonly #booter: ThreadBooter | undefined;
  #current: Incarnation | undefined;
  /** A thread booted for the next start (see `boot()`). */
  #booted: BootedThread | undefined;
  #status: NodeStatus = "stopped";
  #incarnations = 0;
  /** `destroyed` after `destroy()`: no grace for any worker of this client from then on. */
  #life: "live" | "destroyed" = "live";

  /** `booter`, when given, boots threads ahead of their start (see `boot()`). */
  constructor(spec: ResolvedClientSpec, proxy: ClientProxy, spawn: WorkerSpawner, booter?: ThreadBooter) {
    this.name = spec.name;
    this.restart = spec.restart;
    this.#spec = spec;
    this.proxy = proxy;
    this.#spawn = spawn;
    this.#booter = booter;
    // An answer the proxy held back for its price settles outside the worker's message handler.
    proxy.onLateAnswer = () => {
      if (this.#current !== undefined) this.#holdIfBusy(this.#current);
    };
  }

  /** The running worker's thread id, or -1. */
  get threadId(): number {
    return this.#current !== undefined && wasReady(this.#current.phase) ? this.#current.threadId : -1;
  }

  get status(): NodeStatus {
    return this.#status;
  }

  /** The running worker's admin port (see docs/admin.md), or `undefined` while no worker is ready. */
  get admin(): AdminClient | undefined {
    return this.#current !== undefined && wasReady(this.#current.phase) ? this.#current.admin : undefined;
  }

  /** Starts this client's next thread now, to be woken by `start()` (when the system boots threads). */
  boot(): void {
    if (this.#booter === undefined || this.#booted !== undefined || this.#life === "destroyed") return;
    // Calls held for this client (a restart's redeliveries) will need its parts at once: load them now.
    this.#booted = this.#booter.boot(this.#spec, this.proxy.size > 0);
  }

  /** Terminates a booted thread that no start used. */
  unboot(): void {
    this.#booted?.release();
    this.#booted = undefined;
  }

  start(): Promise<void> {
    if (this.#current !== undefined) return Promise.resolve();
    if (this.#life === "destroyed") {
      return Promise.reject(this.#startError(new Error("the system was destroyed")));
    }
    if (this.#status !== "restarting") this.#status = "starting";
    this.proxy.revive();
    const init: WorkerInit = { client: this.#spec, incarnation: this.#incarnations++ };
    if (this.proxy.breakerSnapshot !== undefined) init.breakerState = this.proxy.breakerSnapshot;
    // --- admin port: one channel per incarnation; port2 moves into the worker (see docs/admin.md) ---
    const channel = new MessageChannel();
    init.adminPort = channel.port2;
    const admin = new AdminClient(channel.port1, this.name);
    // ---
    let worker: Worker;
    const booted = this.#booted;
    this.#booted = undefined;
    try {
      const failure = booted?.failure;
      if (failure !== undefined) {
        throw failure.error ?? new Error("the worker exited before it was ready");
      }
      worker = booted !== undefined ? booted.wake(init) : this.#spawn(init, this.#spec);
    } catch (error) {
      this.#status = "failed";
      admin.close("ERR_CLIENT_UNAVAILABLE", "the worker could not be started");
      channel.port2.close();
      return Promise.reject(this.#startError(error));
    }
    let resolveExit!: (code: number) => void;
    const inc: Incarnation = {
      worker,
      threadId: worker.threadId,
      phase: { kind: "starting" },
      error: undefined,
      exited: new Promise<number>((r) => {
        resolveExit = r;
      }),
      stopped: undefined,
      admin,
      // Every batch sent may start or cancel a call: the thread's ref follows (see #holdIfBusy).
      outbox: new Outbox<ToWorker>(
        {
          postMessage: (message) => {
            worker.postMessage(message);
            this.#holdIfBusy(inc);
          },
        },
        "microtask",
        (message, error) => this.proxy.undeliverable(message, error),
      ),
      alive: new ThreadRef(worker),
    };
    this.#current = inc;

    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(this.#startError(new Error(`no "ready" within ${START_TIMEOUT_MS} ms`)));
        inc.phase = { kind: "stopping", after: "starting" };
        void worker.terminate();
      }, START_TIMEOUT_MS);
      timer.unref();

      const handle = (message: FromWorker): void => {
        switch (message.type) {
          case "ready":
            clearTimeout(timer);
            // A stop asked while it was starting stays a stop.
            if (inc.phase.kind === "starting") inc.phase = { kind: "ready" };
            else if (inc.phase.kind === "stopping") inc.phase = { kind: "stopping", after: "ready" };
            this.#status = "running";
            this.proxy.attach(inc.outbox);
            this.#holdIfBusy(inc);
            resolve();
            return;
          case "stopped":
            inc.stopped?.();
            return;
          default:
            this.proxy.receive(message);
        }
      };
      worker.on("message", (message: FromWorker) => {
        unbatch(message, handle);
        this.#holdIfBusy(inc);
      });
      worker.on("error", (error) => {
        inc.error = error;
      });
      worker.on("exit", (code) => {
        clearTimeout(timer);
        const { phase } = inc;
        // Admin calls in flight would never settle (comlink has no notion of a dead peer): reject them.
        if (phase.kind === "stopping" || !wasReady(phase))
          inc.admin.close("ERR_CLIENT_UNAVAILABLE", "the client's worker was stopped");
        else
          inc.admin.close("ERR_WORKER_CRASHED", `the client's worker exited (code ${code}) before answering`);
        inc.outbox.close();
        resolveExit(code);
        if (this.#current === inc) this.#current = undefined;
        if (!wasReady(phase)) {
          this.#status = "failed";
          reject(
            this.#startError(
              inc.error ?? new Error(`the worker exited with code ${code} before it was ready`),
            ),
          );
          return;
        }
        // The calls this worker still had: a stop for a restart (a healthy sibling stopped by its
        // supervisor's strategy) is not a crash and spends no redelivery budget; a stop for good
        // ends what cannot be redelivered with ERR_SYSTEM_STOPPED; anything else is a crash.
        this.proxy.detach(
          inc.outbox,
          phase.kind !== "stopping" ? "crash" : this.#status === "restarting" ? "restart" : "stop",
        );
        if (phase.kind === "stopping") return;
        const reason = classifyExit(inc, code, this.#spec.apiKey);
        this.#status = reason.kind === "normal" ? "stopped" : "failed";
        for (const listener of [...this.#listeners]) listener(reason);
      });
    });
  }

  /**
   * The thread keeps the process alive while it is needed: until it is ready, while it stops, and
   * while its client has a call or stream pending (sent or held). Checked after every batch each way,
   * so an answer or a cancel that empties the client lets the process go. An idle system then holds
   * nothing: a script that forgets `stop()` exits, and one that does not await a call is answered first.
   */
  #holdIfBusy(inc: Incarnation): void {
    const { kind } = inc.phase;
    inc.alive.set(kind === "starting" || kind === "stopping" || this.proxy.size > 0);
  }

  #startError(cause: unknown): Error {
    const message = cause instanceof Error ? cause.message : String(cause);
    return new Error(`client "${this.name}" could not start: ${redact(message, this.#spec.apiKey)}`);
  }

  async stop(): Promise<void> {
    const inc = this.#current;
    if (inc === undefined) {
      if (this.#status !== "failed") this.#status = "stopped";
      return;
    }
    markStopping(inc);
    this.#holdIfBusy(inc);
    this.proxy.holdCalls();
    if (this.#life === "destroyed") {
      await this.#terminate(inc);
      return;
    }
    const grace = this.#spec.shutdownTimeoutMs;
    const stopped = new Promise<void>((resolve) => {
      inc.stopped = resolve;
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, grace + STOP_MARGIN_MS);
    });
    // Through the outbox, after any calls still queued in it, so the worker sees them first.
    inc.outbox.post({ type: "stop", graceMs: grace });
    inc.outbox.flush();
    await Promise.race([stopped, timedOut, inc.exited]);
    clearTimeout(timer);
    await this.#terminate(inc);
  }

  /**
   * Ends the worker now, with no grace (the system's `destroy()`): the proxy was retired first, so
   * every call had already rejected; a pending admin call rejects with `ERR_SYSTEM_STOPPED`. A
   * graceful `stop()` waiting on this worker stops waiting. Later starts and stops get no grace either.
   */
  async destroy(): Promise<void> {
    this.#life = "destroyed";
    this.unboot();
    const inc = this.#current;
    if (inc === undefined) return;
    markStopping(inc);
    inc.admin.close("ERR_SYSTEM_STOPPED", "the system was destroyed");
    inc.stopped?.();
    await this.#terminate(inc);
  }

  async #terminate(inc: Incarnation): Promise<void> {
    await inc.worker.terminate();
    await inc.exited;
    this.#status = "stopped";
  }

  /** Terminates the worker abruptly, as a crash would; resolves once the supervisor has been told. */
  async kill(): Promise<void> {
    const inc = this.#current;
    if (inc === undefined) return;
    // Only a ready worker can crash: killing one that starts or stops is that start's or stop's end.
    if (inc.phase.kind === "ready") inc.phase = { kind: "killed" };
    await inc.worker.terminate();
    await inc.exited;
  }

  onExit(listener: (reason: ExitReason) => void): Subscription {
    this.#listeners.add(listener);
    return subscription(() => void this.#listeners.delete(listener));
  }

  retire(reason: "unavailable" | "stopped"): void {
    this.unboot();
    this.proxy.retire(reason === "stopped" ? "ERR_SYSTEM_STOPPED" : "ERR_CLIENT_UNAVAILABLE");
    if (this.#status !== "failed") this.#status = "stopped";
  }

  markRestarting(): void {
    this.#status = "restarting";
    this.proxy.holdCalls();
  }

  snapshot(): NodeSnapshot {
    const spec = this.#spec;
    return {
      name: this.name,
      type: "client",
      status: this.#status,
      restarts: Math.max(0, this.#incarnations - 1),
      threadId: this.threadId,
      breaker: this.proxy.breaker,
      provider: spec.provider,
      model: spec.model,
      stats: structuredClone(this.proxy.stats),
      limiter: structuredClone(this.proxy.traffic.limiter) ?? { source: "none", waiting: 0 },
      traffic: this.proxy.traffic.snapshot(),
    };
  }
}
