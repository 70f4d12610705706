/**
 * One upstream attempt through the rate gate: wait for the gate (or be refused by it), make the
 * attempt, then tell the gate how it went: the tokens really used, a 429's retry hint (cooldown), the
 * limits the answer's headers described. Calls and streams both go through here.
 */
import type { UpstreamTiming } from "../../src/protocol.js";
import type { RateLimitHeaders, Reply } from "../../src/types.js";
import type { CancelSignal } from "../Cancellation.js";
import { AttemptFailure } from "../http/AttemptFailure.js";
import type { HeaderObserver } from "../http/Transport.js";
import { preciseNow } from "../resilience/RetryPolicy.js";
import type { RateGate } from "./RateGate.js";

const CANCELLED = (): AttemptFailure =>
  new AttemptFailure("aborted", { code: "ERR_ABORTED", message: "the call was cancelled" });

/**
 * Runs `attempt` once the gate lets it through. `settle` reads the tokens a success really used
 * (`undefined`: keep the estimate); `ticket` is the attempt's at the gate, for
 * {@link RateGate.learn}. With `timings` (a traced call's), a wait at the gate is timed into it.
 */
export async function passGate<T>(
  gate: RateGate,
  tokens: number,
  deadline: number,
  signal: CancelSignal | undefined,
  attempt: () => Promise<T>,
  settle: (value: T, ticket: number) => number | undefined,
  timings?: UpstreamTiming[],
): Promise<T> {
  const admitted = gate.admit(tokens, deadline, signal);
  let ticket: number;
  if (typeof admitted === "number") ticket = admitted;
  else {
    const start = timings === undefined ? 0 : preciseNow();
    const held = gate.state.kind;
    try {
      ticket = await admitted;
    } catch (error) {
      throw error instanceof AttemptFailure ? error : CANCELLED();
    } finally {
      timings?.push({
        wait: "rate_limit",
        gate: held === "cooling" || held === "scouting" || held === "probing" ? held : "pacing",
        start,
        end: preciseNow(),
      });
    }
  }
  let used: number | undefined;
  try {
    const value = await attempt();
    used = settle(value, ticket) ?? tokens;
    return value;
  } catch (error) {
    // A quota 429 is about money, not load: waiting does not help, so no cooldown.
    if (
      error instanceof AttemptFailure &&
      error.data.status === 429 &&
      error.data.upstreamCode !== "insufficient_quota"
    )
      gate.rateLimited(error.data.retryAfterMs);
    throw error;
  } finally {
    gate.done(ticket, tokens, used);
  }
}

/**
 * `settle` for a call's reply (its attempt's `ticket` at the gate): learn from its headers; the tokens
 * it used (its estimate when the headers already counted them).
 */
export function settleReply(gate: RateGate, reply: Reply, estimated: number, ticket: number): number {
  if (reply.rateLimit !== undefined && gate.learn(reply.rateLimit, ticket)) return estimated;
  return reply.usage.totalTokens;
}

/**
 * `settle` for a stream (its usage comes at its end, after the gate is done with the attempt): learn
 * from the headers of its answer; the estimate stands for the tokens.
 */
export function settleStream(
  gate: RateGate,
  rateLimit: RateLimitHeaders | undefined,
  ticket?: number,
): undefined {
  if (rateLimit !== undefined) gate.learn(rateLimit, ticket);
  return undefined;
}

/**
 * The transport's observer that teaches `gate` from a non-2xx answer's headers (a 429's limits); a
 * 2xx answer's headers are read with the answer, in `settle`.
 */
export function gateObserver(gate: RateGate): HeaderObserver {
  return (status, info) => {
    if (status >= 300 && info?.rateLimit !== undefined) gate.learn(info.rateLimit);
  };
}
