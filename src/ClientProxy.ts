/**
 * The main-thread face of one named client. It outlives every worker incarnation: it numbers calls,
 * sends them to the current worker, matches answers by id, holds calls while the worker restarts, and
 * delivers unanswered calls again to the next incarnation (at most `maxRedeliveries` times).
 *
 * Every call settles here: with the worker's answer, its own deadline (`ERR_TIMEOUT`), the caller's
 * signal (`ERR_ABORTED`), the redelivery bound (`ERR_WORKER_CRASHED`), or retirement
 * (`ERR_CLIENT_UNAVAILABLE` / `ERR_SYSTEM_STOPPED`).
 */
import type { ResolvedClientSpec } from "./ClientSpec.js";
import { type DspexError, dspexError, type ErrorCode, type ErrorData, errorFromData } from "./errors.js";
import type { CallMeta, FromWorker, ToWorker, WireRequest } from "./protocol.js";
import { redact } from "./redact.js";
import type { BreakerState, ClientStats, Reply, WireMessage } from "./types.js";
import type { SplitOptions } from "./validate.js";

/** How the proxy reaches the current worker. */
export interface WorkerLink {
  post(message: ToWorker): void;
}

/**
 * One unsettled call or stream, as the proxy tracks it. Calls are built here; streams plug in their
 * own implementation (see `ReplyStream`).
 */
export interface Pending {
  readonly id: number;
  /** The message that (re)delivers this call to a worker. */
  readonly message: ToWorker;
  /** Deliveries so far (1 after the first send). */
  deliveries: number;
  /** True while the proxy holds it (no worker has it). Proxy bookkeeping. */
  held: boolean;
  /** False once the caller has seen part of the answer (a stream with chunks): no redelivery then. */
  redeliverable(): boolean;
  /** Handles the worker's answer for this id; returns true when the call is settled. */
  receive(message: FromWorker): boolean;
  /** Settles with an error (deadline, abort, crash, retirement). */
  fail(error: DspexError): void;
}

type Mode = "starting" | "running" | "restarting" | "retired";

/** Per-client proxy: see the module comment. */
export class ClientProxy {
  readonly name: string;
  readonly #spec: ResolvedClientSpec;
  readonly #pending = new Map<number, Pending>();
  /** Calls waiting for a worker, in arrival order (redelivered ones go first). */
  #held: Pending[] = [];
  #link: WorkerLink | undefined;
  #mode: Mode = "starting";
  #retiredCode: ErrorCode = "ERR_CLIENT_UNAVAILABLE";
  #nextId = 1;
  #breaker: BreakerState;
  /** Last breaker snapshot the worker reported: handed to the next incarnation. */
  breakerSnapshot: unknown;
  readonly stats: ClientStats = {
    inFlight: 0,
    queued: 0,
    ok: 0,
    errors: {},
    cacheHits: 0,
    cacheMisses: 0,
    cacheEntries: 0,
    cacheWritesPending: 0,
    cacheWritesDropped: 0,
    cacheWritesFailed: 0,
    retries: 0,
    upstreamErrors: {},
    redelivered: 0,
  };
  /** Called for worker events (breaker, retry); set by the system. */
  onWorkerEvent: (message: Extract<FromWorker, { type: "event" }>) => void = () => {};

  constructor(spec: ResolvedClientSpec) {
    this.name = spec.name;
    this.#spec = spec;
    this.#breaker = spec.breaker === false ? "disabled" : "closed";
  }

  /** The client's resolved spec. */
  get spec(): ResolvedClientSpec {
    return this.#spec;
  }

  /** Breaker state as last reported by the worker. */
  get breaker(): BreakerState {
    return this.#breaker;
  }

  /** Calls not yet settled (sent or held). */
  get size(): number {
    return this.#pending.size;
  }

  /** Sends a call; resolves with the reply. `messages` and `options` were validated by the caller. */
  call(messages: WireMessage[], options: SplitOptions): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      const refused = this.#refusal();
      if (refused !== undefined) {
        reject(refused);
        return;
      }
      const id = this.#nextId++;
      const request = this.wireRequest(messages, options);
      const call = new PendingCall(
        this,
        id,
        { type: "call", id, request },
        resolve,
        reject,
        options.controls.signal,
      );
      if (call.settled) {
        this.#countError("ERR_ABORTED"); // the signal was already aborted
        return;
      }
      this.admit(call);
    });
  }

  /** The error a new call gets right now (counted as its failure), or `undefined` when it may proceed. */
  #refusal(): DspexError | undefined {
    if (this.#mode === "retired") {
      this.#countError(this.#retiredCode);
      return dspexError(this.#retiredCode, undefined, { client: this.name });
    }
    if (this.#pending.size >= this.#spec.maxConcurrency + this.#spec.maxQueue) {
      this.#countError("ERR_QUEUE_FULL");
      return dspexError(
        "ERR_QUEUE_FULL",
        `client "${this.name}" has ${this.#pending.size} calls pending (maxConcurrency ${this.#spec.maxConcurrency} + maxQueue ${this.#spec.maxQueue})`,
        { client: this.name },
      );
    }
    return undefined;
  }

  /** Throws the refusal error if a new call may not proceed (for streams, which are not promises). */
  assertAccepting(): void {
    const refused = this.#refusal();
    if (refused !== undefined) throw refused;
  }

  /** Allocates a call id (streams use it too). */
  allocateId(): number {
    return this.#nextId++;
  }

  /** Builds the wire form of a call from validated parts, applying the client's defaults. */
  wireRequest(messages: WireMessage[], { params, controls }: SplitOptions): WireRequest {
    const spec = this.#spec;
    const request: WireRequest = {
      messages,
      params,
      deadline: Date.now() + (controls.timeoutMs ?? spec.timeoutMs),
      attemptTimeoutMs: controls.attemptTimeoutMs ?? spec.attemptTimeoutMs,
      maxRetries: controls.maxRetries ?? spec.retry.maxRetries,
      cache: controls.cache ?? "use",
    };
    if (controls.headers !== undefined) request.headers = controls.headers;
    return request;
  }

  /** Registers a pending call and sends it, or holds it until a worker is ready. */
  admit(pending: Pending): void {
    this.#pending.set(pending.id, pending);
    if (this.#link !== undefined) {
      this.#send(pending, this.#link);
    } else {
      // Held calls are snapshotted now: the caller may reuse its arrays before a worker takes them.
      (pending as { message: ToWorker }).message = structuredClone(pending.message);
      pending.held = true;
      this.#held.push(pending);
      this.stats.queued++;
    }
  }

  #send(pending: Pending, link: WorkerLink): void {
    pending.held = false;
    pending.deliveries++;
    this.stats.inFlight++;
    link.post(pending.message);
  }

  /** Forgets a settled call (called by the call itself), telling the worker to drop it when asked. */
  release(pending: Pending, cancel?: "aborted" | "timeout" | "closed"): void {
    if (this.#pending.get(pending.id) !== pending) return;
    this.#pending.delete(pending.id);
    // Settled here, so the worker will not answer it: count the failure now or never.
    if (cancel === "aborted") this.#countError("ERR_ABORTED");
    else if (cancel === "timeout") this.#countError("ERR_TIMEOUT");
    if (pending.held) {
      this.#held.splice(this.#held.indexOf(pending), 1);
      pending.held = false;
      this.stats.queued--;
      return;
    }
    this.stats.inFlight--;
    if (cancel !== undefined && this.#link !== undefined)
      this.#link.post({ type: "cancel", id: pending.id, reason: cancel });
  }

  // ---- streaming (PendingStream.ts) ----
  /** Posts `credit` for a stream to the worker that holds it; nothing while it is held. */
  credit(pending: Pending, n: number): void {
    if (pending.held || this.#link === undefined || this.#pending.get(pending.id) !== pending) return;
    this.#link.post({ type: "credit", id: pending.id, n });
  }
  // ---- end streaming ----

  /** Routes one message from the worker. */
  receive(message: FromWorker): void {
    switch (message.type) {
      case "reply":
      case "error":
      case "chunk":
      case "end": {
        const pending = this.#pending.get(message.id);
        if (pending === undefined) return; // already settled here (timeout, abort)
        if (message.type !== "chunk") this.#account(message);
        if (pending.receive(message)) {
          this.#pending.delete(message.id);
          this.stats.inFlight--;
        }
        return;
      }
      case "event":
        if (message.event.kind === "breaker") {
          this.#breaker = message.event.state;
          this.breakerSnapshot = message.event.snapshot;
        } else if (message.event.kind === "cache") {
          const { writes } = message.event;
          // Pending is the worker's current figure; dropped and failed arrive as increments, so the
          // totals survive a restart like the other counters.
          this.stats.cacheWritesPending = writes.pending;
          this.stats.cacheWritesDropped += writes.dropped;
          this.stats.cacheWritesFailed += writes.failed;
          return;
        } else if (message.event.kind === "retry") {
          this.stats.retries++;
        }
        this.onWorkerEvent(message);
        return;
      case "batch":
        for (const m of message.messages) this.receive(m);
        return;
      default:
        return;
    }
  }

  #countError(code: ErrorCode): void {
    this.stats.errors[code] = (this.stats.errors[code] ?? 0) + 1;
  }

  #account(message: Extract<FromWorker, { type: "reply" | "error" | "end" }>): void {
    const stats = this.stats;
    const meta: CallMeta = message.meta;
    if (message.type === "error") {
      this.#countError(message.error.code);
    } else {
      stats.ok++;
      // A stream's `end` carries no reply: a replayed (cached) stream is one that made no attempt.
      const hit = message.type === "reply" ? message.reply.cached : message.meta.attempts === 0;
      if (hit) stats.cacheHits++;
      else stats.cacheMisses++;
    }
    if (meta.cacheEntries !== undefined) stats.cacheEntries = meta.cacheEntries;
    const upstream = meta.upstreamErrors;
    if (upstream !== undefined)
      for (const code of upstream) stats.upstreamErrors[code] = (stats.upstreamErrors[code] ?? 0) + 1;
  }

  /** A worker is ready: send it everything held, oldest first. */
  attach(link: WorkerLink): void {
    if (this.#mode === "retired") return;
    this.#link = link;
    this.#mode = "running";
    const held = this.#held;
    this.#held = [];
    this.stats.queued -= held.length;
    for (const pending of held) this.#send(pending, link);
  }

  /** The worker is going away for a restart: new calls are held until the next `attach`. */
  holdCalls(): void {
    if (this.#mode === "retired") return;
    this.#mode = this.#mode === "starting" ? "starting" : "restarting";
    this.#link = undefined;
  }

  /**
   * The worker is gone (crash, kill, or stopped with calls abandoned). Unanswered calls are held for
   * the next incarnation while their redelivery budget lasts; the rest (and streams the caller has
   * already read from) fail with `code`: `ERR_WORKER_CRASHED` after a crash, `ERR_SYSTEM_STOPPED`
   * when the system stopped the worker on purpose.
   */
  detach(code: "ERR_WORKER_CRASHED" | "ERR_SYSTEM_STOPPED" = "ERR_WORKER_CRASHED"): void {
    this.#link = undefined;
    if (this.#mode !== "retired") this.#mode = "restarting";
    const resend: Pending[] = [];
    const why =
      code === "ERR_SYSTEM_STOPPED"
        ? "the worker was stopped with the call in flight"
        : "the worker died with the call in flight";
    for (const pending of this.#pending.values()) {
      if (pending.held) continue;
      this.stats.inFlight--;
      if (pending.redeliverable() && pending.deliveries <= this.#spec.maxRedeliveries) {
        pending.held = true;
        resend.push(pending);
      } else {
        this.#pending.delete(pending.id);
        this.#countError(code);
        pending.fail(
          dspexError(code, `client "${this.name}": ${why} (delivered ${pending.deliveries} times)`, {
            client: this.name,
          }),
        );
      }
    }
    this.stats.redelivered += resend.length;
    this.stats.queued += resend.length;
    this.#held = [...resend, ...this.#held];
  }

  /** The client will not come back: every pending and later call rejects with `code`. */
  retire(code: "ERR_CLIENT_UNAVAILABLE" | "ERR_SYSTEM_STOPPED"): void {
    this.#mode = "retired";
    this.#retiredCode = code;
    this.#link = undefined;
    const message =
      code === "ERR_SYSTEM_STOPPED"
        ? `client "${this.name}": the system stopped`
        : `client "${this.name}" is not running and will not be restarted`;
    const all = [...this.#pending.values()];
    this.#pending.clear();
    this.#held = [];
    this.stats.queued = 0;
    this.stats.inFlight = 0;
    for (const pending of all) {
      this.#countError(code);
      pending.fail(dspexError(code, message, { client: this.name }));
    }
  }

  /** Makes a retired proxy accept calls again (its client is being started afresh). */
  revive(): void {
    if (this.#mode === "retired") this.#mode = "starting";
  }

  /** Rebuilds a worker's error data into a class, with the API key scrubbed as a last defence. */
  error(data: ErrorData): DspexError {
    const key = this.#spec.apiKey;
    const message = redact(data.message, key);
    return errorFromData({ ...data, message, client: this.name });
  }
}

/** A `call` in flight: settles its promise once, and cleans its timer and signal listener. */
class PendingCall implements Pending {
  deliveries = 0;
  held = false;
  settled = false;
  readonly #timer: NodeJS.Timeout;
  readonly #onAbort: (() => void) | undefined;

  constructor(
    private readonly proxy: ClientProxy,
    readonly id: number,
    readonly message: Extract<ToWorker, { type: "call" }>,
    private readonly resolve: (reply: Reply) => void,
    private readonly reject: (error: DspexError) => void,
    private readonly signal: AbortSignal | undefined,
  ) {
    const timeoutMs = Math.max(0, message.request.deadline - Date.now());
    this.#timer = setTimeout(() => this.#expire(), timeoutMs);
    this.#timer.unref?.();
    if (signal !== undefined) {
      if (signal.aborted) {
        clearTimeout(this.#timer);
        this.#onAbort = undefined;
        this.settled = true;
        reject(aborted(proxy.name));
        return;
      }
      this.#onAbort = () => this.#abort();
      signal.addEventListener("abort", this.#onAbort, { once: true });
    }
  }

  redeliverable(): boolean {
    return true;
  }

  receive(message: FromWorker): boolean {
    if (message.type === "reply") {
      this.#finish();
      this.resolve(message.reply);
      return true;
    }
    if (message.type === "error") {
      this.#finish();
      this.reject(this.proxy.error(message.error));
      return true;
    }
    return false;
  }

  fail(error: DspexError): void {
    if (this.settled) return;
    this.#finish();
    this.reject(error);
  }

  #finish(): void {
    this.settled = true;
    clearTimeout(this.#timer);
    if (this.#onAbort !== undefined) this.signal?.removeEventListener("abort", this.#onAbort);
  }

  #expire(): void {
    if (this.settled) return;
    this.#finish();
    this.proxy.release(this, "timeout");
    this.reject(
      dspexError("ERR_TIMEOUT", `client "${this.proxy.name}": the call's deadline passed`, {
        client: this.proxy.name,
      }),
    );
  }

  #abort(): void {
    if (this.settled) return;
    this.#finish();
    this.proxy.release(this, "aborted");
    this.reject(aborted(this.proxy.name));
  }
}

function aborted(client: string): DspexError {
  return dspexError("ERR_ABORTED", `client "${client}": the call was aborted by its signal`, { client });
}
