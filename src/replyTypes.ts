/**
 * What a call answers with: the {@link Reply}, its parts (usage, tool calls, reasoning, log
 * probabilities, choices, rate-limit headers, a router's attempts) and a stream's {@link StreamChunk}.
 */

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

/** A reply whose answer validated against the call's `schema`: `parsed` is the schema's output. */
export type ParsedReply<T> = Reply & { parsed: T };

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
