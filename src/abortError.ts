/**
 * The error a caller's `AbortSignal` settles a call or stream with. The signal's reason is kept as
 * the error's `cause`; a signal that timed out (`AbortSignal.timeout()`, whose reason is a
 * `TimeoutError` DOMException) gives `ERR_TIMEOUT`, any other abort `ERR_ABORTED`.
 */
import { type DspexErrorByCode, dspexError } from "./errors.js";

/** The error for an abort of client `client`'s call or stream by a signal with `reason`. */
export function abortError(
  client: string,
  what: "call" | "stream",
  reason: unknown,
): DspexErrorByCode["ERR_TIMEOUT" | "ERR_ABORTED"] {
  const fields = { client };
  const options = { cause: reason };
  if (timedOut(reason)) {
    return dspexError("ERR_TIMEOUT", `client "${client}": the ${what}'s signal timed out`, fields, options);
  }
  return dspexError(
    "ERR_ABORTED",
    `client "${client}": the ${what} was aborted by its signal`,
    fields,
    options,
  );
}

/** True for a time-out reason; a reason that cannot be read is an abort like any other. */
function timedOut(reason: unknown): boolean {
  try {
    return typeof reason === "object" && reason !== null && (reason as Error).name === "TimeoutError";
  } catch {
    return false;
  }
}
