/**
 * The messages from one client's workers held back while an answer waits for its model's price (just
 * after start, before the catalog priced the model). A worker's messages are read in order, so every
 * message after the held answer waits behind it; when the price is known they are delivered again,
 * in the order they came, one answer per turn of the event loop as they arrived (what a caller awaits
 * runs between them, as it would have).
 */

import type { FromWorker } from "./protocol.js";

/** The held messages of one client; see the module comment. */
export class PriceHold {
  /** `undefined` while nothing is held: messages then go straight through. */
  #held: FromWorker[] | undefined = undefined;
  readonly #deliver: (message: FromWorker) => void;
  readonly #released: () => void;

  /**
   * `deliver` routes a released message again (and may hold again); `released` is told after each
   * held answer went through.
   */
  constructor(deliver: (message: FromWorker) => void, released: () => void) {
    this.#deliver = deliver;
    this.#released = released;
  }

  /** Queues `message` behind the held answer and returns true, or returns false when nothing is held. */
  queues(message: FromWorker): boolean {
    if (this.#held === undefined) return false;
    this.#held.push(message);
    return true;
  }

  /** Holds `answer`, and every message after it, until `wait` (the model's price) settles. */
  hold(answer: FromWorker, wait: Promise<void>): void {
    this.#held = [answer];
    void wait.then(this.#release);
  }

  /** The price is known: the first held answer goes through, then the rest as described above. */
  readonly #release = (): void => {
    const held = this.#held;
    if (held === undefined) return;
    const next = held.shift();
    this.#held = undefined;
    if (next !== undefined) this.#deliver(next);
    // The worker's reports that followed it (its rate limiter, counters) are state, not answers: they
    // go in the same turn, as they arrived with it, so whoever awaited the answer sees them applied.
    while (this.#held === undefined && held[0]?.type === "event") this.#deliver(held.shift() as FromWorker);
    if (this.#held !== undefined) {
      // Held again (another wait): the rest stay behind it, and that wait releases them.
      (this.#held as FromWorker[]).push(...held);
      return;
    }
    if (held.length > 0) {
      this.#held = held;
      setImmediate(this.#release);
    }
    this.#released();
  };
}
