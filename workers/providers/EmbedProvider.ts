/**
 * An embeddings wire format: turns a batch of inputs into the vendor's HTTP request and its answer
 * into vectors. One object per vendor; pure functions, no I/O, so each is tested on data. The
 * transport (`http/Transport.ts`) sends what {@link EmbedProvider.buildEmbedRequest} builds and parses
 * the answer with {@link EmbedProvider.parseReply}.
 */
import type { ResolvedClientSpec } from "../../src/ClientSpec.js";
import type { ErrorData } from "../../src/errors.js";
import type { WireEmbedRequest } from "../../src/protocol.js";
import type { ProviderName, RateLimitHeaders } from "../../src/types.js";
import type { ResponseHeaders, UpstreamRequest } from "./Provider.js";

/** The vectors of one upstream batch, in the order of its inputs. */
export interface EmbedBatch {
  vectors: Float32Array[];
  /** Input tokens the vendor counted (0 when it reports none: Gemini). */
  promptTokens: number;
  /** The model that answered, as upstream named it ("" when it does not say). */
  model: string;
  requestId?: string;
  rateLimit?: RateLimitHeaders;
}

/** One vendor's embeddings format. */
export interface EmbedProvider {
  readonly name: ProviderName;
  /** Most inputs the vendor takes in one request. */
  readonly maxInputs: number;
  /** Most input tokens in one request, summed over its inputs (`undefined`: no such limit). */
  readonly maxTokens: number | undefined;
  /** The request for `inputs` (one batch) with the embed's parameters and headers. */
  buildEmbedRequest(
    client: ResolvedClientSpec,
    inputs: readonly string[],
    request: WireEmbedRequest,
  ): UpstreamRequest;
  /** Parses a 2xx JSON body; throws `BadResponseError` when it is not the API's format. */
  parseReply(body: unknown): EmbedBatch;
  /** Maps a non-2xx answer to error data (the chat provider's mapping: vendors share error bodies). */
  parseError(status: number, headers: ResponseHeaders, bodyText: string): ErrorData;
}
