/**
 * What a call carries besides its messages: the generation parameters (part of the cache key), the
 * controls (not), the `schema` of structured output, and the time-outs only a stream has. Plain data
 * that crosses to the worker, except {@link SchemaOptions}, which stays on the caller's thread.
 */
import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { Json } from "./json.js";

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

/**
 * Settings of one request (`call`, `stream`, `embed`) that do not change the answer: never part of a
 * cache key. Each request type extends them ({@link CallControls}, `EmbedControls`).
 */
export interface RequestControls {
  /** Cancels the request: rejects with `ERR_ABORTED` at once and tears its upstream requests down. */
  signal?: AbortSignal;
  /** One deadline for the whole request, retries and backoff included (default: the client's `timeoutMs`). */
  timeoutMs?: number;
  /** Deadline of one upstream attempt (default: the client's `attemptTimeoutMs`). */
  attemptTimeoutMs?: number;
  /** Retries of an upstream request after its first attempt (default: the client's `retry.maxRetries`). */
  maxRetries?: number;
  /** `use` (default) reads and writes the cache, `skip` bypasses it, `refresh` fetches and overwrites. */
  cache?: CacheMode;
  /** What a worker crash does to this request (default: the client's `redeliver`); see {@link Redelivery}. */
  redeliver?: Redelivery;
  /**
   * HTTP headers for this request, merged over the client's `headers`. They may not name the credential
   * header (`authorization`, `x-api-key`, `api-key`, `x-goog-api-key`) nor framing headers. Not part
   * of the cache key, except the headers that change the answer (`anthropic-beta`): see
   * docs/providers.md.
   */
  headers?: Record<string, string>;
}

/** Settings of a call that do not change the answer: never part of the cache key. */
export interface CallControls extends RequestControls {}

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

/** The output type of a Standard Schema (what `reply.parsed` holds). */
export type InferSchemaOutput<S extends StandardSchemaV1> = StandardSchemaV1.InferOutput<S>;

/** Options of `stream`: those of `call`, plus time-outs that only a stream has. */
export interface StreamOptions extends CallOptions {
  /** Longest wait for the first chunk, in ms (default: the client's `stream.firstChunkTimeoutMs`). */
  firstChunkTimeoutMs?: number;
  /** Longest silence between two chunks, in ms (default: the client's `stream.idleTimeoutMs`). */
  idleTimeoutMs?: number;
}
