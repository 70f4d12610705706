/**
 * How one upstream attempt failed. The public {@link ErrorData} is what the caller finally sees; the
 * `kind` is what the breaker and the retry policy decide on (an attempt time-out and the call's own
 * deadline both surface as `ERR_TIMEOUT`, but only the first means upstream is slow).
 */
import { type ErrorCode, type ErrorData, toErrorData } from "../../src/errors.js";

/** Why an attempt failed, as the resilience policies see it. */
export type FailureKind =
  /** Connection refused, reset or closed early. */
  | "network"
  /** The attempt's own time-out (`attemptTimeoutMs`) ran out. */
  | "attempt_timeout"
  /** The call's deadline ran out (the caller's budget, not upstream's fault). */
  | "deadline"
  /** The caller cancelled the call. */
  | "aborted"
  /** Upstream answered a non-2xx status. */
  | "status"
  /** Upstream answered 2xx with something that is not the API's format. */
  | "bad_response"
  /** The request could not be built or sent as given (a bad header value, ...). */
  | "invalid"
  /** The breaker is open: nothing was sent. */
  | "circuit_open"
  /** The rate gate refused: waiting for the client's rate limit would pass the deadline; nothing was sent. */
  | "gated";

/** A failed attempt: see the module comment. */
export class AttemptFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    readonly data: ErrorData,
  ) {
    super(data.message);
  }

  override get name(): string {
    return "AttemptFailure";
  }
}

/** True when the failure says upstream is unwell: what a circuit breaker counts. */
export function countsAgainstUpstream(failure: AttemptFailure): boolean {
  switch (failure.kind) {
    case "network":
    case "attempt_timeout":
      return true;
    case "status": {
      const status = failure.data.status ?? 0;
      // A 429 with a retry hint is the vendor's rate limit, not ill health: the rate gate cools the
      // whole client down until then (workers/traffic/RateGate.ts), so the breaker leaves it alone (a
      // burst's 429s would otherwise open it and turn a short wait into fast failures).
      if (status === 429) return failure.data.retryAfterMs === undefined;
      return status >= 500;
    }
    default:
      return false;
  }
}

/**
 * The plain error data of whatever a worker step threw: an attempt failure's own, a `DspexError`'s
 * fields, plain data as it is, anything else as `fallback` with its message (see `toErrorData`).
 */
export function errorDataOf(error: unknown, fallback: ErrorCode): ErrorData {
  return error instanceof AttemptFailure ? error.data : toErrorData(error, fallback);
}
