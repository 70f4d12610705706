/**
 * The main-thread face of one named client. It outlives every worker incarnation: it admits calls
 * (numbered, bounded), sends them to the current worker through its {@link CallTable}, routes the
 * workers' answers, and decides what a worker's exit means for the calls it had.
 *
 * Every call settles here: with the worker's answer, its own deadline (`ERR_TIMEOUT`), the caller's
 * signal (`ERR_ABORTED`, or `ERR_TIMEOUT` for `AbortSignal.timeout()`), a crash (`ERR_WORKER_CRASHED`:
 * the redelivery budget ran out, or the call asked for `redeliver: "never"`), or retirement
 * (`ERR_CLIENT_UNAVAILABLE` / `ERR_SYSTEM_STOPPED`).
 *
 * Parts: the call table (`CallTable.ts`), the counters (`StatsMirror.ts`), error rebuilding
 * (`rebuildError.ts`), the errors it settles calls with itself (`proxyFailures.ts`), the wire form of
 * a call (`wireRequest.ts`), calls (`PendingCall.ts`) and streams (`PendingStream.ts`).
 */

import type { CallerStack } from "./CallerStack.js";
import { CallTable, type CancelReason, type Pending, type Redelivery, type WorkerLink } from "./CallTable.js";
import type { ResolvedClientSpec } from "./ClientSpec.js";
import type { EmbedSplit } from "./embedAdmission.js";
import type { EmbedReply } from "./embedTypes.js";
import type { DspexError, ErrorData } from "./errors.js";
import { PendingCall, type PendingReply } from "./PendingCall.js";
import type { FromWorker, ToWorker, WireRequest } from "./protocol.js";
import {
  cutFailure,
  type ExitCause,
  queueFullRefusal,
  type RetiredCode,
  retiredFailure,
  retiredRefusal,
  undeliverableFailure,
} from "./proxyFailures.js";
import { rebuildError } from "./rebuildError.js";
import { StatsMirror } from "./StatsMirror.js";
import type { CallTrace } from "./telemetry/CallTrace.js";
import { ClientTraffic } from "./traffic/ClientTraffic.js";
import type { PriceBook } from "./traffic/PriceBook.js";
import type { BreakerState, ClientStats, Reply, StreamChunk, Usage, WireMessage } from "./types.js";
import type { SplitOptions } from "./validate.js";
import { wireEmbedRequest, wireRequest } from "./wireRequest.js";

export type { Pending, WorkerLink } from "./CallTable.js";
export type { ExitCause } from "./proxyFailures.js";

type Mode = "starting" | "running" | "restarting" | "retired";

/** Per-client proxy: see the module comment. */
export class ClientProxy {
  readonly name: string;
  readonly #spec: ResolvedClientSpec;
  readonly #mirror: StatsMirror;
  readonly #table: CallTable;
  /** The current worker, if one is ready: new calls go there. */
  #link: WorkerLink | undefined;
  #mode: Mode = "starting";
  #retiredCode: RetiredCode = "ERR_CLIENT_UNAVAILABLE";
  #nextId = 1;
  /** Called for worker events (breaker, retry); set by the system. */
  onWorkerEvent: (message: Extract<FromWorker, { type: "event" }>) => void = () => {};
  /** Rate limiter, tokens, cost and budget, mirrored from the worker (see src/traffic/). */
  readonly traffic: ClientTraffic;
  /** Told every upstream answer's usage (the system emits `usage` events when someone listens). */
  onUsage: ((usage: Usage, cost: number | undefined) => void) | undefined = undefined;
  /** Told after an answer held back for its price was delivered (the child re-checks its thread's ref). */
  onLateAnswer: (() => void) | undefined = undefined;
  /** Messages from the worker held while the first answers wait for their model's price (just after start). */
  #heldForPrice: FromWorker[] | undefined = undefined;

  constructor(spec: ResolvedClientSpec, prices?: PriceBook) {
    this.name = spec.name;
    this.#spec = spec;
    this.#mirror = new StatsMirror(spec.breaker !== false);
    this.traffic = new ClientTraffic(spec.name, spec, prices);
    this.#table = new CallTable(this.#mirror.stats);
  }

  /** The client's resolved spec. */
  get spec(): ResolvedClientSpec {
    return this.#spec;
  }

  /** The client's counters, as `inspect()` shows them. */
  get stats(): ClientStats {
    return this.#mirror.stats;
  }

  /** Breaker state as last reported by the worker. */
  get breaker(): BreakerState {
    return this.#mirror.breaker;
  }

  /** Last breaker snapshot the worker reported: handed to the next incarnation. */
  get breakerSnapshot(): unknown {
    return this.#mirror.breakerSnapshot;
  }

  /** Calls not yet settled (sent or held). */
  get size(): number {
    return this.#table.size;
  }

  /**
   * Sends a call; resolves with the reply. `messages` and `options` are the snapshot taken at
   * admission; `stack` the caller's, when the system captures them.
   */
  call(
    messages: WireMessage[],
    options: SplitOptions,
    stack?: CallerStack,
    trace?: CallTrace,
  ): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      const refused = this.#refusal() ?? this.#overBudget(messages, options);
      if (refused !== undefined) this.#refuse(refused, reject, stack);
      else {
        const id = this.#nextId++;
        const message: Extract<ToWorker, { type: "call" }> = {
          type: "call",
          id,
          request: this.wireRequest(messages, options),
        };
        this.#send<Reply>(message, options.controls, resolve, reject, stack, trace);
      }
    });
  }

  /**
   * Sends an `embed`; resolves with its vectors. It lives like a call (one deadline here, the caller's
   * signal, redelivery after a crash, retirement) and is answered by `embedded` instead of `reply`.
   */
  embed(inputs: string[], options: EmbedSplit, stack?: CallerStack, trace?: CallTrace): Promise<EmbedReply> {
    return new Promise<EmbedReply>((resolve, reject) => {
      const refused = this.#refusal() ?? this.#overEmbedBudget(inputs);
      if (refused !== undefined) this.#refuse(refused, reject, stack);
      else {
        const id = this.#nextId++;
        const message: Extract<ToWorker, { type: "embed" }> = {
          type: "embed",
          id,
          request: wireEmbedRequest(this.#spec, inputs, options),
        };
        this.#send<EmbedReply>(message, options.controls, resolve, reject, stack, trace);
      }
    });
  }

  /** Rejects a call refused at admission, with the caller's stack when one was taken. */
  #refuse(refused: DspexError, reject: (error: DspexError) => void, stack: CallerStack | undefined): void {
    stack?.applyTo(refused);
    reject(refused);
  }

  /**
   * Registers a `call` or `embed` (one life: a deadline here, the caller's signal, redelivery,
   * retirement) and sends it, or holds it until a worker is ready.
   */
  #send<R extends PendingReply>(
    message: Extract<ToWorker, { type: "call" | "embed" }>,
    controls: { readonly redeliver?: Redelivery | undefined; readonly signal?: AbortSignal | undefined },
    resolve: (reply: R) => void,
    reject: (error: DspexError) => void,
    stack: CallerStack | undefined,
    trace: CallTrace | undefined,
  ): void {
    if (trace !== undefined) trace.mark(message.request);
    const call = new PendingCall<R>(
      this,
      message.id,
      message,
      controls.redeliver ?? this.#spec.redeliver,
      resolve,
      reject,
      controls.signal,
      stack,
    );
    if (call.settled) {
      this.#mirror.countError("ERR_ABORTED"); // the signal was already aborted
      return;
    }
    call.trace = trace;
    this.admit(call);
  }

  /** A budget refusal of an `embed` (counted), or `undefined`. */
  #overEmbedBudget(inputs: readonly string[]): DspexError | undefined {
    if (this.#spec.budget === undefined) return undefined;
    const refused = this.traffic.embedBudgetRefusal(inputs);
    if (refused !== undefined) this.#mirror.countError("ERR_BUDGET_EXCEEDED");
    return refused;
  }

  /** A budget refusal (counted), or `undefined` (no budget, or the call fits). */
  #overBudget(messages: WireMessage[], options: SplitOptions): DspexError | undefined {
    if (this.#spec.budget === undefined) return undefined;
    const refused = this.traffic.budgetRefusal(messages, options.params);
    if (refused !== undefined) this.#mirror.countError("ERR_BUDGET_EXCEEDED");
    return refused;
  }

  /** The error a new call gets right now (counted as its failure), or `undefined` when it may proceed. */
  #refusal(): DspexError | undefined {
    if (this.#mode === "retired") {
      this.#mirror.countError(this.#retiredCode);
      return retiredRefusal(this.name, this.#retiredCode);
    }
    const size = this.#table.size;
    const { maxConcurrency, maxQueue } = this.#spec;
    if (size >= maxConcurrency + maxQueue) {
      this.#mirror.countError("ERR_QUEUE_FULL");
      return queueFullRefusal(this.name, size, maxConcurrency, maxQueue);
    }
    return undefined;
  }

  /** The refusal error if a new call may not proceed now (for streams, which are not promises). */
  refusal(messages: WireMessage[], options: SplitOptions): DspexError | undefined {
    return this.#refusal() ?? this.#overBudget(messages, options);
  }

  /** Allocates a call id (streams use it too). */
  allocateId(): number {
    return this.#nextId++;
  }

  /** Builds the wire form of a call from its snapshot, applying the client's defaults. */
  wireRequest(messages: WireMessage[], options: SplitOptions): WireRequest {
    return wireRequest(this.#spec, messages, options);
  }

  /** Registers a pending call and sends it, or holds it until a worker is ready. */
  admit(pending: Pending): void {
    this.#table.admit(pending, this.#link);
  }

  /**
   * Forgets a call settled on this side; with a reason, the worker that has it is told to cancel it,
   * and the failure is counted (the worker will not answer it).
   */
  release(pending: Pending, cancel?: CancelReason, code?: "ERR_TIMEOUT" | "ERR_ABORTED"): void {
    if (!this.#table.release(pending, cancel)) return;
    if (code !== undefined) this.#mirror.countError(code);
    else if (cancel === "aborted") this.#mirror.countError("ERR_ABORTED");
    else if (cancel === "timeout") this.#mirror.countError("ERR_TIMEOUT");
  }

  /** Posts `credit` for a stream to the worker that has it (even one that is draining). */
  credit(pending: Pending, n: number): void {
    this.#table.credit(pending, n);
  }

  /**
   * A message to a worker could not be cloned (see `Outbox`): the one call it carried fails with
   * `ERR_INVALID_ARGUMENT`; every other call, and the worker, are untouched. Admission snapshots make
   * this unreachable for calls and streams; it stays as the last guard of "a failed post never drops
   * other calls".
   */
  undeliverable(message: ToWorker, error: unknown): void {
    if (message.type !== "call" && message.type !== "stream") return;
    const pending = this.#table.get(message.id);
    if (pending === undefined || !this.#table.release(pending)) return;
    this.#mirror.countError("ERR_INVALID_ARGUMENT");
    pending.fail(undeliverableFailure(this.name, error));
  }

  /** A stream's last chunk (the one with a finish reason) is named, counted and priced like a reply. */
  #lastChunk(chunks: StreamChunk[]): void {
    const last = chunks[chunks.length - 1];
    if (last?.finishReason === undefined) return;
    const usage = this.traffic.onReply(last);
    if (usage !== undefined) this.onUsage?.(usage, last.cost);
  }

  /** Names the client on an answer, counts its tokens, prices it, and feeds the latency figure. */
  #traffic(
    message: Extract<FromWorker, { type: "reply" | "error" | "end" | "embedded" }>,
    pending: Pending,
  ): void {
    if (message.type === "embedded") {
      const usage = this.traffic.onEmbedded(message.reply);
      if (usage !== undefined) this.onUsage?.(usage, message.reply.cost);
      return;
    }
    if (message.type !== "reply") return;
    // Every answered call's latency, routed or not, feeds the `lowest_latency` figure (a cache hit
    // says nothing about upstream).
    if (!message.reply.cached && pending instanceof PendingCall)
      this.traffic.onLatency(performance.now() - pending.startedAt);
    const usage = this.traffic.onReply(message.reply);
    if (usage !== undefined) this.onUsage?.(usage, message.reply.cost);
  }

  /** Routes one message from a worker (any incarnation: answers are matched by id). */
  receive(message: FromWorker): void {
    // Messages after one held for its price wait behind it: a worker's messages are read in order.
    if (this.#heldForPrice !== undefined) {
      this.#heldForPrice.push(message);
      return;
    }
    switch (message.type) {
      case "reply":
      case "embedded":
      case "error":
      case "chunk":
      case "end": {
        const pending = this.#table.get(message.id);
        if (pending === undefined) return; // already settled here (timeout, abort)
        if (message.type !== "error") {
          // An answer that arrives before the catalog priced this client's model (just after start)
          // waits for it with every message after it, then goes through here again (the call may have
          // settled meanwhile).
          const wait = this.traffic.priceWait();
          if (wait !== undefined) {
            this.#heldForPrice = [message];
            void wait.then(() => this.#releaseHeld());
            return;
          }
        }
        pending.trace?.observe(message);
        if (message.type !== "chunk") {
          this.#mirror.account(message);
          this.#traffic(message, pending);
        } else this.#lastChunk(message.chunks);
        if (pending.receive(message)) this.#table.answered(pending);
        return;
      }
      case "event":
        if (message.event.kind === "limiter") {
          this.traffic.onLimiter(message.event.snapshot);
          return;
        }
        this.#mirror.event(message.event);
        if (message.event.kind === "cooldown") this.traffic.onCooldown(message.event.until);
        // Cache-write figures and breaker counts are kept only: no system event.
        if (message.event.kind !== "cache" && message.event.kind !== "breaker_count") {
          this.onWorkerEvent(message);
        }
        return;
      case "batch":
        for (const m of message.messages) this.receive(m);
        return;
      default:
        return;
    }
  }

  /**
   * The catalog answered: the held messages go through `receive` again, in the order they came, one
   * per turn of the event loop as they arrived (what a caller awaits runs between them, as it would have).
   */
  readonly #releaseHeld = (): void => {
    const held = this.#heldForPrice;
    if (held === undefined) return;
    const next = held.shift();
    this.#heldForPrice = undefined;
    if (next !== undefined) this.receive(next);
    // The worker's reports that followed it (its rate limiter, counters) are state, not answers: they
    // go in the same turn, as they arrived with it, so whoever awaited the answer sees them applied.
    while (this.#heldForPrice === undefined && held[0]?.type === "event")
      this.receive(held.shift() as FromWorker);
    if (this.#heldForPrice !== undefined) {
      // Held again (another wait): the rest stay behind it, and that wait releases them.
      (this.#heldForPrice as FromWorker[]).push(...held);
      return;
    }
    if (held.length > 0) {
      this.#heldForPrice = held;
      setImmediate(this.#releaseHeld);
    }
    this.onLateAnswer?.();
  };

  /** Rebuilds a worker's error data for a call (class, client, key scrubbed, deliveries, stack). */
  rebuild(data: ErrorData, pending?: Pending & { stack?: CallerStack | undefined }): DspexError {
    return rebuildError(data, this.name, this.#spec.apiKey, pending?.deliveries, pending?.stack);
  }

  /** A worker is ready: new calls go to it, and everything held is sent to it, oldest first. */
  attach(link: WorkerLink): void {
    if (this.#mode === "retired") return;
    this.#link = link;
    this.#mode = "running";
    this.#table.sendHeld(link);
  }

  /**
   * The current worker is going away (a stop, or a restart): new calls are held until the next
   * `attach`. Calls already sent stay bound to it, so their credit and cancels still reach it while
   * it drains.
   */
  holdCalls(): void {
    if (this.#mode === "retired") return;
    this.#mode = this.#mode === "starting" ? "starting" : "restarting";
    this.#link = undefined;
  }

  /**
   * The worker behind `link` exited; its unanswered calls are cut. Each is held for the next
   * incarnation or failed, by `cause` and by what the call allows (see docs/supervision.md, "Delivery
   * guarantees"):
   * - a call that asked `redeliver: "never"`, or a stream the caller has already read from, fails;
   * - after a `crash`, a call is redelivered while it has crashes left (`maxRedeliveries`), else it
   *   fails with `ERR_WORKER_CRASHED`;
   * - after a `restart` or a `stop` it is held without spending that budget (a stop's held calls then
   *   settle with the retirement that follows, or go to the worker that comes back).
   */
  detach(link: WorkerLink, cause: ExitCause): void {
    if (this.#link === link) this.#link = undefined;
    if (this.#mode !== "retired") this.#mode = "restarting";
    const again: Pending[] = [];
    for (const pending of this.#table.unbind(link)) {
      if (cause === "crash") pending.crashes++;
      const failure = cutFailure(this.name, pending, cause, this.#spec.maxRedeliveries);
      if (failure === undefined) {
        again.push(pending);
        pending.trace?.redelivered(pending.deliveries + 1);
      } else {
        this.#table.drop(pending);
        this.#mirror.countError(failure.code);
        pending.fail(failure);
      }
    }
    this.#table.hold(again);
  }

  /** The client will not come back: every pending and later call rejects with `code`. */
  retire(code: RetiredCode): void {
    this.#mode = "retired";
    this.#retiredCode = code;
    this.#link = undefined;
    for (const pending of this.#table.clear()) {
      this.#mirror.countError(code);
      pending.fail(retiredFailure(this.name, code, pending.deliveries));
    }
  }

  /** Makes a retired proxy accept calls again (its client is being started afresh). */
  revive(): void {
    if (this.#mode === "retired") this.#mode = "starting";
  }
}
