/**
 * The rate gate's refusal: an attempt whose wait at the gate would pass its call's deadline fails at
 * once, before anything is sent, telling the caller when to come back.
 */
import type { ErrorData } from "../../src/errors.js";
import { AttemptFailure } from "../http/AttemptFailure.js";
import { MINUTE_MS } from "./headerWindow.js";

/** A refusal: the wait would pass the deadline (`ERR_RATE_LIMITED` with `retryAfterMs`). */
export function gateRefusal(waitMs: number): AttemptFailure {
  // A wait that never ends (nothing refills) still names a time: the limits are per minute.
  const retryAfterMs = Number.isFinite(waitMs) ? Math.ceil(waitMs) : MINUTE_MS;
  const data: ErrorData = {
    code: "ERR_RATE_LIMITED",
    message: `the client's rate limit would hold this call past its deadline (${retryAfterMs} ms); nothing was sent`,
    retryAfterMs,
  };
  return new AttemptFailure("gated", data);
}
