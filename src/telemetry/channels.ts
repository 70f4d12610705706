/**
 * `node:diagnostics_channel` channels on the main thread, for APM tools that subscribe there (a
 * dspex call's HTTP happens in a worker, where the main thread's undici/http channels see nothing).
 * Payloads are plain objects; none carries an API key, a spec, or message contents. Publishing costs
 * nothing while a channel has no subscriber. The payloads are documented in docs/observability.md.
 */
import diagnostics from "node:diagnostics_channel";
import type { ErrorCode } from "../errors.js";
import type { BreakerState } from "../types.js";

/** What `call`, `stream` and `embed` are called on these channels and in metrics. */
export type OperationKind = "call" | "stream" | "embed";

/** `dspex:call:start`: a call, stream or embedding request began (on a stream, at its first pull). */
export interface CallStartMessage {
  /** A per-process sequence number that ties start, end and error together. */
  id: number;
  client: string;
  operation: OperationKind;
  provider: string;
  model: string;
  /** `performance.now()` at the start. */
  startTime: number;
}

/** `dspex:call:end`: the call answered. */
export interface CallEndMessage extends CallStartMessage {
  durationMs: number;
  /** Served from the client's cache. */
  cached: boolean;
  /** Joined an identical request already in flight (no request of its own). */
  coalesced: boolean;
  /** Upstream attempts made for this call (0 for a hit or a join). */
  attempts: number;
  /** Times the call was delivered again to a restarted worker. */
  redeliveries: number;
  finishReason: string | undefined;
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  /** US dollars, when the reply carries a cost. */
  cost: number | undefined;
}

/** `dspex:call:error`: the call failed. */
export interface CallErrorMessage extends CallStartMessage {
  durationMs: number;
  code: ErrorCode;
  /** The error's message, with every API key of the tree scrubbed. */
  message: string;
  status: number | undefined;
  attempts: number;
  redeliveries: number;
}

/** `dspex:restart`: a client or supervisor is running again after a restart. */
export interface RestartMessage {
  supervisor: string;
  child: string;
  restarts: number;
  delayMs: number;
}

/** `dspex:breaker`: a client's circuit breaker changed state. */
export interface BreakerMessage {
  client: string;
  state: BreakerState;
  previous: BreakerState;
}

/** `dspex:fallback`: a router moved a call from one member to the next. */
export interface FallbackMessage {
  router: string;
  from: string;
  to: string;
  /** Why: the code of the member's failure, or why it was skipped (breaker open, cooldown, restarting). */
  code: string;
}

/** The channels, by name. */
export const channels = {
  callStart: diagnostics.channel("dspex:call:start"),
  callEnd: diagnostics.channel("dspex:call:end"),
  callError: diagnostics.channel("dspex:call:error"),
  restart: diagnostics.channel("dspex:restart"),
  breaker: diagnostics.channel("dspex:breaker"),
  fallback: diagnostics.channel("dspex:fallback"),
} as const;

/** True when anyone listens to a call channel (then calls are timed even without OpenTelemetry). */
export function callChannelsActive(): boolean {
  return (
    channels.callStart.hasSubscribers || channels.callEnd.hasSubscribers || channels.callError.hasSubscribers
  );
}
