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
 * Parts: admission (`Admission.ts`), the call table (`CallTable.ts`), the workers' messages
 * (`WorkerInbox.ts`, with `PriceHold.ts`), the counters (`StatsMirror.ts`), error rebuilding
 * (`rebuildError.ts`), the errors it settles calls with itself (`proxyFailures.ts`), the wire form of
 * a call (`wireRequest.ts`), calls (`PendingCall.ts`) and streams (`PendingStream.ts`), and which worker
 * new calls go to and what a worker's exit means for them (`ProxyLifecycle.ts`). What stays here is
 * the composition and the entry of each call: admitted, numbered, put in its wire form, registered.
 */

import { Admission } from "./Admission.js";
import type { CallerStack } from "./CallerStack.js";
import { CallTable, type CancelReason, type Pending, type Redelivery, type WorkerLink } from "./CallTable.js";
import type { ResolvedClientSpec } from "./ClientSpec.js";
import type { EmbedSplit } from "./embedAdmission.js";
import type { EmbedReply } from "./embedTypes.js";
import type { DspexError, ErrorData } from "./errors.js";
import { PendingCall, type PendingReply } from "./PendingCall.js";
import { ProxyLifecycle } from "./ProxyLifecycle.js";
import type { FromWorker, ToWorker, WireRequest } from "./protocol.js";
import { type ExitCause, type RetiredCode, undeliverableFailure } from "./proxyFailures.js";
import { rebuildError } from "./rebuildError.js";
import { StatsMirror } from "./StatsMirror.js";
import type { CallTrace } from "./telemetry/CallTrace.js";
import { ClientTraffic } from "./traffic/ClientTraffic.js";
import type { PriceBook } from "./traffic/PriceBook.js";
import type { BreakerState, ClientStats, Reply, Usage, WireMessage } from "./types.js";
import type { SplitOptions } from "./validate.js";
import { WorkerInbox } from "./WorkerInbox.js";
import { wireEmbedRequest, wireRequest } from "./wireRequest.js";

export type { Pending, WorkerLink } from "./CallTable.js";
export type { ExitCause } from "./proxyFailures.js";

/** Per-client proxy: see the module comment. */
export class ClientProxy {
  readonly name: string;
  readonly #spec: ResolvedClientSpec;
  readonly #mirror: StatsMirror;
  readonly #table: CallTable;
  readonly #admission: Admission;
  readonly #inbox: WorkerInbox;
  readonly #lifecycle: ProxyLifecycle;
  #nextId = 1;
  /** Called for worker events (breaker, retry); set by the system. */
  onWorkerEvent: (message: Extract<FromWorker, { type: "event" }>) => void = () => {};
  /** Rate limiter, tokens, cost and budget, mirrored from the worker (see src/traffic/). */
  readonly traffic: ClientTraffic;
  /** Told every upstream answer's usage (the system emits `usage` events when someone listens). */
  onUsage: ((usage: Usage, cost: number | undefined) => void) | undefined = undefined;
  /** Told after an answer held back for its price was delivered (the child re-checks its thread's ref). */
  onLateAnswer: (() => void) | undefined = undefined;

  constructor(spec: ResolvedClientSpec, prices?: PriceBook) {
    this.name = spec.name;
    this.#spec = spec;
    this.#mirror = new StatsMirror(spec.breaker !== false);
    this.traffic = new ClientTraffic(spec.name, spec, prices);
    this.#table = new CallTable(this.#mirror.stats);
    this.#admission = new Admission(spec, this.#mirror, this.#table, this.traffic);
    this.#lifecycle = new ProxyLifecycle(spec.name, spec.maxRedeliveries, this.#table, this.#mirror);
    this.#inbox = new WorkerInbox(this.#table, this.#mirror, this.traffic, this);
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
      const refused = this.#admission.callRefusal(this.#lifecycle.retired(), messages, options);
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
      const refused = this.#admission.embedRefusal(this.#lifecycle.retired(), inputs);
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

  /** The refusal error if a new call may not proceed now (for streams, which are not promises). */
  refusal(messages: WireMessage[], options: SplitOptions): DspexError | undefined {
    return this.#admission.callRefusal(this.#lifecycle.retired(), messages, options);
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
    this.#table.admit(pending, this.#lifecycle.link);
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

  /** Routes one message from a worker (any incarnation: answers are matched by id); see `WorkerInbox`. */
  receive(message: FromWorker): void {
    this.#inbox.receive(message);
  }

  /** Rebuilds a worker's error data for a call (class, client, key scrubbed, deliveries, stack). */
  rebuild(data: ErrorData, pending?: Pending & { stack?: CallerStack | undefined }): DspexError {
    return rebuildError(data, this.name, this.#spec.apiKey, pending?.deliveries, pending?.stack);
  }

  /** A worker is ready: new calls go to it, and everything held is sent to it, oldest first. */
  attach(link: WorkerLink): void {
    this.#lifecycle.attach(link);
  }

  /** The current worker is going away (a stop, or a restart): new calls wait for the next `attach`. */
  holdCalls(): void {
    this.#lifecycle.holdCalls();
  }

  /** The worker behind `link` exited: each of its unanswered calls is held or failed (`ProxyLifecycle`). */
  detach(link: WorkerLink, cause: ExitCause): void {
    this.#lifecycle.detach(link, cause);
  }

  /** The client will not come back: every pending and later call rejects with `code`. */
  retire(code: RetiredCode): void {
    this.#lifecycle.retire(code);
  }

  /** Makes a retired proxy accept calls again (its client is being started afresh). */
  revive(): void {
    this.#lifecycle.revive();
  }
}
