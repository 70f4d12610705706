/**
 * The public types of dspex: messages, call options, replies, stream chunks, and the specs of a
 * supervision tree. Plain data only: everything here can cross a thread (except {@link SchemaOptions},
 * which stays on the caller's thread).
 */
import type { StandardSchemaV1 } from "@standard-schema/spec";

/** A JSON value: what messages and generation parameters are made of. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

import type { Role } from "./messages.js";

export type {
  AssistantContentPart,
  AssistantMessage,
  AssistantToolCall,
  AudioPart,
  ChatMessage,
  FilePart,
  ImagePart,
  RedactedThinkingPart,
  Role,
  SystemMessage,
  TextPart,
  ThinkingPart,
  ToolMessage,
  UserContentPart,
  UserMessage,
} from "./messages.js";
export type { ClientNames } from "./names.js";

/**
 * A message as it crosses to the worker: any role's fields, validated at run time by
 * `validateMessages` (callers write the stricter {@link ChatMessage}); extra fields ride along.
 */
export interface WireMessage {
  role: Role;
  /** Text, or an array of content parts (`{ type: "text", text }`, ...); `null` for an assistant tool call. */
  content: string | Json[] | null;
  [extra: string]: Json | undefined;
}

/**
 * Parameters that change the answer. Every one of them is part of the cache key.
 * Names are camelCase here; providers translate them to their wire names.
 */
export interface GenerationParams {
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  stop?: string | string[];
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  /** OpenAI `response_format`, passed through. */
  responseFormat?: { [key: string]: Json };
  /** Tool definitions, passed through in the provider's shape. */
  tools?: Json[];
  /** Tool choice, passed through. */
  toolChoice?: Json;
  /**
   * How many answers to generate (OpenAI `n`, Gemini `candidateCount`); they arrive in
   * `reply.choices`. Anthropic and streams reject `n > 1` with `ERR_INVALID_ARGUMENT`.
   */
  n?: number;
  /** Ask for the log probability of each output token (OpenAI-compatible servers); see `reply.logprobs`. */
  logprobs?: boolean;
  /** With `logprobs`: how many most likely alternatives to return per token (0-20). */
  topLogprobs?: number;
  /** Provider-specific body fields, merged into the request body as they are (part of the cache key). */
  extra?: { [key: string]: Json };
}

/** How a call uses the client's cache. */
export type CacheMode = "use" | "skip" | "refresh";

/** Settings that do not change the answer: never part of the cache key. */
export interface CallControls {
  /** Cancels the call: rejects with `ERR_ABORTED` at once and tears the upstream request down. */
  signal?: AbortSignal;
  /** One deadline for the whole call, retries and backoff included (default: the client's `timeoutMs`). */
  timeoutMs?: number;
  /** Deadline of one upstream attempt (default: the client's `attemptTimeoutMs`). */
  attemptTimeoutMs?: number;
  /** Retries after the first attempt (default: the client's `retry.maxRetries`). */
  maxRetries?: number;
  /** `use` (default) reads and writes the cache, `skip` bypasses it, `refresh` fetches and overwrites. */
  cache?: CacheMode;
  /** What a worker crash does to this call (default: the client's `redeliver`); see {@link Redelivery}. */
  redeliver?: Redelivery;
  /**
   * HTTP headers for this call, merged over the client's `headers`. They may not name the credential
   * header (`authorization`, `x-api-key`, `api-key`, `x-goog-api-key`) nor framing headers. Not part
   * of the cache key, except the headers that change the answer (`anthropic-beta`): see
   * docs/providers.md.
   */
  headers?: Record<string, string>;
}

/**
 * What happens to a call whose worker dies before answering (docs/supervision.md, "Delivery
 * guarantees"): `"unanswered"` delivers it again to the restarted worker (at least once upstream: it
 * may be sent, and billed, twice); `"never"` rejects it with `ERR_WORKER_CRASHED` instead (at most once).
 */
export type Redelivery = "unanswered" | "never";

/** The third argument of `call`: generation parameters and call controls. */
export interface CallOptions extends GenerationParams, CallControls {}

/**
 * Structured output (`call` and `stream`): the answer must be JSON valid against `schema`, any Standard Schema
 * (zod 4, valibot, arktype, ...). The schema is turned into JSON Schema on the caller's thread and sent
 * as the response format (so `responseFormat` cannot be set too); the answer is validated there and
 * returned as `reply.parsed` (a stream's last chunk: `chunk.parsed`), or the call rejects (the stream
 * ends) with `ERR_BAD_OUTPUT`. See docs/client.md and docs/streaming.md.
 */
export interface SchemaOptions<S extends StandardSchemaV1 = StandardSchemaV1> {
  schema: S;
  /**
   * The JSON Schema to send instead of converting `schema` (required for a library that offers no
   * conversion: neither `~standard.jsonSchema` nor, for zod, `toJSONSchema`).
   */
  jsonSchema?: { [key: string]: Json };
}

/** A reply whose answer validated against the call's `schema`: `parsed` is the schema's output. */
export type ParsedReply<T> = Reply & { parsed: T };

/** The output type of a Standard Schema (what `reply.parsed` holds). */
export type InferSchemaOutput<S extends StandardSchemaV1> = StandardSchemaV1.InferOutput<S>;

/** Options of `stream`: those of `call`, plus time-outs that only a stream has. */
export interface StreamOptions extends CallOptions {
  /** Longest wait for the first chunk, in ms (default: the client's `stream.firstChunkTimeoutMs`). */
  firstChunkTimeoutMs?: number;
  /** Longest silence between two chunks, in ms (default: the client's `stream.idleTimeoutMs`). */
  idleTimeoutMs?: number;
}

/** Token counts of one answer. */
export interface Usage {
  /** Every input token processed, cached ones included, on every provider (Anthropic's three counts added). */
  promptTokens: number;
  /** Output tokens, reasoning tokens included. */
  completionTokens: number;
  /** The vendor's own total when it sends one (it may exceed the sum: docs/providers.md), else the sum. */
  totalTokens: number;
  /** Prompt tokens read from the vendor's prompt cache (part of `promptTokens`). */
  cachedPromptTokens?: number;
  /** Prompt tokens written to the vendor's prompt cache (part of `promptTokens`; Anthropic). */
  cacheWriteTokens?: number;
  /** Output tokens spent on reasoning (part of `completionTokens`). */
  reasoningTokens?: number;
}

/** Why generation stopped: `stop`, `length`, `tool_calls`, `content_filter`, or a provider's own word. */
export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter" | (string & {});

/** A tool call the model asked for, normalized across providers. */
export interface ToolCall {
  id: string;
  name: string;
  /** The arguments as the JSON text the model wrote. */
  arguments: string;
}

/**
 * One opaque reasoning item a vendor needs back on the next turn, in OpenRouter's `reasoning_details`
 * shape (which OpenRouter itself accepts back as it is). Anthropic thinking blocks are
 * `reasoning.text` with their `signature`, `redacted_thinking` is `reasoning.encrypted`; Gemini thought
 * signatures are `reasoning.encrypted` (with `id` = the tool call they belong to, when they belong to
 * one). `format` names the vendor that made it; a provider sends back only the items in its own format.
 */
export type ReasoningDetail =
  | {
      type: "reasoning.text";
      text: string;
      signature?: string | null;
      format?: string;
      id?: string | null;
      index?: number;
    }
  | { type: "reasoning.encrypted"; data: string; format?: string; id?: string | null; index?: number }
  | { type: "reasoning.summary"; summary: string; format?: string; id?: string | null; index?: number };

/** The log probability of one output token. */
export interface TokenLogprob {
  token: string;
  logprob: number;
  /** UTF-8 bytes of the token, when the vendor sends them. */
  bytes?: number[] | null;
  /** The most likely alternatives at this position (`topLogprobs` of them). */
  topLogprobs?: { token: string; logprob: number; bytes?: number[] | null }[];
}

/** One of several answers (`n > 1`). `reply.text` and its siblings are the first choice's. */
export interface ReplyChoice {
  index: number;
  text: string;
  finishReason: FinishReason;
  toolCalls?: ToolCall[];
  reasoning?: string;
  refusal?: string;
  logprobs?: TokenLogprob[];
}

/** One vendor rate-limit window as its headers described it (see docs/client.md, "Rate limits"). */
export interface RateLimitWindow {
  limit?: number;
  remaining?: number;
  /** Milliseconds from the answer's arrival until the window is full again. */
  resetMs?: number;
}

/**
 * The vendor's rate-limit headers of one answer, parsed: OpenAI `x-ratelimit-*` (requests, tokens),
 * Anthropic `anthropic-ratelimit-*` (requests, tokens, input tokens, output tokens).
 */
export interface RateLimitHeaders {
  requests?: RateLimitWindow;
  tokens?: RateLimitWindow;
  inputTokens?: RateLimitWindow;
  outputTokens?: RateLimitWindow;
}

/** One member a router tried, and how that try ended (`undefined` code: it answered). */
export interface RouteAttempt {
  client: string;
  code?: string;
  /** True when the member was skipped without a try (breaker open, cooling down, restarting). */
  skipped?: boolean;
}

/** What `call` resolves with. */
export interface Reply {
  /** The answer's text. */
  text: string;
  /** True when served from the client's cache. */
  cached: boolean;
  usage: Usage;
  finishReason: FinishReason;
  /** The model that answered, as upstream named it. */
  model: string;
  /** Tool calls, when the model asked for any. */
  toolCalls?: ToolCall[];
  /** The validated answer, when the call passed `schema` (typed by {@link ParsedReply}). */
  parsed?: unknown;
  /**
   * How many times the call was delivered to a worker: 1, or more when a worker died (or was stopped
   * by its supervisor) before answering and the call was delivered again. Set on every reply `call`
   * resolves with.
   */
  deliveries?: number;
  /** The vendor's response id. */
  id?: string;
  /** The model's reasoning text, when the vendor returns it (never part of `text`). */
  reasoning?: string;
  /**
   * Opaque reasoning items the vendor needs back with this assistant turn (signatures, encrypted
   * reasoning). `assistantMessage(reply)` puts them on the message for the next turn.
   */
  reasoningDetails?: ReasoningDetail[];
  /** The model's refusal, when it refused (OpenAI `refusal`; `text` is then usually empty). */
  refusal?: string;
  /** Token log probabilities of the first choice, when the call asked for `logprobs`. */
  logprobs?: TokenLogprob[];
  /** Every choice, when the call asked for `n > 1` (the first one is also the reply's own fields). */
  choices?: ReplyChoice[];
  // --- traffic (issue 12) ---
  /** The vendor's request id (`x-request-id` / `request-id`), when it sent one. */
  requestId?: string;
  /** The vendor's rate-limit headers of the answer, parsed; on a cache hit, those of the fetch that filled it. */
  rateLimit?: RateLimitHeaders;
  /** The name of the client that answered (a router's member, or the client itself). */
  client?: string;
  /** US dollars, when the model's price is known (0 for a cache hit: nothing was spent). */
  cost?: number;
  /** Through a router: the members tried in order, the last one the one that answered. */
  attempts?: RouteAttempt[];
  // --- end traffic ---
}

/**
 * One piece of a streamed answer. `text` and `reasoning` are deltas; the last chunk also carries the
 * reply's other fields (`finishReason`, `usage`, `model`, `toolCalls`, `id`, `refusal`,
 * `reasoningDetails`, `logprobs`).
 */
export interface StreamChunk {
  /** The next piece of text (may be empty on the last chunk). */
  text: string;
  /** The next piece of reasoning text, when the model reasons aloud (never part of `text`). */
  reasoning?: string;
  /** On the last chunk: why generation stopped. */
  finishReason?: FinishReason;
  /** On the last chunk: token counts, when upstream reported them. */
  usage?: Usage;
  /** On the last chunk: the model that answered, as upstream named it. */
  model?: string;
  /** On the last chunk: tool calls the model asked for, when it asked for any. */
  toolCalls?: ToolCall[];
  /** On the last chunk: the vendor's response id. */
  id?: string;
  /** On the last chunk: the whole refusal, when the model refused. */
  refusal?: string;
  /** On the last chunk: opaque reasoning items to send back (see {@link Reply.reasoningDetails}). */
  reasoningDetails?: ReasoningDetail[];
  /** On the last chunk: token log probabilities, when asked for. */
  logprobs?: TokenLogprob[];
  /** On the last chunk: US dollars, when the model's price is known (0 when replayed from the cache). */
  cost?: number;
  /** On the last chunk: the name of the client that answered (a router's member, or the client itself). */
  client?: string;
  /** On the last chunk of a stream with `schema`: the validated answer (the schema's output value). */
  parsed?: unknown;
  /** True when the chunk is replayed from the cache. */
  cached: boolean;
}

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

/** What a client or router has used, as `inspect()` shows it. */
export interface TrafficSnapshot {
  tokens: TokenCounts;
  /** US dollars spent in all (answers whose price was known). */
  cost: number;
  /** With a `budget`: dollars spent in the current window, and left in it. */
  budget?: { usd: number; perMs: number; spent: number; left: number };
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
