/**
 * The latest call durations of one client, for the observer's percentiles: a fixed ring (no growth,
 * no allocation per call), read only when a snapshot is taken.
 */

/** Percentiles over the last {@link LatencyWindow.size} calls. */
export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  /** Calls the figures were taken over. */
  count: number;
}

/** See the module comment. */
export class LatencyWindow {
  readonly #ring: Float64Array;
  #next = 0;
  #filled = 0;

  constructor(readonly size = 1024) {
    this.#ring = new Float64Array(size);
  }

  /** Records one call's duration, in milliseconds. */
  add(ms: number): void {
    this.#ring[this.#next] = ms;
    this.#next = (this.#next + 1) % this.size;
    if (this.#filled < this.size) this.#filled++;
  }

  /** Nearest-rank percentiles of what the ring holds; `undefined` before any call. */
  percentiles(): Percentiles | undefined {
    const n = this.#filled;
    if (n === 0) return undefined;
    const sorted = this.#ring.slice(0, n).sort();
    const at = (q: number) => round(sorted[Math.min(n - 1, Math.ceil(q * n) - 1)] ?? 0);
    return { p50: at(0.5), p90: at(0.9), p99: at(0.99), count: n };
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
