/**
 * The write-behind of an external cache store: writes go behind the answer, so a slow store never
 * delays a reply or holds a stream's concurrency slot. At most `maxPending` writes are in flight; a
 * write beyond that is dropped (the entry is simply not cached) and counted, so a store that never
 * answers costs at most that many pending promises.
 *
 * The counters ({@link CacheWriteStats}) are reported through `onWrites` at most once per turn of the
 * microtask queue, so a reply and the counts it changed leave the worker together: `pending` now,
 * `dropped` and `failed` since the last report (the main thread keeps the totals).
 */
import type { CacheWriteStats } from "../../src/protocol.js";

/** See the module comment. */
export class WriteBehind {
  readonly #writes: CacheWriteStats = { pending: 0, dropped: 0, failed: 0 };
  /** The writes in flight, for {@link settled}. */
  readonly #inFlight = new Set<Promise<void>>();
  /** What the last report said, so the next one carries increments of `dropped` and `failed`. */
  readonly #reported: CacheWriteStats = { pending: 0, dropped: 0, failed: 0 };
  #reportQueued = false;
  readonly #maxPending: number;
  readonly #onWrites: ((writes: CacheWriteStats) => void) | undefined;

  constructor(maxPending: number, onWrites: ((writes: CacheWriteStats) => void) | undefined) {
    this.#maxPending = maxPending;
    this.#onWrites = onWrites;
  }

  /** The counters: in flight, dropped at the cap, failed. A copy. */
  get writes(): CacheWriteStats {
    const w = this.#writes;
    return { pending: w.pending, dropped: w.dropped, failed: w.failed };
  }

  /** True when a write may start now (counted pending); false when it is dropped at the cap (counted). */
  admit(): boolean {
    const writes = this.#writes;
    const admitted = writes.pending < this.#maxPending;
    if (admitted) writes.pending++;
    else writes.dropped++;
    this.#changed();
    return admitted;
  }

  /** Follows an admitted write until it settles (for {@link settled}). */
  track(write: Promise<void>): void {
    this.#inFlight.add(write);
    void write.then(() => this.#inFlight.delete(write));
  }

  /** An admitted write is over (`failed`: the store refused it). */
  finish(failed: boolean): void {
    const writes = this.#writes;
    if (failed) writes.failed++;
    writes.pending--;
    this.#changed();
  }

  /** Resolves once the writes in flight now have finished (or failed); never rejects. */
  async settled(): Promise<void> {
    await Promise.all([...this.#inFlight]);
  }

  /** Reports the counters once this microtask turn is over (see the module comment). */
  #changed(): void {
    if (this.#reportQueued || this.#onWrites === undefined) return;
    this.#reportQueued = true;
    queueMicrotask(this.#report);
  }

  readonly #report = (): void => {
    this.#reportQueued = false;
    const w = this.#writes;
    const last = this.#reported;
    const report = { pending: w.pending, dropped: w.dropped - last.dropped, failed: w.failed - last.failed };
    last.dropped = w.dropped;
    last.failed = w.failed;
    this.#onWrites?.(report);
  };
}
