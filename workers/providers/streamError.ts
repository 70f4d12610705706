/**
 * Errors that arrive inside a 2xx stream: OpenAI's `data: {"error": {...}}` and Anthropic's
 * `event: error`. There is no HTTP status to go by (the status line said 200), so the vendor's error
 * type or code decides the class; the type is kept as `upstreamCode`.
 */
import { type DspexError, dspexError } from "../../src/errors.js";

/** The vendors' error types and the status each stands for (Anthropic's documented list, OpenAI's `server_error`). */
const TYPE_STATUS: Record<string, number> = {
  server_error: 500,
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 529,
};

const RATE_LIMIT_CODES = new Set([
  "rate_limit_exceeded",
  "rate_limit_error",
  "insufficient_quota",
  "tokens",
  "requests",
]);

/**
 * The typed error for an error object found inside a stream (`{ message, type, code }`).
 * `ERR_RATE_LIMITED` for rate-limit types and codes, else `ERR_HTTP` (with the status the vendor's
 * type implies, when it implies one).
 */
export function streamErrorEvent(error: unknown): DspexError {
  const e = typeof error === "object" && error !== null ? (error as Record<string, unknown>) : {};
  const type = typeof e.type === "string" ? e.type : undefined;
  const code = typeof e.code === "string" ? e.code : undefined;
  const upstreamCode = code ?? type;
  const detail = typeof e.message === "string" ? e.message : "no message";
  const message = `upstream sent an error event mid-stream: ${detail}`;
  const fields: { upstreamCode?: string; status?: number } = {};
  if (upstreamCode !== undefined) fields.upstreamCode = upstreamCode;
  if (
    (type !== undefined && RATE_LIMIT_CODES.has(type)) ||
    (code !== undefined && RATE_LIMIT_CODES.has(code))
  ) {
    return dspexError("ERR_RATE_LIMITED", message, { ...fields, status: 429 });
  }
  const status = type === undefined ? undefined : TYPE_STATUS[type];
  if (status !== undefined) fields.status = status;
  return dspexError("ERR_HTTP", message, fields);
}

/** `ERR_BAD_RESPONSE` for an event that is not the API's format. */
export function badStreamEvent(what: string): DspexError {
  return dspexError("ERR_BAD_RESPONSE", `upstream stream: ${what}`);
}
