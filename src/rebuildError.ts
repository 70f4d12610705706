/**
 * Error rebuilding on the main thread: a worker's plain {@link ErrorData} becomes the class of its
 * code, named after its client, with the API key scrubbed from every field, then the message clipped,
 * as a last defence (the worker scrubs first: `scrubError` in redact.ts), the delivery count of the call it settles, and the caller's own stack when one was taken at
 * admission (see `CallerStack.ts`).
 */
import type { CallerStack } from "./CallerStack.js";
import { type AnyDspexError, type ErrorData, errorFromData } from "./errors.js";
import { scrubError } from "./redact.js";

/** Rebuilds `data` for client `client`; see the module comment. */
export function rebuildError(
  data: ErrorData,
  client: string,
  secret: string | undefined,
  deliveries?: number,
  stack?: CallerStack,
): AnyDspexError {
  const rebuilt: ErrorData = { ...scrubError(data, secret), client };
  if (deliveries !== undefined) rebuilt.deliveries = deliveries;
  const error = errorFromData(rebuilt);
  stack?.applyTo(error);
  return error;
}
