/**
 * What every vendor's error answers have in common once the vendor-specific part is read: the code by
 * status (429 is `ERR_RATE_LIMITED`, every other non-2xx `ERR_HTTP`), the message, `retry-after`,
 * the vendor's request id (its header, else the body's `request_id`), its error code and `param`.
 * The transport redacts every field with the API key, then clips the message (`scrubError` in
 * src/redact.ts): clipping here, before redaction, could cut a key in two and leave part of it.
 *
 * {@link errorBodyFields} reads the bodies of OpenAI and the servers that imitate it, Anthropic and
 * Gemini alike: `{"error": {message, type, code, param}}` (code a string, or a number: OpenRouter's
 * `{"code": 400}`, Gemini's `{"code": 400, "status": "INVALID_ARGUMENT"}`), Groq's `status_code`,
 * OpenRouter's real cause in `error.metadata.raw`, Azure's `innererror.code`, and the bare shapes of
 * small servers (`{"error": "text"}`, FastAPI's `{"detail": ...}`, `{"message": ...}`).
 */
import type { ErrorData } from "../../src/errors.js";
import { first, retryAfterMs } from "../http/retryAfter.js";
import type { ResponseHeaders } from "./Provider.js";

/** What a provider read out of an error body. */
export interface ErrorBodyFields {
  message?: string | undefined;
  upstreamCode?: string | undefined;
  param?: string | undefined;
  requestId?: string | undefined;
  /** A status the body names (`status_code`, a numeric `code`), used where there is no HTTP status. */
  status?: number | undefined;
}

/** Builds the error data of a non-2xx answer. `requestIdHeader` is the vendor's request id header. */
export function upstreamError(
  status: number,
  headers: ResponseHeaders,
  fields: ErrorBodyFields,
  requestIdHeader: string,
): ErrorData {
  const { message, upstreamCode } = fields;
  const data: ErrorData = {
    code: status === 429 ? "ERR_RATE_LIMITED" : "ERR_HTTP",
    message: `upstream answered ${status}${message === undefined ? "" : `: ${message}`}`,
    status,
  };
  if (upstreamCode !== undefined) data.upstreamCode = upstreamCode;
  if (fields.param !== undefined) data.param = fields.param;
  const wait = retryAfterMs(headers);
  if (wait !== undefined) data.retryAfterMs = wait;
  const requestId = first(headers[requestIdHeader]) ?? fields.requestId;
  if (requestId !== undefined) data.requestId = requestId;
  return data;
}

/** Reads an error body's text; see the module comment. Never throws. */
export function errorBodyFields(bodyText: string): ErrorBodyFields {
  const parsed = parseJsonBody(bodyText);
  if (parsed === undefined) {
    const trimmed = bodyText.trim();
    return trimmed === "" ? {} : { message: trimmed };
  }
  const root = Array.isArray(parsed) ? parsed[0] : parsed; // Gemini has sent `[{"error": ...}]`
  if (!isRecord(root)) return {};
  const out = errorObjectFields(root.error);
  if (out.message === undefined) out.message = text(root.message) ?? detail(root.detail);
  out.requestId ??= text(root.request_id) ?? text(root.requestId);
  return out;
}

/** Reads one vendor error object (`{message, type, code, param, ...}`); a string is its message. */
export function errorObjectFields(error: unknown): ErrorBodyFields {
  if (typeof error === "string") return { message: error };
  if (!isRecord(error)) return {};
  const out: ErrorBodyFields = {};
  let message = text(error.message);
  const raw = isRecord(error.metadata) ? error.metadata.raw : undefined;
  const cause = rawCause(raw);
  if (cause !== undefined) {
    const provider = isRecord(error.metadata) ? text(error.metadata.provider_name) : undefined;
    message = `${message ?? "provider error"} (${provider === undefined ? "" : `${provider}: `}${cause})`;
  }
  out.message = message;
  const inner = isRecord(error.innererror) ? text(error.innererror.code) : undefined;
  // A string code names the error best; a numeric one is a status, so the type (or Gemini's status word) says more.
  const code = error.code;
  out.upstreamCode =
    typeof code === "string"
      ? code
      : (text(error.type) ??
        text(error.status) ??
        inner ??
        (typeof code === "number" ? String(code) : undefined));
  const status = typeof code === "number" ? code : error.status_code;
  if (typeof status === "number" && status >= 100 && status <= 599) out.status = status;
  if (typeof error.param === "string" && error.param !== "") out.param = error.param;
  out.requestId = text(error.request_id);
  return out;
}

/** OpenRouter's `metadata.raw`: the upstream provider's own body (JSON whose message we prefer) or text. */
function rawCause(raw: unknown): string | undefined {
  if (typeof raw !== "string" || raw.trim() === "") return undefined;
  const parsed = parseJsonBody(raw);
  if (isRecord(parsed)) {
    const inner = errorObjectFields(parsed.error);
    if (inner.message !== undefined) return inner.message;
    const m = text(parsed.message);
    if (m !== undefined) return m;
  }
  return raw.trim();
}

/** FastAPI's `detail`: text, or a list of `{msg}` objects. */
function detail(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    const msgs = value.map((d) => (isRecord(d) ? text(d.msg) : undefined)).filter((m) => m !== undefined);
    return msgs.length === 0 ? undefined : msgs.join("; ");
  }
  return undefined;
}

/** The body as JSON, or `undefined` when it is not JSON. */
export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function text(value: unknown): string | undefined {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number") return String(value);
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
