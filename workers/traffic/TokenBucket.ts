/**
 * A token bucket that refills continuously: `capacity` at most, `ratePerMs` per millisecond. The level
 * may go below zero (a request that used more tokens than estimated is charged after the fact): the
 * debt is paid by refill before anything else fits.
 *
 * Hand-written rather than `rate-limiter-flexible`: see docs/decisions.md ("The rate gate's
 * limiter"): synchronous, no allocation per call, and its state can be reset from a vendor's headers.
 */
export class TokenBucket {
  #level: number;
  #at: number;
  /**
   * How far `ratePerMs` can be trusted: for a rate learned from a vendor's headers, how many units the
   * answer that set it showed spent (a wider span, a more precise rate; see RateGate); 0 while the
   * rate is only a guess (no answer showed anything spent yet); Infinity for a configured rate.
   */
  rateSpan = 0;

  constructor(
    public capacity: number,
    public ratePerMs: number,
    now: number,
    level: number = capacity,
  ) {
    this.#level = level;
    this.#at = now;
  }

  /** The level at `now`. */
  level(now: number): number {
    if (now > this.#at) {
      this.#level = Math.min(this.capacity, this.#level + (now - this.#at) * this.ratePerMs);
      this.#at = now;
    }
    return this.#level;
  }

  /** True when `amount` fits now (an amount above capacity fits a full bucket, or it never would). */
  fits(amount: number, now: number): boolean {
    return this.level(now) >= Math.min(amount, this.capacity);
  }

  /** Milliseconds until `amount` fits (Infinity when nothing refills). */
  waitMs(amount: number, now: number): number {
    const missing = Math.min(amount, this.capacity) - this.level(now);
    if (missing <= 0) return 0;
    return this.ratePerMs > 0 ? Math.ceil(missing / this.ratePerMs) : Number.POSITIVE_INFINITY;
  }

  /** Takes `amount` (negative gives back, never past capacity). */
  take(amount: number, now: number): void {
    this.#level = Math.min(this.capacity, this.level(now) - amount);
  }

  /** New shape and level, as a vendor's headers describe them. */
  reset(capacity: number, ratePerMs: number, level: number, now: number): void {
    this.capacity = capacity;
    this.ratePerMs = ratePerMs;
    this.#level = Math.min(capacity, level);
    this.#at = now;
  }
}
