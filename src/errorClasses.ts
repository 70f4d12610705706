/**
 * Every failure a caller can see is a {@link DspexError} with a stable `code`: the base class, one
 * class per code, the union discriminated on `code` ({@link AnyDspexError}) and its guard
 * ({@link isDspexError}). Turning them into plain data and back is src/errorData.ts.
 */
import { defaultMessages, type ErrorCode } from "./errorCodes.js";
import type { ErrorData, OutputIssue } from "./errorData.js";

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

  /** The plain-data form, safe to post to another thread or log (what `toErrorData` gives). */
  toJSON(): ErrorData {
    const data: ErrorData = { code: this.code, message: this.message };
    if (this.status !== undefined) data.status = this.status;
    if (this.retryAfterMs !== undefined) data.retryAfterMs = this.retryAfterMs;
    if (this.upstreamCode !== undefined) data.upstreamCode = this.upstreamCode;
    if (this.requestId !== undefined) data.requestId = this.requestId;
    if (this.param !== undefined) data.param = this.param;
    if (this.field !== undefined) data.field = this.field;
    if (this.client !== undefined) data.client = this.client;
    // Read here rather than in an override so the fields keep the order they always had.
    if (this instanceof BadOutputError) {
      data.issues = this.issues;
      data.text = this.text;
    }
    if (this.deliveries !== undefined) data.deliveries = this.deliveries;
    if (this.mayHaveReachedUpstream !== undefined) data.mayHaveReachedUpstream = this.mayHaveReachedUpstream;
    return data;
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
