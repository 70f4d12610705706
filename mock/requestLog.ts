/**
 * The bounded log of recent requests: a ring buffer, so a benchmark pushing millions of requests keeps
 * at most `limit` entries and pays no array shifting.
 */
import type { MockRequestLog } from "./types.js";

/** Keeps the last `limit` requests. */
export class RequestLog {
  readonly #limit: number;
  #ring: MockRequestLog[] = [];
  #next = 0;

  constructor(limit: number) {
    this.#limit = Math.max(0, Math.floor(limit));
  }

  /** True when entries are kept at all (so the server can skip building them). */
  get enabled(): boolean {
    return this.#limit > 0;
  }

  /** Records one request, forgetting the oldest when full. */
  push(entry: MockRequestLog): void {
    if (this.#limit === 0) return;
    if (this.#ring.length < this.#limit) {
      this.#ring.push(entry);
      return;
    }
    this.#ring[this.#next] = entry;
    this.#next = (this.#next + 1) % this.#limit;
  }

  /** The kept requests, oldest first, as a fresh array. */
  list(): MockRequestLog[] {
    if (this.#ring.length < this.#limit || this.#next === 0) return this.#ring.slice();
    return [...this.#ring.slice(this.#next), ...this.#ring.slice(0, this.#next)];
  }

  /** Forgets every entry. */
  clear(): void {
    this.#ring = [];
    this.#next = 0;
  }
}
