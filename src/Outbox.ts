/**
 * Batches messages to the other side of a thread boundary: everything posted within one turn goes
 * as a single `postMessage` (`{ type: "batch", messages }` when there are several).
 *
 * A `postMessage` costs a few microseconds on each side whatever it carries; under load many calls
 * start, and many replies finish, within the same turn. The main thread flushes on a microtask (calls
 * issued in one synchronous run leave together, with no added latency); a worker flushes on
 * `setImmediate`, which also gathers replies finished by different socket reads of one poll phase.
 * Order is kept: messages leave in the order they were posted. Used by both sides.
 */

/** Something with a `postMessage`: a `Worker` or a `MessagePort`. */
export interface MessageTarget {
  postMessage(message: unknown): void;
}

/** When to flush: `microtask` (main thread) or `immediate` (worker). */
export type FlushTiming = "microtask" | "immediate";

/** A batching poster: see the module comment. */
export class Outbox<M> {
  #buffer: M[] = [];
  #scheduled = false;
  #closed = false;
  readonly #target: MessageTarget;
  readonly #timing: FlushTiming;

  constructor(target: MessageTarget, timing: FlushTiming) {
    this.#target = target;
    this.#timing = timing;
  }

  /** Queues `message` for the next flush. */
  post(message: M): void {
    if (this.#closed) return;
    this.#buffer.push(message);
    if (this.#scheduled) return;
    this.#scheduled = true;
    if (this.#timing === "microtask") queueMicrotask(this.flush);
    else setImmediate(this.flush);
  }

  /** Sends what is queued now. An arrow property, so scheduling it allocates nothing per message. */
  readonly flush = (): void => {
    this.#scheduled = false;
    const buffer = this.#buffer;
    if (buffer.length === 0 || this.#closed) return;
    this.#buffer = [];
    try {
      this.#target.postMessage(buffer.length === 1 ? buffer[0] : { type: "batch", messages: buffer });
    } catch {
      // The other side is gone (its port closed): its exit handling settles or redelivers the calls.
      this.#closed = true;
    }
  };

  /** Drops what is queued and refuses later messages (the other side is gone). */
  close(): void {
    this.#closed = true;
    this.#buffer = [];
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
