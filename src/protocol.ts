/**
 * The one protocol both sides of the thread boundary speak: the main-thread proxy and the worker's
 * client actor import these types, and nothing else crosses.
 *
 * Lifecycle: the worker boots with {@link WorkerInit} as `workerData`, prepares (cache, hash, breaker)
 * and posts `ready`; only then does the proxy send calls. Calls are correlated by a numeric `id` that
 * the proxy allocates. Errors travel as {@link ErrorData}.
 */

import type { ResolvedClientSpec } from "../supervisor/ChildSpec.js";
import type { ErrorCode, ErrorData } from "./errors.js";
import type {
  BreakerState,
  CacheMode,
  ChatMessage,
  FinishReason,
  GenerationParams,
  Reply,
  StreamChunk,
} from "./types.js";

/** What the worker is started with (as `workerData`). */
export interface WorkerInit {
  /** The client's resolved spec, API key included: the worker needs it, and it never leaves the worker. */
  client: ResolvedClientSpec;
  /** Breaker state saved by the previous incarnation (cockatiel's `toJSON()`), so a crash keeps it open. */
  breakerState?: unknown;
  /** 0 for the first start, then +1 per restart. */
  incarnation: number;
}

/** One call as the worker receives it: validated, normalized, free of anything that cannot cross. */
export interface WireRequest {
  messages: ChatMessage[];
  params: GenerationParams;
  /** Absolute deadline, epoch milliseconds (`Date.now()` clock, shared by all threads). */
  deadline: number;
  attemptTimeoutMs: number;
  maxRetries: number;
  cache: CacheMode;
}

/** Extra per-stream settings. */
export interface WireStreamRequest extends WireRequest {
  firstChunkTimeoutMs: number;
  idleTimeoutMs: number;
}

/** Main thread -> worker. */
export type ToWorker =
  | { type: "call"; id: number; request: WireRequest }
  | { type: "stream"; id: number; request: WireStreamRequest; credit: number }
  /** The consumer took `n` chunks: the worker may send `n` more. */
  | { type: "credit"; id: number; n: number }
  /** Stop working on `id` and tear its upstream request down. No answer is expected. */
  | { type: "cancel"; id: number; reason: "aborted" | "timeout" | "closed" }
  /** Take no new work, let calls in flight finish within `graceMs`, answer `stopped`, then exit. */
  | { type: "stop"; graceMs: number };

/** What the worker tells the proxy about one finished call, beside the answer. */
export interface CallMeta {
  /** Upstream attempts made (0 for a cache hit or a coalesced follower). */
  attempts: number;
  /** Codes of failed attempts, in order, when any failed. */
  upstreamErrors?: ErrorCode[];
  /** Entries in the cache after this call. */
  cacheEntries?: number;
}

/** A reply as it crosses: the public {@link Reply}. */
export type WireReply = Reply;

/** Events a worker reports on its own (not answers to a call). */
export type WorkerEvent =
  | { kind: "breaker"; state: BreakerState; previous: BreakerState; snapshot: unknown }
  | { kind: "retry"; id: number; attempt: number; delayMs: number; code: ErrorCode; status?: number };

/** Worker -> main thread. */
export type FromWorker =
  | { type: "ready"; threadId: number }
  | { type: "reply"; id: number; reply: WireReply; meta: CallMeta }
  | { type: "error"; id: number; error: ErrorData; meta: CallMeta }
  /** Stream pieces, in order; each one costs the worker one credit. */
  | { type: "chunk"; id: number; chunks: StreamChunk[] }
  /** The stream finished; `meta` as for `reply`. */
  | { type: "end"; id: number; finishReason: FinishReason; meta: CallMeta }
  | { type: "event"; event: WorkerEvent }
  /** Answer to `stop`: everything drained (or the grace ran out); the worker exits next. */
  | { type: "stopped"; abandoned: number };

/** Type guard for messages arriving from a worker. */
export function isFromWorker(value: unknown): value is FromWorker {
  return (
    typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string"
  );
}
