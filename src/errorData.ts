/**
 * Errors as plain data: what crosses a thread (structured clone loses an Error's class and fields) and
 * what a `DspexError`'s `toJSON` gives; rebuilt on the other side from the `code -> class` table in
 * {@link errorFromData}.
 */
import {
  AbortedError,
  type AnyDspexError,
  BadOutputError,
  BadResponseError,
  BudgetExceededError,
  CircuitOpenError,
  ClientUnavailableError,
  ContentFilterError,
  DspexError,
  type DspexErrorByCode,
  HttpError,
  InvalidArgumentError,
  NetworkError,
  QueueFullError,
  RateLimitedError,
  StartFailedError,
  SystemStoppedError,
  TimeoutError,
  UnknownClientError,
  WorkerCrashedError,
} from "./errorClasses.js";
import { defaultMessages, type ErrorCode, ErrorCodes } from "./errorCodes.js";

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
  if (error instanceof DspexError) return error.toJSON();
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
