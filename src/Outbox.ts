/**
 * Batches messages to the other side of a thread boundary: everything posted within one turn goes
 * as a single `postMessage` (`{ type: "batch", messages }` when there are several).
 *
 * A `postMessage` costs a few microseconds on each side whatever it carries; under load many calls
 * start, and many replies finish, within the same turn. The main thread flushes on a microtask (calls
 * issued in one synchronous run leave together, with no added latency); a worker flushes on
 * `setImmediate`, which also gathers replies finished by different socket reads of one poll phase.
 * Order is kept: messages leave in the order they were posted. Used by both sides.
 *
 * A message that cannot be cloned (`DataCloneError`) never costs the others of its batch: the batch is
 * sent again one message at a time, and each one that still fails goes to `onUndeliverable`, whose
 * owner settles that one call with a typed error. The outbox stays open (`postMessage` to a thread that
 * has exited does not throw; only `close()` closes it).
 *
 * A message may name buffers to move rather than copy (`post(message, transfer)`: an `embed` reply's
 * vectors). They join the flush's transfer list; a message sent again alone keeps its own.
 */
import type { TransferListItem } from "node:worker_threads";

/** Something with a `postMessage`: a `Worker` or a `MessagePort`. */
export interface MessageTarget {
  postMessage(message: unknown, transfer?: readonly TransferListItem[]): void;
}

/** When to flush: `microtask` (main thread) or `immediate` (worker). */
export type FlushTiming = "microtask" | "immediate";

/** A batching poster: see the module comment. */
export class Outbox<M> {
  #buffer: M[] = [];
  /** The transfer lists of the buffered messages that have one (rare: no array per flush otherwise). */
  #transfers: Map<M, readonly TransferListItem[]> | undefined = undefined;
  #scheduled = false;
  /**
   * Read at each flush: a message to send last in it (the latest state the other side mirrors, such
   * as a worker's rate limiter), or `undefined`. It rides on flushes that happen anyway; {@link poke}
   * schedules one when that state changed and nothing else is posted.
   */
  trailer: (() => M | undefined) | undefined = undefined;
  #closed = false;
  readonly #target: MessageTarget;
  readonly #timing: FlushTiming;
  readonly #onUndeliverable: (message: M, error: unknown) => void;

  constructor(
    target: MessageTarget,
    timing: FlushTiming,
    onUndeliverable: (message: M, error: unknown) => void = () => {},
  ) {
    this.#target = target;
    this.#timing = timing;
    this.#onUndeliverable = onUndeliverable;
  }

  /** Queues `message` for the next flush; `transfer` lists buffers moved with it (see the module comment). */
  post(message: M, transfer?: readonly TransferListItem[]): void {
    if (this.#closed) return;
    this.#buffer.push(message);
    if (transfer !== undefined && transfer.length > 0) {
      this.#transfers ??= new Map();
      this.#transfers.set(message, transfer);
    }
    if (this.#scheduled) return;
    this.#scheduled = true;
    if (this.#timing === "microtask") queueMicrotask(this.flush);
    else setImmediate(this.flush);
  }

  /**
   * Schedules a flush even if nothing is posted, so that the trailer is read then (state it mirrors
   * changed after the last batch left). Costs nothing while a flush is already scheduled. An arrow
   * property: handed to the state's owner as a callback.
   */
  readonly poke = (): void => {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    if (this.#timing === "microtask") queueMicrotask(this.flush);
    else setImmediate(this.flush);
  };

  /** Sends what is queued now. An arrow property, so scheduling it allocates nothing per message. */
  readonly flush = (): void => {
    this.#scheduled = false;
    if (this.#closed) return;
    const buffer = this.#buffer;
    const trailer = this.trailer?.();
    if (trailer !== undefined) buffer.push(trailer);
    if (buffer.length === 0) return;
    this.#buffer = [];
    const transfers = this.#transfers;
    this.#transfers = undefined;
    try {
      const message = buffer.length === 1 ? buffer[0] : { type: "batch", messages: buffer };
      if (transfers === undefined) this.#target.postMessage(message);
      else this.#target.postMessage(message, [...transfers.values()].flat());
    } catch (error) {
      if (buffer.length === 1) this.#onUndeliverable(buffer[0] as M, error);
      else for (const message of buffer) this.#postAlone(message, transfers?.get(message));
    }
  };

  #postAlone(message: M, transfer: readonly TransferListItem[] | undefined): void {
    try {
      if (transfer === undefined) this.#target.postMessage(message);
      else this.#target.postMessage(message, transfer);
    } catch (error) {
      this.#onUndeliverable(message, error);
    }
  }

  /** Drops what is queued and refuses later messages (the other side is gone). */
  close(): void {
    this.#closed = true;
    this.#buffer = [];
    this.#transfers = undefined;
  }
}

/** Calls `handle` for a message, or for each message of a batch, in order. */
export function unbatch<M extends { type: string }>(
  message: M | { type: "batch"; messages: M[] },
  handle: (message: M) => void,
): void {
  if (message.type === "batch") {
    for (const m of (message as { messages: M[] }).messages) handle(m);
  } else {
    handle(message as M);
  }
}
