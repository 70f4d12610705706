/**
 * The rate gate's count (workers/traffic/RateGate.ts has the door): what a client's vendor limits
 * allow now, what is in flight, and what each answer's headers teach.
 *
 * - Buckets: requests and tokens, each a continuously refilling {@link TokenBucket}. Configured ones
 *   (`limits: { rpm, tpm }`) exist from the start; otherwise a bucket appears the first time a vendor's
 *   headers describe it (`x-ratelimit-*`, `anthropic-ratelimit-*`), so a client learns its limits with
 *   no configuration. The ledger counts for itself (every admission taken, refilled at the learned
 *   rate), and each answer's headers bound that count: the vendor's level now lies between
 *   `remaining` minus the other requests in flight (which it may not have counted yet) and `remaining`
 *   plus what refilled since the answered request was sent. A count inside is kept (for a key the
 *   client has to itself it is exact; resetting to the low bound would count the requests the vendor
 *   already charged on arrival twice, and leave that much of the limit unused); one outside moves to
 *   the nearer bound (another user of the key, a rate learned wrong). The refill rate is
 *   `(limit - remaining) / reset`, read from the same headers. `remaining` is rounded down, so an
 *   answer that shows few requests spent says little about the rate: one spent says nothing (the rate
 *   stays a guess of `limit` per minute, and nobody is refused on a guess), two to seven give the
 *   rate's low end, and a rate learned from a wider span is kept until another at least as wide (or
 *   wide enough, `PRECISE_SPAN`) replaces it: workers/traffic/headerWindow.ts. Configured limits stay
 *   a ceiling: the headers can only lower the level.
 * - Tickets: every admitted attempt gets the next number, and the time it was admitted is kept in a
 *   ring, so an answer's headers know how long ago their request left (and which went after it).
 *
 * Pure: the time comes in with every call.
 */
import type { ClientLimits, LimiterSnapshot, RateLimitHeaders } from "../../src/types.js";
import { boundByHeaders, MINUTE_MS } from "./headerWindow.js";
import { TokenBucket } from "./TokenBucket.js";

/** Admission times remembered, by ticket: enough for every request in flight. */
const SENT_RING = 1_024;

/** A bucket of a configured per-minute limit: full, its rate known. */
function configured(perMinute: number, now: number): TokenBucket {
  const bucket = new TokenBucket(perMinute, perMinute / MINUTE_MS, now);
  bucket.rateSpan = Number.POSITIVE_INFINITY;
  return bucket;
}

/** See the module comment. */
export class RateLedger {
  #requests: TokenBucket | undefined;
  #tokens: TokenBucket | undefined;
  readonly #limits: ClientLimits;
  #inFlight = 0;
  #inFlightTokens = 0;
  /** Headers taught a bucket (for the snapshot's `source`). */
  #learned = false;
  /** Attempts admitted so far: an attempt's ticket is its number, which tells which went after it. */
  #admitted = 0;
  /** When the latest {@link SENT_RING} tickets were admitted (by ticket, modulo the ring). */
  readonly #sentAt = new Float64Array(SENT_RING);

  constructor(limits: ClientLimits, now: number) {
    this.#limits = limits;
    if (limits.rpm !== undefined) this.#requests = configured(limits.rpm, now);
    if (limits.tpm !== undefined) this.#tokens = configured(limits.tpm, now);
  }

  /** True when a bucket exists (configured or learned): attempts are counted against it. */
  get bounded(): boolean {
    return this.#requests !== undefined || this.#tokens !== undefined;
  }

  /** True when a token limit is configured or learned. */
  get countsTokens(): boolean {
    return this.#tokens !== undefined;
  }

  /** True when an attempt of `tokens` fits the buckets now. */
  fits(tokens: number, now: number): boolean {
    return (
      (this.#requests === undefined || this.#requests.fits(1, now)) &&
      (this.#tokens === undefined || this.#tokens.fits(tokens, now))
    );
  }

  /** Milliseconds until an attempt of `tokens` fits. */
  waitFor(tokens: number, now: number): number {
    return Math.max(this.#requests?.waitMs(1, now) ?? 0, this.#tokens?.waitMs(tokens, now) ?? 0);
  }

  /**
   * Milliseconds until `requests` requests and `tokens` tokens fit, counting only buckets whose rate
   * is known: a bucket whose rate is still a guess (its answers showed nothing spent yet) makes no
   * promise, since the next answer tells its rate, so nobody is refused on the guess.
   */
  promisedWaitMs(requests: number, tokens: number, now: number): number {
    let wait = 0;
    const requestBucket = this.#requests;
    if (requestBucket !== undefined && requestBucket.rateSpan > 0) wait = requestBucket.waitMs(requests, now);
    const tokenBucket = this.#tokens;
    if (tokenBucket !== undefined && tokenBucket.rateSpan > 0)
      wait = Math.max(wait, tokenBucket.waitMs(tokens, now));
    return wait;
  }

  /** Charges an admitted attempt of `tokens`; returns its ticket. */
  take(tokens: number, now: number): number {
    this.#requests?.take(1, now);
    this.#tokens?.take(tokens, now);
    this.#inFlight++;
    this.#inFlightTokens += tokens;
    const ticket = ++this.#admitted;
    this.#sentAt[ticket % SENT_RING] = now;
    return ticket;
  }

  /** Counts an attempt while there is nothing to charge it to (no bucket): its ticket, nothing else. */
  pass(): number {
    this.#inFlight++;
    return ++this.#admitted;
  }

  /**
   * An attempt is over: `estimated` is what it was admitted with, `used` the tokens it really used
   * (`undefined` when it failed: nothing charged), and the difference is settled with the bucket.
   */
  release(estimated: number, used: number | undefined, now: number): void {
    this.#inFlight--;
    this.#inFlightTokens -= estimated;
    if (this.#tokens !== undefined) this.#tokens.take((used ?? 0) - estimated, now);
  }

  /** A 429 with no retry hint: the request bucket is taken as empty. */
  emptyRequests(now: number): void {
    this.#requests?.take(this.#requests.level(now), now);
  }

  /**
   * What an answer's headers said about the limits. `ticket`: the answered attempt's; without it,
   * every other request in flight counts as not yet seen by the vendor. Returns true when they reset
   * the token bucket's level (the vendor's figure already holds this answer's tokens: no correction is
   * due in {@link release}).
   */
  learn(info: RateLimitHeaders, ticket: number | undefined, now: number): boolean {
    // Every other request in flight may be unseen by the vendor (a request admitted earlier may still
    // wait for its connection): the low bound is cautious, the ledger's own count does the fine work.
    const others = Math.max(0, this.#inFlight - 1);
    const sinceSent = ticket === undefined ? 0 : this.#sinceSent(ticket, now);
    const requests = boundByHeaders(
      this.#requests,
      info.requests,
      this.#limits.rpm,
      others,
      sinceSent,
      now,
    ).bucket;
    const tokenWindow = info.tokens ?? info.inputTokens;
    const perRequest = this.#inFlight > 0 ? this.#inFlightTokens / this.#inFlight : 0;
    const bounded = boundByHeaders(
      this.#tokens,
      tokenWindow,
      this.#limits.tpm,
      others * perRequest,
      sinceSent,
      now,
    );
    const tokens = bounded.bucket;
    if (requests !== this.#requests || tokens !== this.#tokens) this.#learned = true;
    this.#requests = requests;
    this.#tokens = tokens;
    return bounded.fromHeaders;
  }

  /** The count as `inspect()` shows it, with `waiting` attempts at the gate. */
  snapshot(waiting: number, now: number): LimiterSnapshot {
    const limits = this.#limits;
    const snapshot: LimiterSnapshot = {
      source:
        limits.rpm !== undefined || limits.tpm !== undefined
          ? "configured"
          : this.#learned
            ? "learned"
            : "none",
      waiting,
    };
    if (this.#requests !== undefined) {
      snapshot.rpm = Math.round(this.#requests.ratePerMs * MINUTE_MS);
      snapshot.requestsLeft = Math.floor(this.#requests.level(now));
      snapshot.requestsCapacity = this.#requests.capacity;
    }
    if (this.#tokens !== undefined) {
      snapshot.tpm = Math.round(this.#tokens.ratePerMs * MINUTE_MS);
      snapshot.tokensLeft = Math.floor(this.#tokens.level(now));
      snapshot.tokensCapacity = this.#tokens.capacity;
    }
    return snapshot;
  }

  /** Milliseconds since the attempt of `ticket` was admitted (0 when it is too old to be remembered). */
  #sinceSent(ticket: number, now: number): number {
    if (this.#admitted - ticket >= SENT_RING) return 0;
    return Math.max(0, now - (this.#sentAt[ticket % SENT_RING] as number));
  }
}
