/**
 * A `call` (or an `embed`: the same life, another answer) in flight, as the proxy's {@link CallTable}
 * tracks it: settles its promise once, and owns the call's deadline on this side of the boundary.
 *
 * One deadline owner per call: this timer. When it fires the call rejects with `ERR_TIMEOUT` and the
 * worker that has it is told to `cancel` (reason `timeout`), which tears its upstream request down;
 * the worker keeps no timer of its own for the call (it only stops retrying past the deadline).
 */

import { abortError } from "./abortError.js";
import type { CallerStack } from "./CallerStack.js";
import type { CancelReason, Pending, Redelivery, WorkerLink } from "./CallTable.js";
import type { EmbedReply } from "./embedTypes.js";
import { type DspexError, dspexError, type ErrorData } from "./errors.js";
import type { FromWorker, ToWorker } from "./protocol.js";
import type { CallTrace } from "./telemetry/CallTrace.js";
import type { Reply } from "./types.js";

/** What a pending call resolves with: a `call`'s reply or an `embed`'s. */
export type PendingReply = Reply | EmbedReply;

/** What a pending call needs from its proxy. */
export interface CallOwner {
  readonly name: string;
  /** Takes `pending` out of the table (counting the failure), telling its worker to cancel it. */
  release(pending: Pending, cancel: CancelReason, code: "ERR_TIMEOUT" | "ERR_ABORTED"): void;
  /** Rebuilds a worker's error for `pending` (class, client, redaction, deliveries, caller's stack). */
  rebuild(data: ErrorData, pending: Pending & { readonly stack?: CallerStack | undefined }): DspexError;
}

/**
 * A `call` in flight; see the module comment. `R` is what it resolves with: a {@link Reply} for a
 * `call` message (answered by `reply`), an {@link EmbedReply} for an `embed` (answered by `embedded`).
 */
export class PendingCall<R extends PendingReply = Reply> implements Pending {
  /** When the call was made (`performance.now()`): its latency feeds the client's live figures. */
  readonly startedAt = performance.now();
  deliveries = 0;
  trace: CallTrace | undefined = undefined;
  crashes = 0;
  link: WorkerLink | undefined = undefined;
  settled = false;
  readonly #owner: CallOwner;
  readonly #resolve: (reply: R) => void;
  readonly #reject: (error: DspexError) => void;
  readonly #signal: AbortSignal | undefined;
  readonly #timer: NodeJS.Timeout | undefined;
  readonly #onAbort: (() => void) | undefined;

  constructor(
    owner: CallOwner,
    readonly id: number,
    readonly message: Extract<ToWorker, { type: "call" | "embed" }>,
    readonly redeliver: Redelivery,
    resolve: (reply: R) => void,
    reject: (error: DspexError) => void,
    signal: AbortSignal | undefined,
    readonly stack: CallerStack | undefined,
  ) {
    this.#owner = owner;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#signal = signal;
    if (signal?.aborted === true) {
      this.settled = true;
      this.#reject(this.#stamped(abortError(owner.name, "call", signal.reason)));
      return;
    }
    const timeoutMs = Math.max(0, message.request.deadline - Date.now());
    this.#timer = setTimeout(this.#expire, timeoutMs);
    this.#timer.unref();
    if (signal !== undefined) {
      this.#onAbort = () => this.#abort();
      signal.addEventListener("abort", this.#onAbort, { once: true });
    }
  }

  redeliverable(): boolean {
    return true;
  }

  receive(message: FromWorker): boolean {
    if (message.type === "reply" || message.type === "embedded") {
      this.#finish();
      const reply = message.reply;
      reply.deliveries = this.deliveries;
      this.#resolve(reply as R);
      return true;
    }
    if (message.type === "error") {
      this.#finish();
      this.#reject(this.#owner.rebuild(message.error, this));
      return true;
    }
    return false;
  }

  fail(error: DspexError): void {
    if (this.settled) return;
    this.#finish();
    this.#reject(this.#stamped(error));
  }

  #finish(): void {
    this.settled = true;
    clearTimeout(this.#timer);
    if (this.#onAbort !== undefined) this.#signal?.removeEventListener("abort", this.#onAbort);
  }

  /** An arrow property: handed to `setTimeout` as it is. */
  readonly #expire = (): void => {
    if (this.settled) return;
    this.#finish();
    this.#owner.release(this, "timeout", "ERR_TIMEOUT");
    const client = this.#owner.name;
    this.#reject(
      this.#stamped(
        dspexError("ERR_TIMEOUT", `client "${client}": the call's deadline passed`, {
          client,
          deliveries: this.deliveries,
        }),
      ),
    );
  };

  #abort(): void {
    if (this.settled) return;
    this.#finish();
    const error = abortError(this.#owner.name, "call", this.#signal?.reason);
    this.#owner.release(this, "aborted", error.code);
    this.#reject(this.#stamped(error));
  }

  /** Gives an error settled on this side the caller's stack, when one was taken. */
  #stamped<E extends DspexError>(error: E): E {
    this.stack?.applyTo(error);
    return error;
  }
}
