/**
 * The client's circuit breaker, on cockatiel's `CircuitBreakerPolicy`.
 *
 * It wraps each upstream *attempt*, not the whole retried call: a call whose three attempts all failed
 * counts three failures, so a dead upstream opens the breaker within one or two calls and the retry
 * loop stops as soon as it opens (it checks {@link Breaker.isOpen} before each backoff).
 *
 * Only failures that mean upstream is unwell count (connection errors, attempt time-outs, 5xx, a 429
 * without a retry hint); a 4xx, a 429 with a retry hint (the rate gate's cooldown waits it out), a bad
 * body, the caller's cancel or the call's own deadline do not. While half-open, cockatiel
 * closes the breaker on any outcome it was told not to count; a probe cut short by its caller proves
 * nothing, so during half-open a cancelled or out-of-time probe counts as a failure and reopens it.
 *
 * The wait before a probe grows from `halfOpenAfterMs`, doubling while upstream stays down, up to
 * `maxHalfOpenAfterMs`. State survives the worker: every change is reported with `toJSON()`, and a
 * restarted worker passes that snapshot back as `initialState`.
 *
 * So does the failure count (issue #9 §9): cockatiel's snapshot holds the breaker's counter (the
 * consecutive count, or the sampling windows), but a state-change event alone would leave a breaker at
 * 4 of 5 failures to come back at 0. So `onCount` hears the snapshot whenever the count moved without a
 * state change: a consecutive breaker's at once (only failures, and the first success after them,
 * move it: nothing on a healthy path); a sampling breaker's failures at once, its successes (every
 * attempt) at most once per window slice, on an unref'd timer.
 */
import type { CircuitBreakerPolicy, CircuitState as CircuitStateType, IBreaker } from "cockatiel";
import type { WorkerEvent } from "../../src/protocol.js";
import type { BreakerSettings, BreakerState } from "../../src/types.js";
import { AttemptFailure, countsAgainstUpstream } from "../http/AttemptFailure.js";
import { requireCommonJs } from "../loadCommonJs.js";

/**
 * cockatiel through `require`: importing its CommonJS build from ESM costs ~40 ms in a new worker
 * thread (the ESM loader lexes every file for named exports), `require` ~8 ms (medians of 7). A
 * worker's start time is a restart's latency; see docs/decisions.md.
 */
const {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleWhen,
  noJitterGenerator,
  SamplingBreaker,
} = requireCommonJs<typeof import("cockatiel")>("cockatiel");

/** A breaker state change, as posted to the main thread. */
export type BreakerEvent = Extract<WorkerEvent, { kind: "breaker" }>;

const STATES: Record<CircuitStateType, BreakerState> = {
  [CircuitState.Closed]: "closed",
  [CircuitState.Open]: "open",
  [CircuitState.HalfOpen]: "half_open",
  [CircuitState.Isolated]: "isolated",
};

const OPEN = new AttemptFailure("circuit_open", {
  code: "ERR_CIRCUIT_OPEN",
  message: "the circuit breaker is open: upstream failed repeatedly, no request was sent",
});

/** What a breaker reports, besides its state. */
export interface BreakerOptions {
  /** A snapshot from a previous incarnation (`toJSON()`); ignored when its shape is wrong. */
  initialState?: unknown;
  /** A state change, with the snapshot after it. */
  onChange?: (event: BreakerEvent) => void;
  /** The failure count moved without a state change: the snapshot after it. */
  onCount?: (snapshot: unknown) => void;
}

/** A per-client breaker; see the module comment. `settings: false` gives a pass-through ("disabled"). */
export class Breaker {
  readonly #policy: CircuitBreakerPolicy | undefined;
  readonly #counter: IBreaker | undefined;
  readonly #onCount: ((snapshot: unknown) => void) | undefined;
  /** A sampling breaker's count reported at most once per this many ms (0: consecutive, at once). */
  readonly #successEveryMs: number;
  #state: BreakerState;
  /** The consecutive count last reported (or restored). */
  #reportedCount = 0;
  /** The sampling failures last reported (or restored). */
  #reportedFailures = 0;
  #successTimer: NodeJS.Timeout | undefined = undefined;

  constructor(settings: Required<BreakerSettings> | false, options: BreakerOptions = {}) {
    this.#onCount = options.onCount;
    if (settings === false) {
      this.#policy = undefined;
      this.#counter = undefined;
      this.#successEveryMs = 0;
      this.#state = "disabled";
      return;
    }
    const counter = makeBreaker(settings);
    this.#counter = counter;
    this.#successEveryMs =
      settings.kind === "sampling" ? Math.max(100, Math.round(settings.durationMs / 5)) : 0;
    const policy = circuitBreaker(
      handleWhen(
        (error) =>
          error instanceof AttemptFailure &&
          (countsAgainstUpstream(error) ||
            (policy.state === CircuitState.HalfOpen &&
              (error.kind === "aborted" || error.kind === "deadline"))),
      ),
      {
        breaker: counter,
        halfOpenAfter: new ExponentialBackoff({
          initialDelay: settings.halfOpenAfterMs,
          maxDelay: settings.maxHalfOpenAfterMs,
          generator: noJitterGenerator,
        }),
        initialState: restorable(options.initialState, settings.kind),
      },
    );
    this.#policy = policy;
    this.#state = STATES[policy.state];
    this.#noteReported();
    const onChange = options.onChange;
    policy.onStateChange((next) => {
      const previous = this.#state;
      this.#state = STATES[next];
      this.#noteReported();
      onChange?.({ kind: "breaker", state: this.#state, previous, snapshot: policy.toJSON() });
    });
  }

  /** The count as of the snapshot just reported (or restored): what the next change is measured from. */
  #noteReported(): void {
    const state = this.#counter?.state as unknown;
    if (typeof state === "number") this.#reportedCount = state;
    else if (isRecord(state) && typeof state.currentFailures === "number") {
      this.#reportedFailures = state.currentFailures;
    }
  }

  /** After an attempt: report the count if it moved (see the module comment). */
  #countMoved(): void {
    const onCount = this.#onCount;
    const policy = this.#policy;
    if (onCount === undefined || policy === undefined) return;
    const state = (this.#counter as IBreaker).state as unknown;
    if (typeof state === "number") {
      if (state === this.#reportedCount) return;
      this.#reportedCount = state;
      onCount(policy.toJSON());
      return;
    }
    if (!isRecord(state) || typeof state.currentFailures !== "number") return;
    if (state.currentFailures !== this.#reportedFailures) {
      this.#reportedFailures = state.currentFailures;
      this.#reportSoon(0);
      return;
    }
    this.#reportSoon(this.#successEveryMs);
  }

  /** Reports a sampling breaker's snapshot after `ms` (0: now), once for every change in between. */
  #reportSoon(ms: number): void {
    if (ms === 0) {
      if (this.#successTimer !== undefined) clearTimeout(this.#successTimer);
      this.#successTimer = undefined;
      this.#onCount?.((this.#policy as CircuitBreakerPolicy).toJSON());
      return;
    }
    if (this.#successTimer !== undefined) return;
    this.#successTimer = setTimeout(() => {
      this.#successTimer = undefined;
      this.#onCount?.((this.#policy as CircuitBreakerPolicy).toJSON());
    }, ms);
    this.#successTimer.unref();
  }

  /** The current state (`disabled` when the client has no breaker). */
  get state(): BreakerState {
    return this.#state;
  }

  /** True while open: calls fail fast (until the next probe is due). */
  get isOpen(): boolean {
    return this.#policy?.state === CircuitState.Open;
  }

  /**
   * Runs one attempt through the breaker. Rejects with an {@link AttemptFailure} of kind `circuit_open`
   * (code `ERR_CIRCUIT_OPEN`) without calling `attempt` when the breaker is open.
   */
  async execute<T>(attempt: () => Promise<T>): Promise<T> {
    const policy = this.#policy;
    if (policy === undefined) return attempt();
    try {
      const value = await policy.execute(attempt);
      if (this.#onCount !== undefined) this.#countMoved();
      return value;
    } catch (error) {
      if (error instanceof BrokenCircuitError) throw OPEN;
      if (this.#onCount !== undefined) this.#countMoved();
      throw error;
    }
  }

  /** cockatiel's snapshot, to hand to the next incarnation as `initialState` (undefined when disabled). */
  toJSON(): unknown {
    return this.#policy?.toJSON();
  }
}

function makeBreaker(settings: Required<BreakerSettings>): IBreaker {
  if (settings.kind === "consecutive") return new ConsecutiveBreaker(settings.failures);
  return new SamplingBreaker({
    // cockatiel wants a rate strictly below 1; "every call failed" is the same as "all but a hair".
    threshold: Math.min(settings.threshold, 0.999),
    duration: settings.durationMs,
    minimumRps: settings.minimumRps,
  });
}

/**
 * A snapshot cockatiel can restore, or `undefined` (start closed). cockatiel trusts its input: a
 * missing counter would make a consecutive breaker count `NaN` and never open, so check the shape.
 */
function restorable(snapshot: unknown, kind: Required<BreakerSettings>["kind"]): unknown {
  if (!isRecord(snapshot) || !isRecord(snapshot.ownState)) return undefined;
  const own = snapshot.ownState;
  const counter = snapshot.breakerState;
  const counterOk =
    kind === "consecutive"
      ? typeof counter === "number" && Number.isInteger(counter) && counter >= 0
      : isRecord(counter) &&
        Array.isArray(counter.windows) &&
        counter.windows.every(isWindow) &&
        typeof counter.currentWindow === "number" &&
        typeof counter.currentFailures === "number" &&
        typeof counter.currentSuccesses === "number";
  if (!counterOk) return undefined;
  if (own.value === CircuitState.Closed)
    return { ownState: { value: CircuitState.Closed }, breakerState: counter };
  if (
    own.value === CircuitState.Open &&
    typeof own.openedAt === "number" &&
    typeof own.attemptNo === "number"
  ) {
    // cockatiel keeps the live object as its state: hand it a copy.
    return {
      ownState: { value: CircuitState.Open, openedAt: own.openedAt, attemptNo: own.attemptNo },
      breakerState: counter,
    };
  }
  return undefined;
}

/** One of a sampling breaker's windows, as cockatiel keeps it. */
function isWindow(value: unknown): boolean {
  return (
    isRecord(value) &&
    typeof value.startedAt === "number" &&
    typeof value.failures === "number" &&
    typeof value.successes === "number"
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
