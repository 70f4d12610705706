/**
 * What `inspect()` shows: a snapshot of the tree, node by node, with each client's counters, rate
 * limiter and traffic and each router's counters.
 */
import type { ProviderName, RouterStrategy, Strategy } from "./specTypes.js";

/** The status of a node in the tree. */
export type NodeStatus = "starting" | "running" | "restarting" | "stopped" | "failed";

/** The circuit-breaker states. */
export type BreakerState = "closed" | "open" | "half_open" | "isolated" | "disabled";

/** Counters of one client, as `inspect()` shows them. */
export interface ClientStats {
  /** Calls sent to the worker and not yet answered. */
  inFlight: number;
  /** Calls held on the main thread while the worker (re)starts. */
  queued: number;
  /** Calls answered with a reply. */
  ok: number;
  /** Calls that failed, by code. */
  errors: Partial<Record<string, number>>;
  cacheHits: number;
  cacheMisses: number;
  /** Entries in the cache, as of the worker's last report. */
  cacheEntries: number;
  /** Upstream retries made. */
  retries: number;
  /** Upstream attempt failures, by code. */
  upstreamErrors: Partial<Record<string, number>>;
  /** Calls delivered again to a restarted worker. */
  redelivered: number;
  /** External cache store: writes in flight behind their answers, as of the worker's last report. */
  cacheWritesPending: number;
  /** External cache store: writes dropped because `cache.maxPendingWrites` were in flight. */
  cacheWritesDropped: number;
  /** External cache store: writes the store failed. */
  cacheWritesFailed: number;
}

/** Tokens by kind, summed over a client's upstream answers. */
export interface TokenCounts {
  /** Every prompt token processed (cached ones included). */
  input: number;
  /** Prompt tokens read from the vendor's prompt cache. */
  cachedInput: number;
  /** Prompt tokens written to it. */
  cacheWrite: number;
  output: number;
  /** Output tokens spent on reasoning. */
  reasoning: number;
}

/** What a client or router has used, as `inspect()` shows it. */
export interface TrafficSnapshot {
  tokens: TokenCounts;
  /** US dollars spent in all (answers whose price was known). */
  cost: number;
  /** With a `budget`: dollars spent in the current window, and left in it. */
  budget?: { usd: number; perMs: number; spent: number; left: number };
}

/** A client's rate limiter as `inspect()` shows it (see docs/client.md, "Rate limits"). */
export interface LimiterSnapshot {
  /** `configured` (`limits`), `learned` (from the vendor's headers), or `none` (nothing known yet). */
  source: "configured" | "learned" | "none";
  /** The request rate it paces to, per minute. */
  rpm?: number;
  /** The token rate it paces to, per minute. */
  tpm?: number;
  /** Requests that may go now (the budget left). */
  requestsLeft?: number;
  requestsCapacity?: number;
  /** Tokens that may go now. */
  tokensLeft?: number;
  tokensCapacity?: number;
  /** Calls waiting for the limit (in the worker's gate). */
  waiting: number;
  /** Epoch ms: after a 429 with a retry hint, nothing is sent before this (then one probe goes first). */
  cooldownUntil?: number;
}

/** A node of `inspect()`'s snapshot. */
export interface NodeSnapshot {
  name: string;
  type: "supervisor" | "client" | "router";
  status: NodeStatus;
  restarts: number;
  /** Supervisors: their restart strategy; routers: their routing strategy. */
  strategy?: Strategy | RouterStrategy;
  /** Supervisors only. */
  children?: NodeSnapshot[];
  /** Clients only: the worker's thread id (`-1` while none runs). */
  threadId?: number;
  /** Clients only. */
  breaker?: BreakerState;
  /** Clients only. */
  provider?: ProviderName;
  /** Clients only. */
  model?: string;
  /** Clients only. */
  stats?: ClientStats;
  /** Clients only: the rate limiter as the worker last reported it. */
  limiter?: LimiterSnapshot;
  /** Clients and routers: tokens by kind, cost, budget. */
  traffic?: TrafficSnapshot;
  /** Routers only: the members, in order. */
  members?: string[];
  /** Routers only: calls routed, fallbacks made, and how routed calls ended. */
  routing?: RouterStats;
}

/** A router's counters, as `inspect()` shows them. */
export interface RouterStats {
  calls: number;
  ok: number;
  /** Moves from one member to the next. */
  fallbacks: number;
  /** Calls that failed after every member tried, by code. */
  errors: Partial<Record<string, number>>;
  /** Answers by member. */
  answeredBy: Partial<Record<string, number>>;
}
