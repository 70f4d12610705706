/**
 * The specs of a supervision tree as the caller writes them: the root ({@link SystemSpec}), supervisors,
 * routers and clients with each client's settings. Defaults and validation live with each node type
 * (src/ClientSpec.ts, src/router/RouterSpec.ts, supervisor/ChildSpec.ts).
 */
import type { Redelivery } from "./callOptions.js";
import type { Json } from "./json.js";

/** OTP restart types. */
export type RestartType = "permanent" | "transient" | "temporary";

/** OTP restart strategies. */
export type Strategy = "one_for_one" | "one_for_all" | "rest_for_one";

/**
 * The providers a client can speak: `openai` (and every OpenAI-compatible server), `anthropic`,
 * `azure` (Azure OpenAI deployments), `gemini` (the Gemini API's generateContent).
 */
export type ProviderName = "openai" | "anthropic" | "azure" | "gemini";

/** Cache settings of a client. */
export interface CacheSettings {
  /** Most entries kept in the in-memory LRU (default 1,000). */
  maxEntries?: number;
  /** Time to live of an entry in ms (default 3,600,000: one hour). */
  ttlMs?: number;
  /**
   * A keyv store instead of the in-memory LRU, built inside the worker: `module` is imported there
   * (`"@keyv/redis"`, a file URL, ...) and its default export constructed with `options`.
   */
  store?: { module: string; options?: Json };
  /**
   * External stores only: most writes in flight at once (default 256). Writes go behind the answer;
   * one beyond this bound is dropped (the entry is not cached) and counted in `inspect()`.
   */
  maxPendingWrites?: number;
}

/** Circuit-breaker settings of a client. */
export interface BreakerSettings {
  /** `consecutive` (default) opens after `failures` failures in a row; `sampling` on a failure rate. */
  kind?: "consecutive" | "sampling";
  /** For `consecutive`: failures in a row that open the breaker (default 5). */
  failures?: number;
  /** For `sampling`: failure rate that opens it (default 0.5). */
  threshold?: number;
  /** For `sampling`: the window in ms (default 10,000). */
  durationMs?: number;
  /** For `sampling`: fewest calls per second before the rate counts (default 5). */
  minimumRps?: number;
  /** First wait before a half-open probe, in ms (default 5,000); doubles while upstream stays down. */
  halfOpenAfterMs?: number;
  /** Longest wait before a probe, in ms (default 60,000). */
  maxHalfOpenAfterMs?: number;
}

/** Retry settings of a client. */
export interface RetrySettings {
  /** Retries after the first attempt (default 2). */
  maxRetries?: number;
  /** First backoff in ms (default 500), doubling, with up to 25 % jitter. */
  initialDelayMs?: number;
  /** Longest backoff in ms (default 8,000). */
  maxDelayMs?: number;
  /** Longest `retry-after` we wait out, in ms (default 60,000); a longer demand fails at once. */
  maxRetryAfterMs?: number;
}

/** Streaming settings of a client. */
export interface StreamSettings {
  /** Longest wait for the first chunk, in ms (default 30,000). */
  firstChunkTimeoutMs?: number;
  /** Longest silence between chunks, in ms (default 30,000). */
  idleTimeoutMs?: number;
  /** Chunks the worker may send ahead of the consumer (default 64). */
  highWaterMark?: number;
}

/** Prices of a model in US dollars per million tokens (a client's `pricing` overrides the catalog's). */
export interface ModelPricing {
  inputPerMTok: number;
  outputPerMTok: number;
  /** Prompt tokens read from the vendor's cache (default: the input price). */
  cachedInputPerMTok?: number;
  /** Prompt tokens written to it (default: the input price). */
  cacheWritePerMTok?: number;
}

/** A spending limit: at most `usd` US dollars in any `perMs` milliseconds (a sliding window). */
export interface BudgetSettings {
  usd: number;
  perMs: number;
}

/** Rate limits of a client (`limits`): calls wait in the mailbox rather than meet a 429. */
export interface ClientLimits {
  /** Requests per minute. */
  rpm?: number;
  /** Tokens (prompt + completion) per minute. */
  tpm?: number;
  /**
   * With no `rpm`/`tpm` set, the client learns its limits from the vendor's headers. With this set, its
   * first request goes alone and the others wait for its answer's headers, at most this many ms, so a
   * burst at start is paced from the first answer on (default 0: every call goes at once).
   */
  firstContactMs?: number;
}

/** A client: one LLM endpoint served by one worker thread. */
export interface ClientSpec {
  type?: "client";
  /** Unique in the whole tree; what `call` addresses. */
  name: string;
  provider: ProviderName;
  model: string;
  /**
   * Never logged, never in an error, event, snapshot or cache key. When absent, the vendor's
   * conventional variable is read at `createSystem` (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`,
   * `GEMINI_API_KEY`, `AZURE_OPENAI_API_KEY`); a vendor's own URL with no key at all is
   * `ERR_INVALID_ARGUMENT`, a custom (proxy, local) URL may go without one.
   */
  apiKey?: string | undefined;
  /**
   * Default: the vendor's (`https://api.openai.com/v1`, `https://api.anthropic.com/v1`,
   * `https://generativelanguage.googleapis.com/v1beta`); Azure has none: its resource URL
   * (`https://NAME.openai.azure.com`) is required.
   */
  baseURL?: string;
  /**
   * HTTP headers sent with every request (`OpenAI-Organization`, `anthropic-beta`, a proxy's own ...).
   * The credential header is the client's `apiKey`'s: naming it here too is `ERR_INVALID_ARGUMENT`.
   */
  headers?: Record<string, string>;
  /** Query parameters added to every request URL (Azure's `api-version`, a proxy's own ...). */
  query?: Record<string, string>;
  /** Default `permanent`. */
  restart?: RestartType;
  /** Upstream requests in flight at once (default 64). */
  maxConcurrency?: number;
  /** Calls waiting beyond `maxConcurrency` before `ERR_QUEUE_FULL` (default 1,024). */
  maxQueue?: number;
  /** Times an unanswered call is delivered again after a crash (default 2). */
  maxRedeliveries?: number;
  /** What a worker crash does to calls in flight (default `"unanswered"`); per call too. See {@link Redelivery}. */
  redeliver?: Redelivery;
  /** Default deadline of a call, in ms (default 60,000). */
  timeoutMs?: number;
  /** Default deadline of one attempt, in ms (default 30,000). */
  attemptTimeoutMs?: number;
  /**
   * Longest upstream answer read, in bytes (default 33,554,432: 32 MiB): a call's body, or a stream's
   * bytes in total. Past it the request is torn down and fails with `ERR_BAD_RESPONSE`. Error bodies
   * (non-2xx) are read up to 64 KiB at most (or this bound, if smaller); the rest is not read.
   */
  maxResponseBytes?: number;
  /** How long a graceful stop waits for calls in flight, in ms (default 5,000). */
  shutdownTimeoutMs?: number;
  /** `false` turns the cache off. */
  cache?: CacheSettings | false;
  /** `false` turns the breaker off. */
  breaker?: BreakerSettings | false;
  retry?: RetrySettings;
  stream?: StreamSettings;
  /** Anthropic only: `max_tokens` when the call does not set `maxTokens` (default 4,096). */
  defaultMaxTokens?: number;
  /** Rate limits: requests and tokens per minute (default: none, learned from the vendor's headers). */
  limits?: ClientLimits;
  /** Prices for `reply.cost`, overriding the catalog's (`@pydantic/genai-prices`). */
  pricing?: ModelPricing;
  /** A spending limit: a call that would exceed it rejects with `ERR_BUDGET_EXCEEDED`, nothing sent. */
  budget?: BudgetSettings;
  /** Passed to the worker thread (`maxOldGenerationSizeMb`, ...). */
  resourceLimits?: {
    maxOldGenerationSizeMb?: number;
    maxYoungGenerationSizeMb?: number;
    stackSizeMb?: number;
  };
}

/** A supervisor: restarts its children by its strategy, within its restart intensity. */
export interface SupervisorSpec {
  type: "supervisor";
  name: string;
  /** Default `one_for_one`. */
  strategy?: Strategy;
  /** With `withinMs`: more than this many restarts in the window makes the supervisor give up (default 3). */
  maxRestarts?: number;
  /** Default 5,000. */
  withinMs?: number;
  /** How its own parent restarts it (default `permanent`). */
  restart?: RestartType;
  children: readonly ChildSpec[];
}

/** How a router picks among its members (see docs/routing.md). */
export type RouterStrategy =
  | "fallback"
  | "round_robin"
  | "weighted"
  | "least_busy"
  | "lowest_latency"
  | "most_headroom";

/**
 * A router: one name over several clients (or routers), addressed by `call` / `stream` like a client.
 * It runs on the main thread, holds no thread of its own, and is never restarted.
 */
export interface RouterSpec {
  type: "router";
  name: string;
  strategy?: RouterStrategy;
  /** Clients or routers, by name; for `fallback`, in the order tried. */
  members: string[];
  /** `weighted` only: one weight per member (default 1 each). */
  weights?: number[];
  /** Members tried (in order) when a member answers "context length exceeded". */
  contextFallbacks?: string[];
  /** A spending limit for the calls routed here. */
  budget?: BudgetSettings;
}

/** A child of a supervisor. */
export type ChildSpec = ClientSpec | SupervisorSpec | RouterSpec;

/** The root of a system: a supervisor without a `type`. */
export interface SystemSpec {
  /** Default `root`. */
  name?: string;
  strategy?: Strategy;
  maxRestarts?: number;
  withinMs?: number;
  children: readonly ChildSpec[];
}
