/**
 * The rate gate: the door each upstream attempt of a client passes, kept by what its vendor's limits
 * allow. What the limits allow now is counted by the {@link RateLedger} (buckets learned from headers
 * or configured); who waits, in what order, by the {@link GateQueue}; this module decides who goes.
 *
 * - FIFO: an attempt that does not fit waits in arrival order, and one that arrives while others wait
 *   queues behind them. A wait that would pass the call's deadline rejects at once with
 *   `ERR_RATE_LIMITED` and `retryAfterMs` (nothing is sent: workers/traffic/gateRefusal.ts).
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
 * Pure logic with an injected clock; the queue's timer is the only side effect.
 */

import { DEFAULTS } from "../../src/defaults.js";
import type { ClientLimits, LimiterSnapshot, RateLimitHeaders } from "../../src/types.js";
import type { CancelSignal } from "../Cancellation.js";
import { GateQueue } from "./GateQueue.js";
import { type GateState, OPEN } from "./GateState.js";
import { gateRefusal } from "./gateRefusal.js";
import { RateLedger } from "./RateLedger.js";

/** See the module comment. */
export class RateGate {
  readonly #ledger: RateLedger;
  readonly #clock: () => number;
  #state: GateState = OPEN;
  readonly #queue: GateQueue;
  readonly #firstContactMs: number;
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
    this.#clock = clock;
    this.#ledger = new RateLedger(limits ?? {}, clock());
    this.#queue = new GateQueue(clock, () => this.#pump());
    this.#firstContactMs = limits?.firstContactMs ?? DEFAULTS.limits.firstContactMs;
    // Configured limits pace from the first call: no scout.
    if (!this.#ledger.bounded && this.#firstContactMs > 0) this.#state = { kind: "unknown" };
  }

  /** False once the scout found no limits and the gate is open: every attempt goes at once. */
  get limited(): boolean {
    return this.#ledger.bounded || this.#state !== OPEN;
  }

  /** True when the gate counts tokens (a token limit is configured or learned). */
  get countsTokens(): boolean {
    return this.#ledger.countsTokens;
  }

  /** The door's state now. */
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
    const cooling = this.#state.kind === "cooling" ? this.#state.until - now : 0;
    const queue = this.#queue;
    const counted = this.#ledger.promisedWaitMs(
      queue.size + ahead + 1,
      queue.tokens + (ahead + 1) * tokens,
      now,
    );
    return Math.max(0, cooling, counted);
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
    const ledger = this.#ledger;
    if (!this.limited) return ledger.pass();
    const now = this.#clock();
    const queue = this.#queue;
    if (queue.size === 0 && this.#state === OPEN && ledger.fits(tokens, now)) {
      return ledger.take(tokens, now);
    }
    if (this.#state.kind === "unknown") {
      // First contact: this attempt goes alone; its answer's headers tell the others how fast to go.
      this.#state = { kind: "scouting", until: now + this.#firstContactMs };
      this.#probeTicket = ledger.take(tokens, now);
      return this.#probeTicket;
    }
    if (this.#state.kind === "cooling" && this.#state.until <= now && queue.size === 0) {
      if (ledger.fits(tokens, now)) {
        this.#state = { kind: "probing" };
        this.#probeTicket = ledger.take(tokens, now);
        return this.#probeTicket;
      }
    }
    const wait = this.expectedWaitMs(0, tokens);
    if (now + wait > deadline) throw gateRefusal(wait);
    const ticket = queue.wait(tokens, deadline, signal);
    const state = this.#state;
    queue.schedule(state.kind === "scouting" ? state.until - now : wait);
    return ticket;
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
    this.#ledger.release(estimated, used, this.#clock());
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
      this.#ledger.emptyRequests(now);
      return;
    }
    const cooldown = Math.min(retryAfterMs, this.maxCooldownMs);
    const until = now + cooldown;
    if (this.#state.kind === "cooling" && this.#state.until >= until) return;
    this.#state = { kind: "cooling", until };
    this.onCooldown?.(until);
    const queue = this.#queue;
    for (const waiter of queue.waiters) {
      if (waiter.deadline < until) {
        queue.remove(waiter);
        waiter.reject(gateRefusal(until - now));
      }
    }
    queue.schedule(cooldown);
  }

  /**
   * What an answer's headers said about the limits. `ticket`: the answered attempt's; without it,
   * every other request in flight counts as not yet seen by the vendor. Returns true when they reset
   * the token bucket's level (the vendor's figure already holds this answer's tokens: no correction is
   * due in `done`).
   */
  learn(info: RateLimitHeaders, ticket?: number): boolean {
    this.#changed();
    const tokensFromHeaders = this.#ledger.learn(info, ticket, this.#clock());
    this.#pump();
    return tokensFromHeaders;
  }

  /** The gate as `inspect()` shows it. */
  snapshot(): LimiterSnapshot {
    const now = this.#clock();
    const snapshot = this.#ledger.snapshot(this.#queue.size, now);
    if (this.#state.kind === "cooling" && this.#state.until > now) snapshot.cooldownUntil = this.#state.until;
    return snapshot;
  }

  /** Stops the timer; waiting attempts are left to their signals. */
  close(): void {
    this.#queue.close();
  }

  #changed(): void {
    this.#changes++;
    this.onChange?.();
  }

  /** Lets waiting attempts through, oldest first, while they fit; arms the timer for the next one. */
  #pump(): void {
    const queue = this.#queue;
    if (queue.size === 0) return;
    const now = this.#clock();
    const ledger = this.#ledger;
    let state = this.#state;
    if (state.kind === "probing") return; // the probe's answer pumps again
    if (state.kind === "scouting") {
      if (state.until > now) {
        queue.schedule(state.until - now);
        return;
      }
      // The scout is slow to answer: stop waiting for it, go as if nothing were known.
      state = this.#state = OPEN;
    }
    if (state.kind === "cooling") {
      if (state.until > now) {
        queue.schedule(state.until - now);
        return;
      }
      const head = queue.head();
      if (!ledger.fits(head.tokens, now)) {
        queue.schedule(ledger.waitFor(head.tokens, now));
        return;
      }
      this.#state = { kind: "probing" };
      queue.remove(head);
      this.#probeTicket = ledger.take(head.tokens, now);
      head.resolve(this.#probeTicket);
      return;
    }
    for (const waiter of queue.waiters) {
      if (!ledger.fits(waiter.tokens, now)) {
        queue.schedule(ledger.waitFor(waiter.tokens, now));
        return;
      }
      queue.remove(waiter);
      waiter.resolve(ledger.take(waiter.tokens, now));
    }
  }
}
