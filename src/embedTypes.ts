/**
 * The public types of `system.embed`: its options and its reply. Plain data (vectors are
 * `Float32Array`s, which cross a thread by transfer). See docs/client.md, "Embeddings".
 */
import type { RequestControls } from "./callOptions.js";
import type { Json } from "./json.js";
import type { RouteAttempt } from "./replyTypes.js";

/** Parameters that change the vectors: every one of them is part of each input's cache key. */
export interface EmbedParams {
  /**
   * Length of each vector, for models that can shorten theirs (OpenAI `dimensions`, Gemini
   * `outputDimensionality`).
   */
  dimensions?: number;
  /** Provider-specific body fields, merged into each request body as they are (Gemini: into each request of a batch). */
  extra?: { [key: string]: Json };
}

/** Settings of one `embed` that do not change the vectors: never part of a cache key. */
export interface EmbedControls extends RequestControls {
  /**
   * Most inputs per upstream request (default and upper bound: the provider's limit, 2,048 for
   * OpenAI and Azure, 100 for Gemini). A lower value suits servers with smaller limits.
   */
  batchSize?: number;
}

/** The third argument of `embed`. */
export interface EmbedOptions extends EmbedParams, EmbedControls {}

/** Token counts of one `embed`: the inputs sent upstream for it (cached and joined inputs cost nothing). */
export interface EmbedUsage {
  promptTokens: number;
  totalTokens: number;
}

/** What `embed` resolves with. */
export interface EmbedReply {
  /** One vector per input, in the order of the inputs. */
  vectors: Float32Array[];
  usage: EmbedUsage;
  /** The model that answered, as upstream named it (the client's model when every input was cached). */
  model: string;
  /** How many inputs were served from the cache. */
  cachedInputs: number;
  /** Upstream requests this call made (batches, retries included). */
  requests: number;
  /** The name of the client that answered (a router's member, or the client itself). */
  client?: string;
  /** US dollars, when the model's price is known (0 when nothing was sent). */
  cost?: number;
  /** How many times the request was delivered to a worker (see `Reply.deliveries`). */
  deliveries?: number;
  /** Through a router: the members tried in order, the last one the one that answered. */
  attempts?: RouteAttempt[];
}
