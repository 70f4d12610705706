/**
 * Rate limits enforced the way the vendors enforce them: per API key, a request bucket and a token
 * bucket that refill continuously (a limit of N per window refills N / window per millisecond, as
 * OpenAI's do), the current state sent on every answer in the vendor's own headers, and a 429 with
 * `retry-after` (seconds, rounded up) and `retry-after-ms` when a request does not fit.
 *
 * A request is charged when it arrives, as the vendors charge it: one request and its prompt tokens
 * ({@link KeyLimiter.check}, before the server's latency); its completion tokens are charged when the
 * answer is written ({@link KeyLimiter.charge}, which may take the bucket below zero: a debt the refill
 * pays). So a request's total is the answer's usage, and a client that corrects its estimate from `usage`
 * lands on the server's figure; the headers of an answer count every request that arrived before it was
 * written. A refused request is not charged and is refused at once. `windowMs` (default one minute) lets
 * a benchmark run a "600 rpm" limit in a tenth of the time: every figure scales with it.
 */
import type { MockLimits } from "./types.js";

const MINUTE_MS = 60_000;

/** One continuously refilling bucket. */
class Bucket {
  #level: number;
  #at: number;

  constructor(
    readonly capacity: number,
    readonly windowMs: number,
    now: number,
  ) {
    this.#level = capacity;
    this.#at = now;
  }

  /** The level at `now` (refilled since the last look). */
  level(now: number): number {
    const refilled = this.#level + ((now - this.#at) * this.capacity) / this.windowMs;
    this.#level = Math.min(this.capacity, refilled);
    this.#at = now;
    return this.#level;
  }

  /** Milliseconds until `amount` fits (0 when it fits now; Infinity when it never will). */
  waitFor(amount: number, now: number): number {
    if (amount > this.capacity) return Number.POSITIVE_INFINITY;
    const missing = amount - this.level(now);
    return missing <= 0 ? 0 : (missing * this.windowMs) / this.capacity;
  }

  take(amount: number, now: number): void {
    this.#level = this.level(now) - amount;
  }

  /** Milliseconds until the bucket is full again. */
  resetMs(now: number): number {
    return ((this.capacity - this.level(now)) * this.windowMs) / this.capacity;
  }
}

/** The buckets of one API key. */
interface KeyState {
  requests: Bucket | undefined;
  tokens: Bucket | undefined;
}

/** What the limiter decided for one request, with the headers to send either way. */
export type LimitVerdict =
  | { allowed: true; headers: Record<string, string> }
  | { allowed: false; retryAfterMs: number; headers: Record<string, string> };

/** Per-key request and token limits; see the module comment. */
export class KeyLimiter {
  readonly #keys = new Map<string, KeyState>();
  #limits: MockLimits;
  #windowMs: number;

  constructor(limits: MockLimits) {
    this.#limits = limits;
    this.#windowMs = limits.windowMs ?? MINUTE_MS;
  }

  /** True when a limit is set. */
  get active(): boolean {
    return this.#limits.rpm !== undefined || this.#limits.tpm !== undefined;
  }

  /** New limits; every key starts again with full buckets. */
  set(limits: MockLimits): void {
    this.#limits = limits;
    this.#windowMs = limits.windowMs ?? MINUTE_MS;
    this.#keys.clear();
  }

  /** Checks (and on success charges) one request of `tokens` tokens for `key`, as it arrives. */
  check(key: string, tokens: number, provider: "openai" | "anthropic", now: number): LimitVerdict {
    const state = this.#state(key, now);
    const wait = Math.max(state.requests?.waitFor(1, now) ?? 0, state.tokens?.waitFor(tokens, now) ?? 0);
    if (wait > 0) {
      const retryAfterMs = Number.isFinite(wait) ? Math.ceil(wait) : this.#windowMs;
      const headers = this.#headers(state, provider, now);
      headers["retry-after"] = String(Math.max(1, Math.ceil(retryAfterMs / 1000)));
      headers["retry-after-ms"] = String(retryAfterMs);
      return { allowed: false, retryAfterMs, headers };
    }
    state.requests?.take(1, now);
    state.tokens?.take(tokens, now);
    return { allowed: true, headers: this.#headers(state, provider, now) };
  }

  /**
   * Charges `tokens` more to a request `check` let through (its completion, as the answer is written),
   * fitting or not; returns the headers to send with the answer.
   */
  charge(key: string, tokens: number, provider: "openai" | "anthropic", now: number): Record<string, string> {
    const state = this.#state(key, now);
    state.tokens?.take(tokens, now);
    return this.#headers(state, provider, now);
  }

  #state(key: string, now: number): KeyState {
    let state = this.#keys.get(key);
    if (state === undefined) {
      const { rpm, tpm } = this.#limits;
      state = {
        requests: rpm === undefined ? undefined : new Bucket(rpm, this.#windowMs, now),
        tokens: tpm === undefined ? undefined : new Bucket(tpm, this.#windowMs, now),
      };
      this.#keys.set(key, state);
    }
    return state;
  }

  #headers(state: KeyState, provider: "openai" | "anthropic", now: number): Record<string, string> {
    const headers: Record<string, string> = {};
    for (const [kind, bucket] of [
      ["requests", state.requests],
      ["tokens", state.tokens],
    ] as const) {
      if (bucket === undefined) continue;
      const remaining = String(Math.max(0, Math.floor(bucket.level(now))));
      const reset = bucket.resetMs(now);
      if (provider === "openai") {
        headers[`x-ratelimit-limit-${kind}`] = String(bucket.capacity);
        headers[`x-ratelimit-remaining-${kind}`] = remaining;
        headers[`x-ratelimit-reset-${kind}`] = openAiDuration(reset);
      } else {
        headers[`anthropic-ratelimit-${kind}-limit`] = String(bucket.capacity);
        headers[`anthropic-ratelimit-${kind}-remaining`] = remaining;
        headers[`anthropic-ratelimit-${kind}-reset`] = new Date(now + Math.ceil(reset)).toISOString();
      }
    }
    return headers;
  }
}

/** A duration as OpenAI writes it in `x-ratelimit-reset-*`: `12ms`, `1.5s`, `6m0s`, `1h2m3s`. */
export function openAiDuration(ms: number): string {
  if (ms < 1_000) return `${Math.ceil(ms)}ms`;
  const totalSeconds = ms / 1_000;
  const hours = Math.floor(totalSeconds / 3_600);
  const minutes = Math.floor((totalSeconds % 3_600) / 60);
  const seconds = Math.round((totalSeconds % 60) * 1_000) / 1_000;
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}

/** The API key a request carries (`Authorization: Bearer` or `x-api-key`); `""` when none. */
export function requestKey(headers: { authorization?: string; "x-api-key"?: string | string[] }): string {
  const auth = headers.authorization;
  if (auth?.startsWith("Bearer ")) return auth.slice(7);
  const key = headers["x-api-key"];
  return (Array.isArray(key) ? key[0] : key) ?? "";
}

/** Which vendor's rate-limit headers a wire format sends: Anthropic's own, the OpenAI shape for the rest. */
export function limitFormat(provider: string): "openai" | "anthropic" {
  return provider === "anthropic" ? "anthropic" : "openai";
}
