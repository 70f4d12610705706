/**
 * Which failures move a routed call to the next member: those after which another member may succeed.
 *
 * - Yes: `ERR_CIRCUIT_OPEN`, `ERR_RATE_LIMITED`, `ERR_HTTP` with a 5xx (or 408/409), `ERR_NETWORK`,
 *   `ERR_WORKER_CRASHED`, `ERR_CLIENT_UNAVAILABLE`, `ERR_QUEUE_FULL`, `ERR_BUDGET_EXCEEDED` (another
 *   member's budget), `ERR_BAD_RESPONSE`, and `ERR_TIMEOUT` while the router's own deadline has time left
 *   (one member's attempt ran out, not the call).
 * - No: a bad request (`ERR_INVALID_ARGUMENT`, any other 4xx) goes to every member the same; the
 *   caller's abort; a stopped system.
 * - "Context length exceeded" (a 400 the vendors mark) is its own case: the call moves to the router's
 *   `contextFallbacks` (members with a longer context), and fails as it is when there are none.
 */
import type { DspexError } from "../errors.js";

/** What a failure means for the next member. */
export type FallbackVerdict = "next" | "context" | "stop";

const CONTEXT = /context[_ ]length|context window|maximum context|prompt is too long|too many tokens/i;

/** True when a vendor said the prompt does not fit the model's context window. */
export function isContextLengthError(error: DspexError): boolean {
  return (
    error.upstreamCode === "context_length_exceeded" ||
    ((error.code === "ERR_HTTP" || error.code === "ERR_INVALID_ARGUMENT") && CONTEXT.test(error.message))
  );
}

/** See the module comment. `timeLeft`: the router's deadline has not passed. */
export function fallbackVerdict(error: DspexError, timeLeft: boolean): FallbackVerdict {
  if (isContextLengthError(error)) return "context";
  switch (error.code) {
    case "ERR_CIRCUIT_OPEN":
    case "ERR_RATE_LIMITED":
    case "ERR_NETWORK":
    case "ERR_WORKER_CRASHED":
    case "ERR_CLIENT_UNAVAILABLE":
    case "ERR_QUEUE_FULL":
    case "ERR_BUDGET_EXCEEDED":
    case "ERR_BAD_RESPONSE":
      return "next";
    case "ERR_TIMEOUT":
      return timeLeft ? "next" : "stop";
    case "ERR_HTTP": {
      const status = error.status ?? 0;
      return status >= 500 || status === 408 || status === 409 ? "next" : "stop";
    }
    default:
      return "stop";
  }
}
