/**
 * The one protocol both sides of the thread boundary speak: the main-thread proxy and the worker's
 * client actor import these types, and nothing else crosses.
 *
 * Lifecycle: the worker boots with {@link WorkerInit} as `workerData`, prepares (cache, hash, breaker)
 * and posts `ready`; only then does the proxy send calls. Calls are correlated by a numeric `id` that
 * the proxy allocates. Errors travel as {@link ErrorData}.
 */

import type { MessagePort } from "node:worker_threads";
import type { ResolvedClientSpec } from "./ClientSpec.js";
import type { EmbedParams, EmbedReply } from "./embedTypes.js";
import type { ErrorCode, ErrorData } from "./errors.js";
import type {
  BreakerState,
  CacheMode,
  FinishReason,
  GenerationParams,
  LimiterSnapshot,
  Reply,
  StreamChunk,
  WireMessage,
} from "./types.js";

/** What the worker is started with (as `workerData`). */
export interface WorkerInit {
  /** The client's resolved spec, API key included: the worker needs it, and it never leaves the worker. */
  client: ResolvedClientSpec;
  /** Breaker state saved by the previous incarnation (cockatiel's `toJSON()`), so a crash keeps it open. */
  breakerState?: unknown;
  /** 0 for the first start, then +1 per restart. */
  incarnation: number;
  /**
   * The worker's end of this incarnation's admin channel (one `MessageChannel` per incarnation):
   * when present, the worker serves {@link AdminApi} on it with comlink before it posts `ready`.
   * A `MessagePort` cannot be cloned: the spawner must put it in the `Worker`'s `transferList`.
   */
  adminPort?: MessagePort;
}

/**
 * The `workerData` of a standby worker: it loads the worker's front (`startWorker.ts`), then waits for
 * its client. `preload` (the warm spare's) also loads the client's parts (`buildClient.ts`) meanwhile,
 * so a restart that takes it builds its client without loading them.
 */
export interface StandbyData {
  standby: true;
  preload?: boolean;
}

/** The one message a warm spare waits for: the client it becomes (with `adminPort` transferred). */
export interface StandbyInit {
  type: "init";
  init: WorkerInit;
}

/** True when `workerData` marks a warm spare. */
export function isStandby(data: unknown): data is StandbyData {
  return typeof data === "object" && data !== null && (data as { standby?: unknown }).standby === true;
}

/** One call as the worker receives it: validated, normalized, free of anything that cannot cross. */
export interface WireRequest {
  messages: WireMessage[];
  params: GenerationParams;
  /** Absolute deadline, epoch milliseconds (`Date.now()` clock, shared by all threads). */
  deadline: number;
  attemptTimeoutMs: number;
  maxRetries: number;
  cache: CacheMode;
  /** Set when the main thread traces this call: the worker then reports each attempt's timing. */
  timing?: true;
  /** The call span's W3C trace context, sent upstream as `traceparent` (telemetry `propagateContext`). */
  traceparent?: string;
  /** The call's own HTTP headers (validated, lower-case names), merged over the client's. */
  headers?: Record<string, string>;
}

/** Extra per-stream settings. */
export interface WireStreamRequest extends WireRequest {
  firstChunkTimeoutMs: number;
  idleTimeoutMs: number;
}

/**
 * One `embed` as the worker receives it: the inputs (non-empty strings, checked at admission) and the
 * same controls as a call. Each input is cached, coalesced and batched on its own (workers/embed/).
 */
export interface WireEmbedRequest {
  inputs: string[];
  params: EmbedParams;
  /** Absolute deadline, epoch milliseconds. */
  deadline: number;
  attemptTimeoutMs: number;
  maxRetries: number;
  cache: CacheMode;
  /** Most inputs per upstream request (the provider's limit when absent). */
  batchSize?: number;
  /** As {@link WireRequest.timing}. */
  timing?: true;
  /** As {@link WireRequest.traceparent}. */
  traceparent?: string;
  /** As {@link WireRequest.headers}. */
  headers?: Record<string, string>;
}

/**
 * An `embed` reply as it crosses: the public {@link EmbedReply}. Its vectors are views over one
 * `ArrayBuffer`, posted in the message's transfer list (moved, not copied: workers/embed/embedReply.ts).
 */
export type WireEmbedReply = EmbedReply;

/** Main thread -> worker. */
export type ToWorker =
  | { type: "call"; id: number; request: WireRequest }
  | { type: "embed"; id: number; request: WireEmbedRequest }
  | { type: "stream"; id: number; request: WireStreamRequest; credit: number }
  /** The consumer took `n` chunks: the worker may send `n` more. */
  | { type: "credit"; id: number; n: number }
  /** Stop working on `id` and tear its upstream request down. No answer is expected. */
  | { type: "cancel"; id: number; reason: "aborted" | "timeout" | "closed" }
  /** Take no new work, let calls in flight finish within `graceMs`, answer `stopped`, then exit. */
  | { type: "stop"; graceMs: number }
  /** Several of the above posted in one turn, in order (see `Outbox`). */
  | { type: "batch"; messages: ToWorker[] };

/** What the worker tells the proxy about one finished call, beside the answer. */
export interface CallMeta {
  /** Upstream attempts made (0 for a cache hit or a coalesced follower). */
  attempts: number;
  /** Codes of failed attempts, in order, when any failed. */
  upstreamErrors?: ErrorCode[];
  /** Entries in the cache after this call. */
  cacheEntries?: number;
  /**
   * Each upstream attempt, and each wait before one (for a mailbox slot, at the rate gate), timed by
   * the worker in the order they happened; only when the request asked (`WireRequest.timing`).
   */
  timings?: UpstreamTiming[];
}

/**
 * One upstream attempt as the worker timed it, for the main thread's attempt spans. Times are epoch
 * milliseconds with sub-millisecond precision (`performance.timeOrigin + performance.now()`), which
 * every thread of the process shares.
 */
export interface AttemptTiming {
  start: number;
  end: number;
  /** The HTTP status, when one arrived. */
  status?: number;
  /** The attempt's failure, when it failed. */
  code?: ErrorCode;
  /** The backoff waited after this attempt before the next one, when it was retried. */
  retryDelayMs?: number;
}

/**
 * A wait before an upstream attempt, as the worker timed it (times as {@link AttemptTiming}'s); only
 * waits that happened are reported.
 */
export interface WaitTiming {
  /** `mailbox`: for a slot (the client's `maxConcurrency`); `rate_limit`: at the client's rate gate. */
  wait: "mailbox" | "rate_limit";
  start: number;
  end: number;
  /**
   * At the rate gate, what held the attempt: `cooling` (a 429's cooldown), `scouting` / `probing` (the
   * answer of the first attempt, or of the probe after a cooldown), `pacing` (the limits' budget).
   */
  gate?: "cooling" | "scouting" | "probing" | "pacing";
}

/** One entry of {@link CallMeta.timings}: an attempt, or a wait (it has `wait`). */
export type UpstreamTiming = AttemptTiming | WaitTiming;

/** A reply as it crosses: the public {@link Reply}. */
export type WireReply = Reply;

/** An external cache store's write-behind counters (see `workers/cache/ResponseCache.ts`). */
export interface CacheWriteStats {
  /** Writes started and not yet finished. */
  pending: number;
  /** Writes dropped because `maxPendingWrites` were pending (in a report: since the last report). */
  dropped: number;
  /** Writes the store rejected (in a report: since the last report). */
  failed: number;
}

/** Events a worker reports on its own (not answers to a call). */
export type WorkerEvent =
  /**
   * The breaker's failure count changed without a state change (cockatiel's `toJSON()`): kept on the
   * main side for the next incarnation, not emitted.
   */
  | { kind: "breaker_count"; snapshot: unknown }
  /** The cache's write counters changed (external stores only); shown in `inspect()`, not emitted. */
  | { kind: "cache"; writes: CacheWriteStats }
  | { kind: "breaker"; state: BreakerState; previous: BreakerState; snapshot: unknown }
  | { kind: "retry"; id: number; attempt: number; delayMs: number; code: ErrorCode; status?: number }
  /** A 429 with a retry hint closed the client's rate gate until `until` (epoch ms). */
  | { kind: "cooldown"; until: number }
  /**
   * The client's rate limiter, when it limits anything and changed: the last message of a batch (see
   * workers/traffic/limiterReport.ts); the proxy mirrors it, nothing is emitted.
   */
  | { kind: "limiter"; snapshot: LimiterSnapshot };

/** Worker -> main thread. */
export type FromWorker =
  | { type: "ready"; threadId: number }
  | { type: "reply"; id: number; reply: WireReply; meta: CallMeta }
  /** The answer to an `embed` (its vectors' buffer transferred with the message). */
  | { type: "embedded"; id: number; reply: WireEmbedReply; meta: CallMeta }
  | { type: "error"; id: number; error: ErrorData; meta: CallMeta }
  /** Stream pieces, in order; each one costs the worker one credit. */
  | { type: "chunk"; id: number; chunks: StreamChunk[] }
  /** The stream finished; `meta` as for `reply`. */
  | { type: "end"; id: number; finishReason: FinishReason; meta: CallMeta }
  | { type: "event"; event: WorkerEvent }
  /** Answer to `stop`: everything drained (or the grace ran out); the worker exits next. */
  | { type: "stopped"; abandoned: number }
  /** Several of the above posted in one turn, in order (see `Outbox`). */
  | { type: "batch"; messages: FromWorker[] };

// ---------------------------------------------------------------------------------------------------
// The admin port: a second, slow-path channel per worker, served with comlink (see docs/admin.md).
// Calls above stay on the hand-rolled protocol; these operations are rare and for operators.

/** What {@link AdminApi.cacheInfo} tells. Never the store's options: they may hold credentials. */
export interface CacheInfo {
  /** False when the client runs without a cache (`cache: false`); the other figures are then 0. */
  enabled: boolean;
  /** Entries in the in-memory LRU (expired ones not yet evicted included); `undefined` for an external store. */
  entries: number | undefined;
  maxEntries: number;
  ttlMs: number;
  /** `"memory"`, `"none"` (cache off), or the module specifier of an external keyv store. */
  store: "memory" | "none" | (string & {});
  /** Store failures and malformed entries seen so far (each read as a miss). */
  errors: number;
}

/** What {@link AdminApi.breaker} tells: the breaker's state as the worker sees it right now. */
export interface BreakerInfo {
  state: BreakerState;
}

/** What {@link AdminApi.mailbox} tells: the worker's mailbox right now. */
export interface MailboxInfo {
  /** Calls holding a slot (talking to upstream). */
  active: number;
  /** Calls waiting for a slot. */
  queued: number;
  maxConcurrency: number;
  maxQueue: number;
}

/**
 * Operations on one client worker's live state, served by the worker on {@link WorkerInit.adminPort}.
 * Failures cross as plain {@link ErrorData} (thrown as a value, so comlink keeps its fields).
 */
export interface AdminApi {
  /**
   * Removes every cache entry; resolves with how many entries were removed (`undefined` for an
   * external store, whose size is not ours to count; 0 when the cache is off).
   */
  clearCache(): Promise<number | undefined>;
  /** The cache's settings and size. */
  cacheInfo(): Promise<CacheInfo>;
  /** The breaker's current state. */
  breaker(): Promise<BreakerInfo>;
  /** The mailbox's occupancy and bounds. */
  mailbox(): Promise<MailboxInfo>;
}
