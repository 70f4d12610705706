/**
 * Gemini API embeddings, key in `x-goog-api-key`:
 * - one input: `POST {baseURL}/models/{model}:embedContent` with `{ content: { parts: [{ text }] } }`,
 *   answered `{ embedding: { values } }`;
 * - several: `POST {baseURL}/models/{model}:batchEmbedContents` with `{ requests: [{ model:
 *   "models/{model}", content, ... }] }`, answered `{ embeddings: [{ values }] }` in request order.
 * `dimensions` is sent as `outputDimensionality`; `extra` is merged into each request (`taskType`,
 * `title`). At most 100 requests per batch (the API answers 400 "at most 100 requests can be in one
 * batch"). Gemini reports no token counts for embeddings: usage is 0.
 */
import type { ResolvedClientSpec } from "../../src/ClientSpec.js";
import { BadResponseError } from "../../src/errors.js";
import type { WireEmbedRequest } from "../../src/protocol.js";
import type { EmbedBatch, EmbedProvider } from "./EmbedProvider.js";
import { parseGeminiError } from "./gemini.js";
import { isRecord } from "./geminiFields.js";
import type { UpstreamRequest } from "./Provider.js";
import { requestHeaders, requestUrl } from "./requestParts.js";
import { vectorOf } from "./vectorText.js";

/** Gemini embeddings. */
export const geminiEmbeddings: EmbedProvider = {
  name: "gemini",
  maxInputs: 100,
  maxTokens: undefined,
  buildEmbedRequest: buildGeminiEmbedRequest,
  parseReply: parseGeminiEmbeddings,
  parseError: parseGeminiError,
};

/** Builds `:embedContent` (one input) or `:batchEmbedContents`; see the module comment. */
export function buildGeminiEmbedRequest(
  client: ResolvedClientSpec,
  inputs: readonly string[],
  request: WireEmbedRequest,
): UpstreamRequest {
  const headers = requestHeaders(client, request, {
    "content-type": "application/json",
    accept: "application/json",
  });
  if (client.apiKey !== undefined) headers["x-goog-api-key"] = client.apiKey;
  const name = client.model.replace(/^models\//, "");
  const model = encodeURIComponent(name);
  const one = (text: string): Record<string, unknown> => {
    const item: Record<string, unknown> = { model: `models/${name}`, content: { parts: [{ text }] } };
    if (request.params.dimensions !== undefined) item.outputDimensionality = request.params.dimensions;
    if (request.params.extra !== undefined) Object.assign(item, request.params.extra);
    return item;
  };
  if (inputs.length === 1) {
    return {
      url: requestUrl(client, `/models/${model}:embedContent`),
      headers,
      body: JSON.stringify(one(inputs[0] as string)),
    };
  }
  return {
    url: requestUrl(client, `/models/${model}:batchEmbedContents`),
    headers,
    body: JSON.stringify({ requests: inputs.map(one) }),
  };
}

/** Reads either answer; see the module comment. */
export function parseGeminiEmbeddings(body: unknown): EmbedBatch {
  if (!isRecord(body)) throw bad("the embeddings answer is not a JSON object");
  if (isRecord(body.embedding)) {
    return {
      vectors: [vectorOf(body.embedding.values, "embedding.values", false)],
      promptTokens: 0,
      model: "",
    };
  }
  if (!Array.isArray(body.embeddings)) throw bad("the answer has neither `embedding` nor `embeddings`");
  const vectors = body.embeddings.map((item: unknown, i) => {
    if (!isRecord(item)) throw bad(`embeddings[${i}] is not an object`);
    return vectorOf(item.values, `embeddings[${i}].values`, false);
  });
  return { vectors, promptTokens: 0, model: "" };
}

function bad(message: string): BadResponseError {
  return new BadResponseError({
    code: "ERR_BAD_RESPONSE",
    message: `not a Gemini embeddings answer: ${message}`,
  });
}
