/**
 * The attempts waiting at the rate gate (workers/traffic/RateGate.ts), in arrival order, and the one
 * timer that wakes the gate for them: one timer for the whole queue, armed for the soonest time
 * anything can change, never one per attempt.
 *
 * An attempt whose signal aborts while it waits leaves the queue and rejects with the signal's reason;
 * the gate is then woken, since the attempts behind it may fit now. Deciding who goes is the gate's.
 */
import type { CancelSignal } from "../Cancellation.js";
import type { AttemptFailure } from "../http/AttemptFailure.js";

/** One attempt waiting at the gate. */
export interface Waiter {
  readonly tokens: number;
  readonly deadline: number;
  readonly resolve: (ticket: number) => void;
  readonly reject: (failure: AttemptFailure) => void;
  readonly signal: CancelSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** See the module comment. */
export class GateQueue {
  readonly #waiters = new Set<Waiter>();
  #tokens = 0;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  readonly #clock: () => number;
  readonly #wake: () => void;

  /** @param wake the gate's pump: called when the timer fires and when a waiter aborts. */
  constructor(clock: () => number, wake: () => void) {
    this.#clock = clock;
    this.#wake = wake;
  }

  /** Attempts waiting. */
  get size(): number {
    return this.#waiters.size;
  }

  /** The tokens of every attempt waiting. */
  get tokens(): number {
    return this.#tokens;
  }

  /** The waiters, oldest first (removing one while iterating is safe: it is a `Set`). */
  get waiters(): ReadonlySet<Waiter> {
    return this.#waiters;
  }

  /** The oldest waiter (the queue must not be empty). */
  head(): Waiter {
    return this.#waiters.values().next().value as Waiter;
  }

  /** Queues an attempt of `tokens`: the promise of its ticket, given when the gate lets it go. */
  wait(tokens: number, deadline: number, signal: CancelSignal | undefined): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const waiter: Waiter = { tokens, deadline, resolve, reject, signal, onAbort: undefined };
      if (signal !== undefined) {
        waiter.onAbort = () => {
          if (this.remove(waiter)) {
            reject(signal.reason);
            this.#wake();
          }
        };
        signal.addEventListener("abort", waiter.onAbort);
      }
      this.#waiters.add(waiter);
      this.#tokens += tokens;
    });
  }

  /** Takes `waiter` out of the queue (and off its signal); false when it was not in it. */
  remove(waiter: Waiter): boolean {
    if (!this.#waiters.delete(waiter)) return false;
    this.#tokens -= waiter.tokens;
    if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener("abort", waiter.onAbort);
    return true;
  }

  /** Arms the one timer for `waitMs` from now, unless it is armed to fire sooner. */
  schedule(waitMs: number): void {
    const delay = Math.max(1, Math.ceil(waitMs));
    const at = this.#clock() + delay;
    if (this.#timer !== undefined) {
      if (this.#timerAt <= at) return;
      clearTimeout(this.#timer);
    }
    this.#timerAt = at;
    this.#timer = setTimeout(this.#onTimer, delay);
    this.#timer.unref?.();
  }

  /** Stops the timer; waiting attempts are left to their signals. */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    this.#wake();
  };
}
