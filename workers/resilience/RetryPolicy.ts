/**
 * Bounded retries the way the official SDKs do them, with the call's deadline and the breaker as
 * extra stop conditions.
 *
 * - Retried: connection errors, attempt time-outs, 408, 409, 429 and 5xx. Never another 4xx, a bad
 *   body, a 429 whose code is `insufficient_quota` (money, not load), or the call's own deadline.
 * - Wait: `retryAfterMs` when upstream said (`retry-after-ms`, `retry-after` seconds or date); a demand
 *   longer than `maxRetryAfterMs` fails at once with that error (a 429 is `ERR_RATE_LIMITED` carrying
 *   `retryAfterMs`). Otherwise `initialDelayMs` doubling to `maxDelayMs`, minus up to 25 % jitter.
 * - Stop early when the breaker is open, or when the next attempt would start at or after the deadline
 *   (the last error; `ERR_TIMEOUT` when the deadline itself has passed).
 *
 * This is a small loop rather than cockatiel's `retry()`: the decision needs the deadline, the
 * breaker and `retryAfterMs` together, and a pure {@link decideRetry} plus an injected clock and delay
 * is testable under fake time without reaching into a policy's internals.
 */
import type { ErrorCode, ErrorData } from "../../src/errors.js";
import type { AttemptTiming, UpstreamTiming } from "../../src/protocol.js";
import type { RetrySettings } from "../../src/types.js";
import type { CancelSignal } from "../Cancellation.js";
import { AttemptFailure } from "../http/AttemptFailure.js";

/** What one decision needs to know about the settings (`maxRetries` comes from the call). */
export type RetryPlan = Required<RetrySettings>;

/** Retry after `delayMs`, or stop and fail the call with `error`. */
export type RetryDecision = { retry: true; delayMs: number } | { retry: false; error: ErrorData };

/** True when a failure of this kind may succeed if tried again. */
export function isRetryable(failure: AttemptFailure): boolean {
  switch (failure.kind) {
    case "network":
    case "attempt_timeout":
      return true;
    case "status": {
      const status = failure.data.status ?? 0;
      if (status === 429) return failure.data.upstreamCode !== "insufficient_quota";
      return status === 408 || status === 409 || status >= 500;
    }
    default:
      return false;
  }
}

/** The backoff before retry number `retry` (1 = first retry), jittered down by up to 25 %. */
export function backoffMs(plan: RetryPlan, retry: number, random: () => number): number {
  const base = Math.min(plan.maxDelayMs, plan.initialDelayMs * 2 ** (retry - 1));
  return Math.round(base * (1 - 0.25 * random()));
}

/**
 * Decides what follows failed attempt number `attempt` (1-based). Pure: `now`, `deadline`, whether the
 * breaker is open and the random source are all given.
 */
export function decideRetry(
  failure: AttemptFailure,
  attempt: number,
  plan: RetryPlan,
  now: number,
  deadline: number,
  breakerOpen: boolean,
  random: () => number,
): RetryDecision {
  if (!isRetryable(failure) || attempt > plan.maxRetries || breakerOpen) return stop(failure.data);
  const asked = failure.data.retryAfterMs;
  if (asked !== undefined && asked > plan.maxRetryAfterMs) return stop(failure.data);
  const delayMs = asked ?? backoffMs(plan, attempt, random);
  if (now >= deadline) return stop({ code: "ERR_TIMEOUT", message: "the call's deadline passed" });
  if (now + delayMs >= deadline) return stop(failure.data);
  return { retry: true, delayMs };
}

function stop(error: ErrorData): RetryDecision {
  return { retry: false, error };
}

/** How a retried call ended. `attempts` counts requests sent; `upstreamErrors` their failure codes. */
export type RetryOutcome<T> =
  | {
      ok: true;
      value: T;
      attempts: number;
      upstreamErrors: ErrorCode[] | undefined;
      timings?: UpstreamTiming[];
    }
  | {
      ok: false;
      error: ErrorData;
      attempts: number;
      upstreamErrors: ErrorCode[] | undefined;
      timings?: UpstreamTiming[];
    };

/** What the loop needs besides the attempt itself. */
export interface RetryRun {
  plan: RetryPlan;
  deadline: number;
  /** Aborting stops the loop (during an attempt or a backoff). */
  signal: CancelSignal | undefined;
  clock: () => number;
  /** Waits `ms`; resolves early when `signal` aborts. */
  sleep: (ms: number, signal: CancelSignal | undefined) => Promise<void>;
  random: () => number;
  breakerOpen: () => boolean;
  /** Told before each backoff: the retry number (1 = first retry), the wait, and what failed. */
  onRetry: (retry: number, delayMs: number, failure: AttemptFailure) => void;
  /** When set (the call is traced), each attempt sent upstream is timed into it (see `AttemptTiming`). */
  timings?: UpstreamTiming[] | undefined;
}

/** Epoch milliseconds with sub-millisecond precision, comparable across threads. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Runs `attempt` until it succeeds or {@link decideRetry} says stop. `attempt` rejects with
 * {@link AttemptFailure}s; one of kind `circuit_open` ends the loop at once (with `ERR_CIRCUIT_OPEN`
 * when nothing was sent yet, else with the last upstream error).
 */
export async function runWithRetry<T>(attempt: () => Promise<T>, run: RetryRun): Promise<RetryOutcome<T>> {
  let attempts = 0;
  let upstreamErrors: ErrorCode[] | undefined;
  let last: AttemptFailure | undefined;
  const timings = run.timings;
  for (;;) {
    const started = timings === undefined ? 0 : preciseNow();
    try {
      const value = await attempt();
      timings?.push({ start: started, end: preciseNow() });
      return { ok: true, value, attempts: attempts + 1, upstreamErrors };
    } catch (error) {
      const failure = asFailure(error);
      // The rate gate refused (its wait would pass the deadline): nothing was sent, nothing to retry.
      if (failure.kind === "gated") return { ok: false, error: failure.data, attempts, upstreamErrors };
      if (failure.kind === "circuit_open") {
        return { ok: false, error: (last ?? failure).data, attempts, upstreamErrors };
      }
      if (timings !== undefined) timings.push(timed(started, failure));
      attempts++;
      if (failure.kind !== "aborted") {
        upstreamErrors ??= [];
        upstreamErrors.push(failure.data.code);
      }
      last = failure;
      const decision = decideRetry(
        failure,
        attempts,
        run.plan,
        run.clock(),
        run.deadline,
        run.breakerOpen(),
        run.random,
      );
      if (!decision.retry) return { ok: false, error: decision.error, attempts, upstreamErrors };
      run.onRetry(attempts, decision.delayMs, failure);
      if (timings !== undefined)
        (timings[timings.length - 1] as AttemptTiming).retryDelayMs = decision.delayMs;
      await run.sleep(decision.delayMs, run.signal);
      if (run.signal?.aborted) {
        return {
          ok: false,
          error: { code: "ERR_ABORTED", message: "the call was cancelled" },
          attempts,
          upstreamErrors,
        };
      }
    }
  }
}

function timed(start: number, failure: AttemptFailure): AttemptTiming {
  const timing: AttemptTiming = { start, end: preciseNow(), code: failure.data.code };
  if (failure.data.status !== undefined) timing.status = failure.data.status;
  return timing;
}

function asFailure(error: unknown): AttemptFailure {
  if (error instanceof AttemptFailure) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new AttemptFailure("invalid", { code: "ERR_BAD_RESPONSE", message });
}

/** A `setTimeout` delay that ends early when `signal` aborts. */
export function sleep(ms: number, signal: CancelSignal | undefined): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done);
  });
}
