/**
 * Every failure a caller can see is a {@link DspexError} with a stable `code`.
 *
 * Errors cross the thread boundary as plain {@link ErrorData} (structured clone loses an Error's class
 * and fields) and are rebuilt here from the `code -> class` table in {@link errorFromData}. Match on
 * `code`, not on `instanceof`: codes are the stable contract.
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

/** An error as plain data: what crosses a thread, and what `toJSON` of a {@link DspexError} gives. */
export interface ErrorData {
  code: ErrorCode;
  message: string;
  /** Upstream HTTP status (`ERR_HTTP`, `ERR_RATE_LIMITED`, sometimes `ERR_BAD_RESPONSE`). */
  status?: number;
  /** How long upstream asked us to wait (`ERR_RATE_LIMITED`), in milliseconds. */
  retryAfterMs?: number;
  /** The provider's own error code or type (`insufficient_quota`, `overloaded_error`, ...). */
  upstreamCode?: string;
  /** The provider's request id, for support tickets (its header, else its error body's). */
  requestId?: string;
  /** The request parameter upstream blamed (OpenAI-style errors' `param`). */
  param?: string;
  /** The field or path that was invalid (`ERR_INVALID_ARGUMENT`). */
  field?: string;
  /** The client (worker) the error concerns, when known. */
  client?: string;
  /** `ERR_BAD_OUTPUT`: why the answer did not validate against the call's `schema`. */
  issues?: OutputIssue[];
  /** `ERR_BAD_OUTPUT`: the answer's raw text. */
  text?: string;
  /** How many times the call was delivered to a worker (set on the main thread; 0 when none took it). */
  deliveries?: number;
  /**
   * `ERR_WORKER_CRASHED`: false when no worker ever took the call, so it cannot have reached upstream;
   * true when a worker had it and may have sent it (see "Delivery guarantees" in docs/supervision.md).
   */
  mayHaveReachedUpstream?: boolean;
}

/** One reason an answer failed its `schema` (a Standard Schema issue as plain data). */
export interface OutputIssue {
  message: string;
  /** Where in the value, as keys and indexes (absent for the value as a whole). */
  path?: (string | number)[];
}

const defaultMessages: Record<ErrorCode, string> = {
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

/** The base of every error dspex throws or rejects with. */
export class DspexError extends Error {
  /** The stable code; see {@link ErrorCodes}. */
  readonly code: ErrorCode;
  /** Upstream HTTP status, when there was one. */
  readonly status?: number;
  /** Milliseconds upstream asked to wait, when it said. */
  readonly retryAfterMs?: number;
  /** The provider's own error code or type. */
  readonly upstreamCode?: string;
  /** The provider's request id. */
  readonly requestId?: string;
  /** The request parameter upstream blamed. */
  readonly param?: string;
  /** The invalid field, for `ERR_INVALID_ARGUMENT`. */
  readonly field?: string;
  /** The client the error concerns. */
  readonly client?: string;
  /** How many times the call was delivered to a worker, when the error settled a call. */
  readonly deliveries?: number;
  /** `ERR_WORKER_CRASHED`: whether the call may have reached upstream before the worker died. */
  readonly mayHaveReachedUpstream?: boolean;
  /** Through a router: the members tried, in order, with each one's error code (src/router/). */
  attempts?: { client: string; code?: string; skipped?: boolean }[];

  constructor(data: Omit<ErrorData, "message"> & { message?: string }, options?: { cause?: unknown }) {
    super(data.message ?? defaultMessages[data.code], options);
    this.code = data.code;
    if (data.status !== undefined) this.status = data.status;
    if (data.retryAfterMs !== undefined) this.retryAfterMs = data.retryAfterMs;
    if (data.upstreamCode !== undefined) this.upstreamCode = data.upstreamCode;
    if (data.requestId !== undefined) this.requestId = data.requestId;
    if (data.param !== undefined) this.param = data.param;
    if (data.field !== undefined) this.field = data.field;
    if (data.client !== undefined) this.client = data.client;
    if (data.deliveries !== undefined) this.deliveries = data.deliveries;
    if (data.mayHaveReachedUpstream !== undefined) this.mayHaveReachedUpstream = data.mayHaveReachedUpstream;
  }

  override get name(): string {
    return this.constructor.name;
  }

  /** The plain-data form, safe to post to another thread or log. */
  toJSON(): ErrorData {
    return toErrorData(this);
  }
}

/** `ERR_UNKNOWN_CLIENT`: no child of that name. */
export class UnknownClientError extends DspexError {
  declare readonly code: "ERR_UNKNOWN_CLIENT";
}
/** `ERR_INVALID_ARGUMENT`: bad messages, options or spec; `field` names what. */
export class InvalidArgumentError extends DspexError {
  declare readonly code: "ERR_INVALID_ARGUMENT";
  declare readonly field: string;
}
/** `ERR_QUEUE_FULL`: the mailbox is at its bound. */
export class QueueFullError extends DspexError {
  declare readonly code: "ERR_QUEUE_FULL";
}
/** `ERR_CIRCUIT_OPEN`: failed fast, no request sent. */
export class CircuitOpenError extends DspexError {
  declare readonly code: "ERR_CIRCUIT_OPEN";
}
/** `ERR_WORKER_CRASHED`: the worker died with the call in flight and redelivery was used up. */
export class WorkerCrashedError extends DspexError {
  declare readonly code: "ERR_WORKER_CRASHED";
}
/** `ERR_CLIENT_UNAVAILABLE`: not running and will not be restarted. */
export class ClientUnavailableError extends DspexError {
  declare readonly code: "ERR_CLIENT_UNAVAILABLE";
}
/** `ERR_TIMEOUT`: the deadline passed. */
export class TimeoutError extends DspexError {
  declare readonly code: "ERR_TIMEOUT";
}
/** `ERR_ABORTED`: the caller's signal aborted the call. */
export class AbortedError extends DspexError {
  declare readonly code: "ERR_ABORTED";
}
/** `ERR_RATE_LIMITED`: upstream kept answering 429; `retryAfterMs` is always a number (0: no hint). */
export class RateLimitedError extends DspexError {
  declare readonly code: "ERR_RATE_LIMITED";
  declare readonly retryAfterMs: number;

  constructor(data: Omit<ErrorData, "message"> & { message?: string }, options?: { cause?: unknown }) {
    super(data.retryAfterMs === undefined ? { ...data, retryAfterMs: 0 } : data, options);
  }
}
/** `ERR_HTTP`: upstream answered another non-2xx status; see `status`. */
export class HttpError extends DspexError {
  declare readonly code: "ERR_HTTP";
  declare readonly status: number;
}
/** `ERR_NETWORK`: the connection failed. */
export class NetworkError extends DspexError {
  declare readonly code: "ERR_NETWORK";
}
/** `ERR_BAD_RESPONSE`: upstream's answer is not the API's format. */
export class BadResponseError extends DspexError {
  declare readonly code: "ERR_BAD_RESPONSE";
}
/** `ERR_SYSTEM_STOPPED`: the system is stopping or stopped. */
export class SystemStoppedError extends DspexError {
  declare readonly code: "ERR_SYSTEM_STOPPED";
}
/** `ERR_START_FAILED`: `createSystem` could not start a child (everything started was stopped). */
export class StartFailedError extends DspexError {
  declare readonly code: "ERR_START_FAILED";
}
/** `ERR_BAD_OUTPUT`: the answer did not validate against the call's `schema`; see `issues` and `text`. */
export class BadOutputError extends DspexError {
  declare readonly code: "ERR_BAD_OUTPUT";
  /** Why it did not validate. */
  readonly issues: OutputIssue[];
  /** The answer's raw text. */
  readonly text: string;

  constructor(data: ErrorData, options?: { cause?: unknown }) {
    super(data, options);
    this.issues = data.issues ?? [];
    this.text = data.text ?? "";
  }
}
/**
 * `ERR_CONTENT_FILTER`: the vendor's safety filter refused the prompt, so there is no answer at all
 * (Gemini's `promptFeedback.blockReason`, Azure's `content_filter` errors); `upstreamCode` says why.
 * An answer cut short by a filter is not an error: it ends with `finishReason: "content_filter"`.
 */
export class ContentFilterError extends DspexError {
  declare readonly code: "ERR_CONTENT_FILTER";
}
/** `ERR_BUDGET_EXCEEDED`: the client's or router's `budget` would be exceeded by the call; nothing was sent. */
export class BudgetExceededError extends DspexError {
  declare readonly code: "ERR_BUDGET_EXCEEDED";
}

/**
 * The class of each code: a union discriminated on `code`. `isDspexError(e, "ERR_RATE_LIMITED")`
 * narrows `e` to `RateLimitedError`; a `switch (e.code)` on a {@link AnyDspexError} narrows each case.
 */
export interface DspexErrorByCode {
  ERR_UNKNOWN_CLIENT: UnknownClientError;
  ERR_INVALID_ARGUMENT: InvalidArgumentError;
  ERR_QUEUE_FULL: QueueFullError;
  ERR_CIRCUIT_OPEN: CircuitOpenError;
  ERR_WORKER_CRASHED: WorkerCrashedError;
  ERR_CLIENT_UNAVAILABLE: ClientUnavailableError;
  ERR_TIMEOUT: TimeoutError;
  ERR_ABORTED: AbortedError;
  ERR_RATE_LIMITED: RateLimitedError;
  ERR_HTTP: HttpError;
  ERR_NETWORK: NetworkError;
  ERR_BAD_RESPONSE: BadResponseError;
  ERR_SYSTEM_STOPPED: SystemStoppedError;
  ERR_START_FAILED: StartFailedError;
  ERR_BAD_OUTPUT: BadOutputError;
  ERR_CONTENT_FILTER: ContentFilterError;
  ERR_BUDGET_EXCEEDED: BudgetExceededError;
}

/** Every error dspex rejects with, as a union discriminated on `code`. */
export type AnyDspexError = DspexErrorByCode[ErrorCode];

const classes: {
  [C in ErrorCode]: new (
    data: ErrorData,
    options?: { cause?: unknown },
  ) => DspexErrorByCode[C];
} = {
  ERR_UNKNOWN_CLIENT: UnknownClientError,
  ERR_INVALID_ARGUMENT: InvalidArgumentError,
  ERR_QUEUE_FULL: QueueFullError,
  ERR_CIRCUIT_OPEN: CircuitOpenError,
  ERR_WORKER_CRASHED: WorkerCrashedError,
  ERR_CLIENT_UNAVAILABLE: ClientUnavailableError,
  ERR_TIMEOUT: TimeoutError,
  ERR_ABORTED: AbortedError,
  ERR_RATE_LIMITED: RateLimitedError,
  ERR_HTTP: HttpError,
  ERR_NETWORK: NetworkError,
  ERR_BAD_RESPONSE: BadResponseError,
  ERR_SYSTEM_STOPPED: SystemStoppedError,
  ERR_START_FAILED: StartFailedError,
  ERR_BAD_OUTPUT: BadOutputError,
  ERR_CONTENT_FILTER: ContentFilterError,
  ERR_BUDGET_EXCEEDED: BudgetExceededError,
};

/** Builds the error class for `code` (the `code -> class` table). */
export function dspexError<C extends ErrorCode>(
  code: C,
  message?: string,
  fields?: Omit<ErrorData, "code" | "message">,
  options?: { cause?: unknown },
): DspexErrorByCode[C] {
  const data: ErrorData = { code, message: message ?? defaultMessages[code], ...fields };
  return new classes[code](data, options) as DspexErrorByCode[C];
}

/** Rebuilds a class from plain data that crossed a thread. Unknown codes become `ERR_BAD_RESPONSE`. */
export function errorFromData(data: ErrorData): AnyDspexError {
  const Class = classes[data.code] as (new (data: ErrorData) => AnyDspexError) | undefined;
  if (Class === undefined) return new BadResponseError({ ...data, code: "ERR_BAD_RESPONSE" });
  return new Class(data);
}

/** The plain-data form of any error; a non-dspex error becomes `fallback` with its message. */
export function toErrorData(error: unknown, fallback: ErrorCode = "ERR_BAD_RESPONSE"): ErrorData {
  // Already plain data (thrown across comlink, or by code that throws data on purpose): as it is.
  if (isErrorData(error)) return error;
  if (error instanceof DspexError) {
    const data: ErrorData = { code: error.code, message: error.message };
    if (error.status !== undefined) data.status = error.status;
    if (error.retryAfterMs !== undefined) data.retryAfterMs = error.retryAfterMs;
    if (error.upstreamCode !== undefined) data.upstreamCode = error.upstreamCode;
    if (error.requestId !== undefined) data.requestId = error.requestId;
    if (error.param !== undefined) data.param = error.param;
    if (error.field !== undefined) data.field = error.field;
    if (error.client !== undefined) data.client = error.client;
    if (error instanceof BadOutputError) {
      data.issues = error.issues;
      data.text = error.text;
    }
    if (error.deliveries !== undefined) data.deliveries = error.deliveries;
    if (error.mayHaveReachedUpstream !== undefined)
      data.mayHaveReachedUpstream = error.mayHaveReachedUpstream;
    return data;
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: fallback, message };
}

const KNOWN_CODES: ReadonlySet<string> = new Set(ErrorCodes);

/** True for plain {@link ErrorData} (not an `Error`) with a known code: what crosses a thread. */
export function isErrorData(value: unknown): value is ErrorData {
  const v = value as Partial<ErrorData> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    !(v instanceof Error) &&
    typeof v.code === "string" &&
    KNOWN_CODES.has(v.code) &&
    typeof v.message === "string"
  );
}

/**
 * True when `error` is a {@link DspexError}; with a `code`, narrows to that code's class
 * (`isDspexError(e, "ERR_RATE_LIMITED")` gives a `RateLimitedError`, whose `retryAfterMs` is a number).
 */
export function isDspexError(error: unknown): error is AnyDspexError;
export function isDspexError<C extends ErrorCode>(error: unknown, code: C): error is DspexErrorByCode[C];
export function isDspexError(error: unknown, code?: ErrorCode): error is DspexError {
  return error instanceof DspexError && (code === undefined || error.code === code);
}

/** Shorthand for a validation failure naming the bad field. */
export function invalidArgument(field: string, message: string): InvalidArgumentError {
  return new InvalidArgumentError({ code: "ERR_INVALID_ARGUMENT", field, message: `${field}: ${message}` });
}
