/**
 * What both vendors' error answers have in common once the vendor-specific part (where the message
 * and code sit in the body) is read: the code by status (429 is `ERR_RATE_LIMITED`, every other
 * non-2xx `ERR_HTTP`), the message, `retry-after`, and the vendor's request id header.
 * The transport redacts every field with the API key, then clips the message (`scrubError` in
 * src/redact.ts): clipping here, before redaction, could cut a key in two and leave part of it.
 */
import type { ErrorData } from "../../src/errors.js";
import { first, retryAfterMs } from "../http/retryAfter.js";
import type { ResponseHeaders } from "./Provider.js";

/** What a provider read out of an error body. */
export interface ErrorBodyFields {
  message?: string | undefined;
  upstreamCode?: string | undefined;
}

/** Builds the error data of a non-2xx answer. `requestIdHeader` is the vendor's request id header. */
export function upstreamError(
  status: number,
  headers: ResponseHeaders,
  { message, upstreamCode }: ErrorBodyFields,
  requestIdHeader: string,
): ErrorData {
  const data: ErrorData = {
    code: status === 429 ? "ERR_RATE_LIMITED" : "ERR_HTTP",
    message: `upstream answered ${status}${message === undefined ? "" : `: ${message}`}`,
    status,
  };
  if (upstreamCode !== undefined) data.upstreamCode = upstreamCode;
  const wait = retryAfterMs(headers);
  if (wait !== undefined) data.retryAfterMs = wait;
  const requestId = first(headers[requestIdHeader]);
  if (requestId !== undefined) data.requestId = requestId;
  return data;
}

/** The body as JSON, or `undefined` when it is not JSON. */
export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
