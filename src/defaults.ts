/**
 * Every default and every timing constant of dspex, in one table.
 *
 * This module is shared by all three folders (`src/`, `supervisor/`, `workers/`) and imports nothing
 * but types, so any of them can take it without an import cycle. Change a figure here and nowhere else.
 *
 * | entry | value | meaning |
 * | --- | --- | --- |
 * | `supervisor.strategy` | `one_for_one` | which siblings restart with a dead child |
 * | `supervisor.maxRestarts` / `withinMs` | 3 / 5,000 | restart intensity: more restarts in the window = give up |
 * | `supervisor.restart`, `client.restart` | `permanent` | `transient`: not after a normal exit; `temporary`: never |
 * | `client.maxConcurrency` | 64 | upstream requests in flight per client |
 * | `client.maxQueue` | 1,024 | calls waiting beyond that, then `ERR_QUEUE_FULL` |
 * | `client.maxRedeliveries` | 2 | deliveries of an unanswered call to restarted workers, then `ERR_WORKER_CRASHED` |
 * | `client.redeliver` | `unanswered` | `never`: a call cut by a crash rejects with `ERR_WORKER_CRASHED` (at most once) |
 * | `client.timeoutMs` / `attemptTimeoutMs` | 60,000 / 30,000 | call and attempt deadlines |
 * | `client.shutdownTimeoutMs` | 5,000 | graceful stop before the thread is terminated |
 * | `client.defaultMaxTokens` | 4,096 | Anthropic only: `max_tokens` when a call sets none |
 * | `client.maxResponseBytes` | 32 MiB | longest upstream answer read (a stream's bytes in total) |
 * | `client.maxErrorBodyBytes` | 64 KiB | longest error (non-2xx) body read; not a setting |
 * | `cache.maxPendingWrites` | 256 | external-store writes queued behind answers; beyond, a write is dropped |
 * | `baseURL.*` | the vendors' | the endpoint when a client sets none (Azure: none, required) |
 * | `apiKeyEnv.*` | `OPENAI_API_KEY`, ... | the variable read when a client has no `apiKey` |
 * | `cache.maxEntries` / `ttlMs` | 1,000 / 1 h | in-memory LRU size and time to live |
 * | `breaker.*` | consecutive, 5 failures | see docs/client.md |
 * | `retry.*` | 2 retries, 500 ms doubling to 8 s | see docs/client.md |
 * | `stream.firstChunkTimeoutMs` / `idleTimeoutMs` | 30,000 / 30,000 | stall timers of a stream |
 * | `stream.highWaterMark` | 64 | chunks the worker may send ahead of the consumer |
 * | `system.warmSpare` | `false` | `createSystem` option: keep one standby thread for restarts (docs/decisions.md) |
 *
 * `internal` holds what no spec sets:
 *
 * | entry | value | meaning |
 * | --- | --- | --- |
 * | `restartBackoffBaseMs` | 10 | delay before the second restart in a window; doubles from there |
 * | `restartBackoffMaxMs` | 500 | the longest delay between restart attempts |
 * | `maxSpecDepth` | 64 | supervisors nested deeper than this are refused (`ERR_INVALID_ARGUMENT`) |
 * | `startTimeoutMs` | 15,000 | a worker that has not said "ready" by then failed to start |
 * | `stopMarginMs` | 1,000 | extra wait after `shutdownTimeoutMs` for the worker's own "stopped" |
 * | `adminTimeoutMs` | 10,000 | an admin operation unanswered by then rejects |
 * | `bodyHighWaterMarkBytes` | 64 KiB | undici's body buffer before it pauses the socket (streams) |
 * | `priceCatalogIdleMs` | 10,000 | the price catalog's thread ends after this long without a lookup |
 */
import type { ProviderName, Redelivery, RestartType, Strategy } from "./types.js";

/** Every default of the tree, of each client, and every timing constant, in one constant. */
export const DEFAULTS = {
  supervisor: {
    strategy: "one_for_one" as Strategy,
    maxRestarts: 3,
    withinMs: 5_000,
    restart: "permanent" as RestartType,
  },
  client: {
    restart: "permanent" as RestartType,
    maxConcurrency: 64,
    maxQueue: 1_024,
    maxRedeliveries: 2,
    redeliver: "unanswered" as Redelivery,
    timeoutMs: 60_000,
    attemptTimeoutMs: 30_000,
    shutdownTimeoutMs: 5_000,
    defaultMaxTokens: 4_096,
    /** Longest upstream answer read (a call's body; a stream's bytes in total): 32 MiB. */
    maxResponseBytes: 32 * 1024 * 1024,
    /** Longest error (non-2xx) body read, whatever `maxResponseBytes` says when it is larger: 64 KiB. */
    maxErrorBodyBytes: 64 * 1024,
  },
  /** Azure has none: its resource URL is the user's. */
  baseURL: {
    openai: "https://api.openai.com/v1",
    anthropic: "https://api.anthropic.com/v1",
    gemini: "https://generativelanguage.googleapis.com/v1beta",
  } as Partial<Record<ProviderName, string>>,
  /** The variable read when a client has no `apiKey`. */
  apiKeyEnv: {
    openai: "OPENAI_API_KEY",
    anthropic: "ANTHROPIC_API_KEY",
    gemini: "GEMINI_API_KEY",
    azure: "AZURE_OPENAI_API_KEY",
  } as Record<ProviderName, string>,
  cache: { maxEntries: 1_000, ttlMs: 3_600_000, maxPendingWrites: 256 },
  breaker: {
    kind: "consecutive" as "consecutive" | "sampling",
    failures: 5,
    threshold: 0.5,
    durationMs: 10_000,
    minimumRps: 5,
    halfOpenAfterMs: 5_000,
    maxHalfOpenAfterMs: 60_000,
  },
  retry: { maxRetries: 2, initialDelayMs: 500, maxDelayMs: 8_000, maxRetryAfterMs: 60_000 },
  stream: { firstChunkTimeoutMs: 30_000, idleTimeoutMs: 30_000, highWaterMark: 64 },
  /**
   * The rate gate (workers/traffic/RateGate.ts): with `limits.firstContactMs` set, while a client knows
   * nothing of its limits its first request goes alone and the others wait for its answer's headers,
   * at most that long. Off by default: a client's calls run concurrently from the first one.
   */
  limits: { firstContactMs: 0 },
  /** Options of `createSystem` that are not part of the tree. */
  system: { warmSpare: false as boolean },
  /** Constants no spec sets: the library's own timers and bounds. */
  internal: {
    restartBackoffBaseMs: 10,
    restartBackoffMaxMs: 500,
    maxSpecDepth: 64,
    startTimeoutMs: 15_000,
    stopMarginMs: 1_000,
    adminTimeoutMs: 10_000,
    bodyHighWaterMarkBytes: 65_536,
    priceCatalogIdleMs: 10_000,
  },
} as const;
