/**
 * The main thread's mirror of one client's counters and breaker state, kept from what crosses the
 * boundary (answers, their `meta`, worker events) so `inspect()` never has to ask a worker. It lives as
 * long as the client's proxy, across worker incarnations.
 */
import type { ErrorCode } from "./errors.js";
import type { CallMeta, FromWorker, WorkerEvent } from "./protocol.js";
import type { BreakerState, ClientStats } from "./types.js";

/** Counters and breaker state of one client; see the module comment. */
export class StatsMirror {
  /** The counters `inspect()` shows (updated in place). */
  readonly stats: ClientStats = {
    inFlight: 0,
    queued: 0,
    ok: 0,
    errors: {},
    cacheHits: 0,
    cacheMisses: 0,
    cacheEntries: 0,
    retries: 0,
    upstreamErrors: {},
    redelivered: 0,
    cacheWritesPending: 0,
    cacheWritesDropped: 0,
    cacheWritesFailed: 0,
  };
  /** Breaker state as last reported by the worker. */
  breaker: BreakerState;
  /** Last breaker snapshot the worker reported: handed to the next incarnation. */
  breakerSnapshot: unknown;

  constructor(breakerEnabled: boolean) {
    this.breaker = breakerEnabled ? "closed" : "disabled";
  }

  /** One call failed with `code` (whichever side settled it). */
  countError(code: ErrorCode): void {
    const errors = this.stats.errors;
    errors[code] = (errors[code] ?? 0) + 1;
  }

  /** A worker's final answer for a call or stream: outcome, cache hit or miss, upstream failures. */
  account(message: Extract<FromWorker, { type: "reply" | "error" | "end" | "embedded" }>): void {
    const stats = this.stats;
    const meta: CallMeta = message.meta;
    if (message.type === "error") {
      this.countError(message.error.code);
    } else {
      stats.ok++;
      // A stream's `end` carries no reply: a replayed (cached) stream is one that made no attempt.
      // An `embed` is a hit when every one of its inputs was.
      const hit =
        message.type === "reply"
          ? message.reply.cached
          : message.type === "embedded"
            ? message.reply.cachedInputs === message.reply.vectors.length
            : message.meta.attempts === 0;
      if (hit) stats.cacheHits++;
      else stats.cacheMisses++;
    }
    if (meta.cacheEntries !== undefined) stats.cacheEntries = meta.cacheEntries;
    const upstream = meta.upstreamErrors;
    if (upstream !== undefined) {
      const counts = stats.upstreamErrors;
      for (const code of upstream) counts[code] = (counts[code] ?? 0) + 1;
    }
  }

  /** A worker event: breaker changes, retries, cache writes behind answers. */
  event(event: WorkerEvent): void {
    if (event.kind === "breaker") {
      this.breaker = event.state;
      this.breakerSnapshot = event.snapshot;
    } else if (event.kind === "breaker_count") {
      // The failure count moved without a state change: the next incarnation starts from it.
      this.breakerSnapshot = event.snapshot;
    } else if (event.kind === "retry") {
      this.stats.retries++;
    } else if (event.kind === "cache") {
      const { writes } = event;
      // Pending is the worker's current figure; dropped and failed arrive as increments, so the
      // totals survive a restart like the other counters.
      this.stats.cacheWritesPending = writes.pending;
      this.stats.cacheWritesDropped += writes.dropped;
      this.stats.cacheWritesFailed += writes.failed;
    }
  }
}
