/**
 * The client's circuit breaker, on cockatiel's `CircuitBreakerPolicy`.
 *
 * It wraps each upstream *attempt*, not the whole retried call: a call whose three attempts all failed
 * counts three failures, so a dead upstream opens the breaker within one or two calls and the retry
 * loop stops as soon as it opens (it checks {@link Breaker.isOpen} before each backoff).
 *
 * Only failures that mean upstream is unwell count (connection errors, attempt time-outs, 429, 5xx);
 * a 4xx, a bad body, the caller's cancel or the call's own deadline do not. While half-open, cockatiel
 * closes the breaker on any outcome it was told not to count; a probe cut short by its caller proves
 * nothing, so during half-open a cancelled or out-of-time probe counts as a failure and reopens it.
 *
 * The wait before a probe grows from `halfOpenAfterMs`, doubling while upstream stays down, up to
 * `maxHalfOpenAfterMs`. State survives the worker: every change is reported with `toJSON()`, and a
 * restarted worker passes that snapshot back as `initialState`.
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

/** A per-client breaker; see the module comment. `settings: false` gives a pass-through ("disabled"). */
export class Breaker {
  readonly #policy: CircuitBreakerPolicy | undefined;
  #state: BreakerState;

  constructor(
    settings: Required<BreakerSettings> | false,
    options: { initialState?: unknown; onChange?: (event: BreakerEvent) => void } = {},
  ) {
    if (settings === false) {
      this.#policy = undefined;
      this.#state = "disabled";
      return;
    }
    const policy = circuitBreaker(
      handleWhen(
        (error) =>
          error instanceof AttemptFailure &&
          (countsAgainstUpstream(error) ||
            (policy.state === CircuitState.HalfOpen &&
              (error.kind === "aborted" || error.kind === "deadline"))),
      ),
      {
        breaker: makeBreaker(settings),
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
    const onChange = options.onChange;
    policy.onStateChange((next) => {
      const previous = this.#state;
      this.#state = STATES[next];
      onChange?.({ kind: "breaker", state: this.#state, previous, snapshot: policy.toJSON() });
    });
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
      return await policy.execute(attempt);
    } catch (error) {
      if (error instanceof BrokenCircuitError) throw OPEN;
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
      ? typeof counter === "number"
      : isRecord(counter) && Array.isArray(counter.windows);
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
