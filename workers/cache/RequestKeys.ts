/**
 * The cache key of a call or a stream: the client's identity (provider, endpoint, model) with the
 * request's messages, parameters and answer-changing headers (`src/headers.ts`), through the worker's {@link CacheKeyer}. Calls and streams use
 * the same instance, so a stream and a call share entries.
 *
 * One key input object is reused for every request (keying is synchronous): a fresh literal per miss
 * showed in the miss path's profile. It holds no reference to a request once its key is made.
 */
import type { ResolvedClientSpec } from "../../src/ClientSpec.js";
import { answerHeaders } from "../../src/headers.js";
import type { GenerationParams, WireMessage } from "../../src/types.js";
import type { CacheKeyer, CacheKeyInput } from "./CacheKey.js";

const NO_MESSAGES: WireMessage[] = [];
const NO_PARAMS: GenerationParams = {};

/** Keys requests of one client; see the module comment. */
export class RequestKeys {
  readonly #keyer: CacheKeyer;
  readonly #input: CacheKeyInput;
  readonly #clientHeaders: Record<string, string> | undefined;

  constructor(
    client: Pick<ResolvedClientSpec, "provider" | "baseURL" | "model" | "headers">,
    keyer: CacheKeyer,
  ) {
    this.#keyer = keyer;
    this.#clientHeaders = client.headers;
    this.#input = {
      provider: client.provider,
      baseURL: client.baseURL,
      model: client.model,
      messages: NO_MESSAGES,
      params: NO_PARAMS,
      headers: undefined,
    };
  }

  /** The key of `request`. Throws what the keyer throws (input it cannot serialize). */
  keyOf(request: {
    messages: WireMessage[];
    params: GenerationParams;
    headers?: Record<string, string> | undefined;
  }): string {
    const input = this.#input;
    input.messages = request.messages;
    input.params = request.params;
    input.headers = answerHeaders(this.#clientHeaders, request.headers);
    try {
      return this.#keyer(input);
    } finally {
      input.messages = NO_MESSAGES;
      input.params = NO_PARAMS;
      input.headers = undefined;
    }
  }
}
