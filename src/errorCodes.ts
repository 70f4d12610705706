/**
 * The stable codes of the public contract, and the message each gets when none is given. Match on
 * `code`, not on `instanceof`: codes are the contract (src/errorClasses.ts holds a class per code).
 */

/** The stable codes of the public contract. */
export const ErrorCodes = [
  "ERR_UNKNOWN_CLIENT",
  "ERR_INVALID_ARGUMENT",
  "ERR_QUEUE_FULL",
  "ERR_CIRCUIT_OPEN",
  "ERR_WORKER_CRASHED",
  "ERR_CLIENT_UNAVAILABLE",
  "ERR_TIMEOUT",
  "ERR_ABORTED",
  "ERR_RATE_LIMITED",
  "ERR_HTTP",
  "ERR_NETWORK",
  "ERR_BAD_RESPONSE",
  "ERR_SYSTEM_STOPPED",
  "ERR_START_FAILED",
  "ERR_BAD_OUTPUT",
  "ERR_CONTENT_FILTER",
  "ERR_BUDGET_EXCEEDED",
] as const;

/** One of {@link ErrorCodes}. */
export type ErrorCode = (typeof ErrorCodes)[number];

/** The message of each code when the error names none. */
export const defaultMessages: Record<ErrorCode, string> = {
  ERR_UNKNOWN_CLIENT: "no client of that name",
  ERR_INVALID_ARGUMENT: "invalid argument",
  ERR_QUEUE_FULL: "the client's mailbox is full",
  ERR_CIRCUIT_OPEN: "the client's circuit breaker is open",
  ERR_WORKER_CRASHED: "the client's worker crashed with the call in flight",
  ERR_CLIENT_UNAVAILABLE: "the client is not running and will not be restarted",
  ERR_TIMEOUT: "the call's deadline passed",
  ERR_ABORTED: "the call was aborted",
  ERR_RATE_LIMITED: "upstream rate limit",
  ERR_HTTP: "upstream answered an error status",
  ERR_NETWORK: "the connection to upstream failed",
  ERR_BAD_RESPONSE: "upstream answered something that is not the API's format",
  ERR_SYSTEM_STOPPED: "the system is stopping or stopped",
  ERR_START_FAILED: "a child could not start",
  ERR_BAD_OUTPUT: "the answer did not validate against the call's schema",
  ERR_CONTENT_FILTER: "the vendor's safety filter blocked the prompt",
  ERR_BUDGET_EXCEEDED: "the budget would be exceeded; nothing was sent",
};
