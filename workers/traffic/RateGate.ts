/**
 * The rate gate: a client's view of its vendor's limits, and the door each upstream attempt passes.
 *
 * - Buckets: requests and tokens, each a continuously refilling {@link TokenBucket}. Configured ones
 *   (`limits: { rpm, tpm }`) exist from the start; otherwise a bucket appears the first time a vendor's
 *   headers describe it (`x-ratelimit-*`, `anthropic-ratelimit-*`), so a client learns its limits with
 *   no configuration. The gate counts for itself (every admission taken, refilled at the learned
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
 *   wide enough, `PRECISE_SPAN`) replaces it: workers/traffic/headerWindow.ts. Configured limits stay a ceiling: the headers can
 *   only lower the level.
 * - FIFO: an attempt that does not fit waits in arrival order (one timer for the whole queue), and one
 *   that arrives while others wait queues behind them. A wait that would pass the call's deadline
 *   rejects at once with `ERR_RATE_LIMITED` and `retryAfterMs` (nothing is sent).
 * - Cooldown: a 429 with a retry hint closes the gate until then; when it reopens, exactly one attempt
 *   (the probe) goes, and the others wait for its answer: no thundering herd. A probe that answers
 *   opens the gate; one that gets another 429 starts a new cooldown.
 * - First contact (with `limits.firstContactMs`, and no rpm/tpm): the first attempt is a scout: it
 *   goes alone and the others wait for its answer (at most `firstContactMs`), so a burst at start is
 *   paced by what the vendor's headers say rather than sent blind into a 429. An answer with no
 *   rate-limit headers (or a failure, or the wait running out) opens the gate for good.
 *
 * With no limits configured and no headers seen (and no scout out), `admit` returns at once: the gate
 * costs nothing.
 * Pure logic with an injected clock; the timer is the only side effect.
 */

import { DEFAULTS } from "../../src/defaults.js";
import type { ErrorData } from "../../src/errors.js";
import type { ClientLimits, LimiterSnapshot, RateLimitHeaders } from "../../src/types.js";
import type { CancelSignal } from "../Cancellation.js";
import { AttemptFailure } from "../http/AttemptFailure.js";
import { boundByHeaders, MINUTE_MS } from "./headerWindow.js";
import { TokenBucket } from "./TokenBucket.js";

/** Admission times remembered, by ticket: enough for every request in flight. */
const SENT_RING = 1_024;

/**
 * The gate's state: nothing known yet (the next attempt is the scout), the scout out (the others wait
 * until its answer or `until`), open, closed until a time after a 429, or letting one probe through.
 */
export type GateState =
  | { kind: "unknown" }
  | { kind: "scouting"; until: number }
  | { kind: "open" }
  | { kind: "cooling"; until: number }
  | { kind: "probing" };

const OPEN: GateState = Object.freeze({ kind: "open" }) as GateState;

interface Waiter {
  tokens: number;
  deadline: number;
  resolve: (ticket: number) => void;
  reject: (failure: AttemptFailure) => void;
  signal: CancelSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** A bucket of a configured per-minute limit: full, its rate known. */
function configured(perMinute: number, now: number): TokenBucket {
  const bucket = new TokenBucket(perMinute, perMinute / MINUTE_MS, now);
  bucket.rateSpan = Number.POSITIVE_INFINITY;
  return bucket;
}

/** A refusal: the wait would pass the deadline. */
export function gateRefusal(waitMs: number): AttemptFailure {
  const retryAfterMs = Number.isFinite(waitMs) ? Math.ceil(waitMs) : MINUTE_MS;
  const data: ErrorData = {
    code: "ERR_RATE_LIMITED",
    message: `the client's rate limit would hold this call past its deadline (${retryAfterMs} ms); nothing was sent`,
    retryAfterMs,
  };
  return new AttemptFailure("gated", data);
}

/** See the module comment. */
export class RateGate {
  #requests: TokenBucket | undefined;
  #tokens: TokenBucket | undefined;
  readonly #limits: ClientLimits;
  readonly #clock: () => number;
  #state: GateState = OPEN;
  readonly #queue = new Set<Waiter>();
  #queuedTokens = 0;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #inFlight = 0;
  #inFlightTokens = 0;
  #learned = false;
  readonly #firstContactMs: number;
  /** Attempts admitted so far: an attempt's ticket is its number, which tells which went after it. */
  #admitted = 0;
  /** When the latest {@link SENT_RING} tickets were admitted (by ticket, modulo the ring). */
  readonly #sentAt = new Float64Array(SENT_RING);
  /** The ticket of the probe or scout out now (0: none). */
  #probeTicket = 0;
  /** Bumped whenever what the gate holds or knows changes (see {@link changes}). */
  #changes = 0;
  /**
   * Told after every change {@link changes} counts: the worker then makes sure a batch leaves soon to
   * carry the limiter's report (workers/traffic/limiterReport.ts), even when nothing else is posted.
   */
  onChange: (() => void) | undefined = undefined;
  /** Told when a cooldown starts (the worker posts it, so routers skip this client at once). */
  onCooldown: ((until: number) => void) | undefined = undefined;

  /**
   * @param maxCooldownMs the longest cooldown a 429 starts (the client's `retry.maxRetryAfterMs`): a
   *   longer demand fails the call that met it at once (the retry policy) and cools the client down for
   *   this long, not for the whole demand.
   */
  constructor(
    limits: ClientLimits | undefined,
    clock: () => number = Date.now,
    private readonly maxCooldownMs: number = Number.POSITIVE_INFINITY,
  ) {
    this.#limits = limits ?? {};
    this.#clock = clock;
    const now = clock();
    if (limits?.rpm !== undefined) this.#requests = configured(limits.rpm, now);
    if (limits?.tpm !== undefined) this.#tokens = configured(limits.tpm, now);
    this.#firstContactMs = limits?.firstContactMs ?? DEFAULTS.limits.firstContactMs;
    // Configured limits pace from the first call: no scout.
    if (this.#requests === undefined && this.#tokens === undefined && this.#firstContactMs > 0)
      this.#state = { kind: "unknown" };
  }

  /** False once the scout found no limits and the gate is open: every attempt goes at once. */
  get limited(): boolean {
    return this.#requests !== undefined || this.#tokens !== undefined || this.#state !== OPEN;
  }

  /** True when the gate counts tokens (a token limit is configured or learned). */
  get countsTokens(): boolean {
    return this.#tokens !== undefined;
  }

  get state(): GateState {
    return this.#state;
  }

  /**
   * A counter that moves whenever an attempt is admitted or done, a 429 arrives or headers teach the
   * gate: the worker reports the limiter to the main side only when it moved (workers/traffic/limiterReport.ts).
   */
  get changes(): number {
    return this.#changes;
  }

  /** Attempts waiting at the gate. */
  get waiting(): number {
    return this.#queue.size;
  }

  /**
   * Milliseconds a new attempt of `tokens` would wait with `ahead` more attempts queued before it
   * (outside the gate, e.g. in the mailbox).
   */
  expectedWaitMs(ahead: number, tokens: number): number {
    if (!this.limited) return 0;
    const now = this.#clock();
    // While the scout is out nothing is known: its answer, not a bucket, decides the wait.
    let wait = this.#state.kind === "cooling" ? this.#state.until - now : 0;
    const before = this.#queue.size + ahead;
    // A bucket whose rate is still a guess (its answers showed nothing spent yet) makes no promise:
    // the next answer tells its rate, so nobody is refused on the guess.
    const requests = this.#requests;
    if (requests !== undefined && requests.rateSpan > 0)
      wait = Math.max(wait, requests.waitMs(before + 1, now));
    const tokenBucket = this.#tokens;
    if (tokenBucket !== undefined && tokenBucket.rateSpan > 0)
      wait = Math.max(wait, tokenBucket.waitMs(this.#queuedTokens + (ahead + 1) * tokens, now));
    return Math.max(0, wait);
  }

  /**
   * Lets an attempt of `tokens` through: its ticket (a number: the attempt may go now, no allocation),
   * or a promise of its ticket when it must wait. The ticket goes back with {@link learn} and
   * {@link done}; {@link isProbe} tells whether it is the probe after a cooldown (or the scout of the
   * first contact). Rejects (or throws) with an {@link AttemptFailure} of kind `gated` when the wait
   * would pass `deadline`, or with the signal's reason when it aborts while waiting. Every admitted
   * attempt must be followed by {@link done}.
   */
  admit(tokens: number, deadline: number, signal?: CancelSignal): number | Promise<number> {
    this.#changed();
    if (!this.limited) {
      this.#inFlight++;
      return ++this.#admitted;
    }
    const now = this.#clock();
    if (this.#queue.size === 0 && this.#state === OPEN && this.#fits(tokens, now)) {
      return this.#take(tokens, now);
    }
    if (this.#state.kind === "unknown") {
      // First contact: this attempt goes alone; its answer's headers tell the others how fast to go.
      this.#state = { kind: "scouting", until: now + this.#firstContactMs };
      this.#probeTicket = this.#take(tokens, now);
      return this.#probeTicket;
    }
    if (this.#state.kind === "cooling" && this.#state.until <= now && this.#queue.size === 0) {
      if (this.#fits(tokens, now)) {
        this.#state = { kind: "probing" };
        this.#probeTicket = this.#take(tokens, now);
        return this.#probeTicket;
      }
    }
    const wait = this.expectedWaitMs(0, tokens);
    if (now + wait > deadline) throw gateRefusal(wait);
    return new Promise<number>((resolve, reject) => {
      const waiter: Waiter = { tokens, deadline, resolve, reject, signal, onAbort: undefined };
      if (signal !== undefined) {
        waiter.onAbort = () => {
          if (this.#remove(waiter)) {
            reject(signal.reason);
            this.#pump();
          }
        };
        signal.addEventListener("abort", waiter.onAbort);
      }
      this.#queue.add(waiter);
      this.#queuedTokens += tokens;
      const state = this.#state;
      this.#schedule(state.kind === "scouting" ? state.until - now : wait);
    });
  }

  /** True when `ticket` is the probe after a cooldown, or the scout of the first contact, out now. */
  isProbe(ticket: number): boolean {
    return ticket === this.#probeTicket;
  }

  /**
   * The attempt of `ticket` is over. `estimated` is what it was admitted with; `used` the tokens it
   * really used (the answer's `totalTokens`), `undefined` when it failed (nothing charged). The probe's
   * (or the scout's) end opens the gate, unless its 429 started a cooldown.
   */
  done(ticket: number, estimated: number, used: number | undefined): void {
    this.#changed();
    this.#inFlight--;
    this.#inFlightTokens -= estimated;
    if (this.#tokens !== undefined) this.#tokens.take((used ?? 0) - estimated, this.#clock());
    if (ticket === this.#probeTicket) {
      this.#probeTicket = 0;
      const kind = this.#state.kind;
      if (kind === "probing" || kind === "scouting") this.#state = OPEN;
    }
    this.#pump();
  }

  /**
   * Upstream answered 429. With a retry hint the whole gate cools down until then (queued attempts that
   * cannot wait that long are refused now); without one, the request bucket is taken as empty.
   */
  rateLimited(retryAfterMs: number | undefined): void {
    this.#changed();
    const now = this.#clock();
    if (retryAfterMs === undefined) {
      this.#requests?.take(this.#requests.level(now), now);
      return;
    }
    const cooldown = Math.min(retryAfterMs, this.maxCooldownMs);
    const until = now + cooldown;
    if (this.#state.kind === "cooling" && this.#state.until >= until) return;
    this.#state = { kind: "cooling", until };
    this.onCooldown?.(until);
    for (const waiter of this.#queue) {
      if (waiter.deadline < until) {
        this.#remove(waiter);
        waiter.reject(gateRefusal(until - now));
      }
    }
    this.#schedule(cooldown);
  }

  /**
   * What an answer's headers said about the limits. `ticket`: the answered attempt's; without it,
   * every other request in flight counts as not yet seen by the vendor. Returns true when they reset
   * the token bucket's level (the vendor's figure already holds this answer's tokens: no correction is
   * due in `done`).
   */
  learn(info: RateLimitHeaders, ticket?: number): boolean {
    this.#changed();
    const now = this.#clock();
    // Every other request in flight may be unseen by the vendor (a request admitted earlier may still
    // wait for its connection): the low bound is cautious, the gate's own count does the fine work.
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
    const tokensFromHeaders = bounded.fromHeaders;
    if (requests !== this.#requests || tokens !== this.#tokens) this.#learned = true;
    this.#requests = requests;
    this.#tokens = tokens;
    this.#pump();
    return tokensFromHeaders;
  }

  /** The gate as `inspect()` shows it. */
  snapshot(): LimiterSnapshot {
    const now = this.#clock();
    const snapshot: LimiterSnapshot = {
      source:
        this.#limits.rpm !== undefined || this.#limits.tpm !== undefined
          ? "configured"
          : this.#learned
            ? "learned"
            : "none",
      waiting: this.#queue.size,
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
    if (this.#state.kind === "cooling" && this.#state.until > now) snapshot.cooldownUntil = this.#state.until;
    return snapshot;
  }

  #changed(): void {
    this.#changes++;
    this.onChange?.();
  }

  /** Stops the timer; waiting attempts are left to their signals. */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  /** Milliseconds since the attempt of `ticket` was admitted (0 when it is too old to be remembered). */
  #sinceSent(ticket: number, now: number): number {
    if (this.#admitted - ticket >= SENT_RING) return 0;
    return Math.max(0, now - (this.#sentAt[ticket % SENT_RING] as number));
  }

  #fits(tokens: number, now: number): boolean {
    return (
      (this.#requests === undefined || this.#requests.fits(1, now)) &&
      (this.#tokens === undefined || this.#tokens.fits(tokens, now))
    );
  }

  /** Charges an admitted attempt; returns its ticket. */
  #take(tokens: number, now: number): number {
    this.#requests?.take(1, now);
    this.#tokens?.take(tokens, now);
    this.#inFlight++;
    this.#inFlightTokens += tokens;
    const ticket = ++this.#admitted;
    this.#sentAt[ticket % SENT_RING] = now;
    return ticket;
  }

  #remove(waiter: Waiter): boolean {
    if (!this.#queue.delete(waiter)) return false;
    this.#queuedTokens -= waiter.tokens;
    if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener("abort", waiter.onAbort);
    return true;
  }

  /** Arms the one timer for `waitMs` from now, unless it is armed to fire sooner. */
  #schedule(waitMs: number): void {
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

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    this.#pump();
  };

  /** Lets waiting attempts through, oldest first, while they fit; arms the timer for the next one. */
  #pump(): void {
    if (this.#queue.size === 0) return;
    const now = this.#clock();
    let state = this.#state;
    if (state.kind === "probing") return; // the probe's answer pumps again
    if (state.kind === "scouting") {
      if (state.until > now) {
        this.#schedule(state.until - now);
        return;
      }
      // The scout is slow to answer: stop waiting for it, go as if nothing were known.
      state = this.#state = OPEN;
    }
    if (state.kind === "cooling") {
      if (state.until > now) {
        this.#schedule(state.until - now);
        return;
      }
      const head = this.#queue.values().next().value as Waiter;
      if (!this.#fits(head.tokens, now)) {
        this.#schedule(this.#waitFor(head.tokens, now));
        return;
      }
      this.#state = { kind: "probing" };
      this.#remove(head);
      this.#probeTicket = this.#take(head.tokens, now);
      head.resolve(this.#probeTicket);
      return;
    }
    for (const waiter of this.#queue) {
      if (!this.#fits(waiter.tokens, now)) {
        this.#schedule(this.#waitFor(waiter.tokens, now));
        return;
      }
      this.#remove(waiter);
      waiter.resolve(this.#take(waiter.tokens, now));
    }
  }

  #waitFor(tokens: number, now: number): number {
    return Math.max(this.#requests?.waitMs(1, now) ?? 0, this.#tokens?.waitMs(tokens, now) ?? 0);
  }
}
