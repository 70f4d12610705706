/**
 * A client's mailbox: at most `maxConcurrency` calls hold a slot (talk to upstream) at once, up to
 * `maxQueue` more wait their turn in arrival order, and one more fails at once with `ERR_QUEUE_FULL`.
 *
 * A waiting entry leaves the queue when its signal aborts (a cancelled call never reaches the network).
 * A slot is handed straight from `release()` to the oldest waiter, so a burst cannot overtake the queue.
 */
import { QueueFullError } from "../src/errors.js";
import type { CancelSignal } from "./Cancellation.js";

interface Waiter {
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal: CancelSignal | undefined;
  onAbort: (() => void) | undefined;
}

const GRANTED: Promise<void> = Promise.resolve();

/** Concurrency limiter with a bounded FIFO queue; see the module comment. */
export class Mailbox {
  #active = 0;
  // A Set keeps insertion order and deletes in O(1): FIFO with cheap removal on cancel.
  readonly #waiting = new Set<Waiter>();

  /**
   * @param maxConcurrency slots (calls allowed upstream at once), at least 1
   * @param maxQueue callers allowed to wait for a slot; 0 means none wait
   */
  constructor(
    readonly maxConcurrency: number,
    readonly maxQueue: number,
  ) {}

  /** Calls holding a slot. */
  get active(): number {
    return this.#active;
  }

  /** Calls waiting for a slot. */
  get queued(): number {
    return this.#waiting.size;
  }

  /**
   * Resolves once the caller holds a slot (which it must give back with {@link release}). Rejects with
   * `ERR_QUEUE_FULL` at once when the queue is at its bound, or with the signal's reason when the
   * signal aborts while waiting (the entry leaves the queue and never gets a slot).
   */
  acquire(signal?: CancelSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#active < this.maxConcurrency) {
      this.#active++;
      return GRANTED;
    }
    if (this.#waiting.size >= this.maxQueue) {
      return Promise.reject(
        new QueueFullError({
          code: "ERR_QUEUE_FULL",
          message: `the mailbox is full (${this.maxConcurrency} in flight, ${this.maxQueue} waiting)`,
        }),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined };
      if (signal !== undefined) {
        waiter.onAbort = () => {
          if (this.#waiting.delete(waiter)) reject(signal.reason);
        };
        signal.addEventListener("abort", waiter.onAbort);
      }
      this.#waiting.add(waiter);
    });
  }

  /** Gives a slot back: the oldest waiter gets it, or it becomes free. */
  release(): void {
    for (const waiter of this.#waiting) {
      this.#waiting.delete(waiter);
      if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener("abort", waiter.onAbort);
      waiter.resolve();
      return;
    }
    if (this.#active > 0) this.#active--;
  }
}
