/**
 * The mock's live counters and the waiters that watch them. Tests await a condition on the counters
 * (`waitFor`) instead of sleeping; every request event re-checks the waiters.
 */
import type { MockStats } from "./types.js";

interface Waiter {
  predicate: (s: MockStats) => boolean;
  resolve: () => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** Fresh, zeroed counters. */
export function emptyStats(): MockStats {
  return {
    requests: 0,
    byPath: {},
    inFlight: 0,
    maxInFlight: 0,
    completed: 0,
    closedEarly: 0,
    dropped: 0,
    faulted: 0,
    streams: 0,
    byStatus: {},
  };
}

/** Owns the counters object (updated in place, so a reference stays live) and the pending waiters. */
export class StatsBoard {
  readonly stats: MockStats = emptyStats();
  #waiters: Waiter[] = [];

  /** Zeroes every counter except `inFlight`, which keeps counting what is really open. */
  reset(): void {
    const inFlight = this.stats.inFlight;
    Object.assign(this.stats, emptyStats(), { inFlight, maxInFlight: inFlight });
    this.changed();
  }

  /** Re-checks the waiters; call after every change. */
  changed(): void {
    if (this.#waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const waiter of this.#waiters) {
      let done: boolean;
      try {
        done = waiter.predicate(this.stats);
      } catch (error) {
        clearTimeout(waiter.timer);
        waiter.reject(error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      if (done) {
        clearTimeout(waiter.timer);
        waiter.resolve();
      } else {
        still.push(waiter);
      }
    }
    this.#waiters = still;
  }

  /** Resolves once `predicate(stats)` holds; rejects after `timeoutMs` with the counters in the message. */
  waitFor(predicate: (s: MockStats) => boolean, timeoutMs: number): Promise<void> {
    if (predicate(this.stats)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          reject(
            new Error(
              `mock server: waitFor timed out after ${timeoutMs} ms; stats ${JSON.stringify(this.stats)}`,
            ),
          );
        }, timeoutMs),
      };
      this.#waiters.push(waiter);
    });
  }

  /** Rejects every pending waiter (the server is closing). */
  abandon(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error("mock server closed while waiting"));
    }
  }
}
