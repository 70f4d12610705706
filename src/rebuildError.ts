/**
 * Error rebuilding on the main thread: a worker's plain {@link ErrorData} becomes the class of its
 * code, named after its client, with the API key scrubbed as a last defence (the worker redacts
 * first), the delivery count of the call it settles, and the caller's own stack when one was taken at
 * admission (see `CallerStack.ts`).
 */
import type { CallerStack } from "./CallerStack.js";
import { type AnyDspexError, type ErrorData, errorFromData } from "./errors.js";
import { redact } from "./redact.js";

/** Rebuilds `data` for client `client`; see the module comment. */
export function rebuildError(
  data: ErrorData,
  client: string,
  secret: string | undefined,
  deliveries?: number,
  stack?: CallerStack,
): AnyDspexError {
  const rebuilt: ErrorData = { ...data, message: redact(data.message, secret), client };
  if (data.upstreamCode !== undefined) rebuilt.upstreamCode = redact(data.upstreamCode, secret);
  if (data.requestId !== undefined) rebuilt.requestId = redact(data.requestId, secret);
  if (deliveries !== undefined) rebuilt.deliveries = deliveries;
  const error = errorFromData(rebuilt);
  stack?.applyTo(error);
  return error;
}
