/**
 * The cache key of one embedding input: `dspex:v1:` + XXH64 of a context and the input, where the
 * context is the canonical JSON of everything else that changes the vector: the kind (`embedding`,
 * so no chat key can ever equal one), provider, base URL, model, the parameters (`dimensions`,
 * `extra`) and the answer-changing headers (`src/headers.ts`).
 *
 * The context is made once per request, then each input costs one hash of `context NUL input`: the
 * context is JSON, which escapes every control character, so the first NUL ends it and two different
 * (context, input) pairs never give one text. Nothing secret enters (no field holds the API key).
 */
import type { ResolvedClientSpec } from "../../src/ClientSpec.js";
import type { EmbedParams } from "../../src/embedTypes.js";
import { answerHeaders } from "../../src/headers.js";
import { canonicalText } from "../cache/CacheKey.js";

/** Keys the inputs of one client's embeddings; see the module comment. */
export class EmbedKeys {
  readonly #hash: (text: string) => string;
  readonly #client: Pick<ResolvedClientSpec, "provider" | "baseURL" | "model" | "headers">;

  constructor(
    client: Pick<ResolvedClientSpec, "provider" | "baseURL" | "model" | "headers">,
    hash: (text: string) => string,
  ) {
    this.#client = client;
    this.#hash = hash;
  }

  /** The keyer of one request's inputs (its parameters and headers fixed). */
  forRequest(params: EmbedParams, headers: Record<string, string> | undefined): (input: string) => string {
    const client = this.#client;
    const context = canonicalText({
      kind: "embedding",
      provider: client.provider,
      baseURL: client.baseURL,
      model: client.model,
      params,
      headers: answerHeaders(client.headers, headers),
    });
    const hash = this.#hash;
    return (input) => hash(`${context}\u0000${input}`);
  }
}
