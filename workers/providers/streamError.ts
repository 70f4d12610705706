/**
 * Errors that arrive inside a 2xx stream: OpenAI's `data: {"error": {...}}` and Anthropic's
 * `event: error`. There is no HTTP status to go by (the status line said 200), so the vendor's error
 * type or code decides the class; the type is kept as `upstreamCode`.
 */
import { type DspexError, dspexError, type ErrorData } from "../../src/errors.js";
import { errorObjectFields } from "./upstreamError.js";

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
 * The typed error for an error object found inside a stream (`{ message, type, code, param, ... }`,
 * read as `errorObjectFields` reads error bodies). `ERR_RATE_LIMITED` for rate-limit types and codes
 * (and a 429 the event names), else `ERR_HTTP` with the status the event names (OpenRouter's numeric
 * `code`, Groq's `status_code`) or the vendor's type implies. `requestId` is read from `envelope`
 * (the whole event) when the error object has none.
 */
export function streamErrorEvent(error: unknown, envelope?: unknown): DspexError {
  const f = errorObjectFields(error);
  const e = typeof error === "object" && error !== null ? (error as Record<string, unknown>) : {};
  const type = typeof e.type === "string" ? e.type : undefined;
  const code = typeof e.code === "string" ? e.code : undefined;
  const detail = f.message === undefined ? "no message" : f.message;
  const message = `upstream sent an error event mid-stream: ${detail}`;
  const fields: Omit<ErrorData, "code" | "message"> = {};
  if (f.upstreamCode !== undefined) fields.upstreamCode = f.upstreamCode;
  if (f.param !== undefined) fields.param = f.param;
  const requestId =
    f.requestId ??
    (typeof envelope === "object" && envelope !== null
      ? (envelope as { request_id?: unknown }).request_id
      : undefined);
  if (typeof requestId === "string" && requestId !== "") fields.requestId = requestId;
  if (
    f.status === 429 ||
    (type !== undefined && RATE_LIMIT_CODES.has(type)) ||
    (code !== undefined && RATE_LIMIT_CODES.has(code))
  ) {
    return dspexError("ERR_RATE_LIMITED", message, { ...fields, status: 429 });
  }
  const status = f.status ?? (type === undefined ? undefined : TYPE_STATUS[type]);
  if (status !== undefined) fields.status = status;
  return dspexError("ERR_HTTP", message, fields);
}

/** `ERR_BAD_RESPONSE` for an event that is not the API's format. */
export function badStreamEvent(what: string): DspexError {
  return dspexError("ERR_BAD_RESPONSE", `upstream stream: ${what}`);
}

/**
 * An event's data as a JSON object, or `ERR_BAD_RESPONSE` saying what it was instead. Gemini's REST
 * stream may wrap each piece in a one-element array (`unwrapArray`).
 */
export function eventObject(data: string, unwrapArray = false): Record<string, unknown> {
  let payload: unknown;
  try {
    payload = JSON.parse(data);
  } catch {
    throw badStreamEvent("an event whose data is not JSON");
  }
  if (unwrapArray && Array.isArray(payload)) payload = payload[0];
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    throw badStreamEvent("an event whose data is not a JSON object");
  }
  return payload as Record<string, unknown>;
}
