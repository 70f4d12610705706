/**
 * OpenAI embeddings (`POST {baseURL}/embeddings`), spoken to any compatible endpoint, and Azure
 * OpenAI's (`/openai/deployments/{deployment}/embeddings?api-version=...`, key in `api-key`).
 *
 * Body: `{ model, input: [...], encoding_format: "base64", dimensions? }`, then `extra` merged last
 * (`{ encoding_format: "float" }` for a server that knows no base64; `user`, ...). base64 is what the
 * official SDKs ask for: a quarter of the bytes and no number parsing (see `vectorText.ts`).
 * Limits: 2,048 inputs and 300,000 tokens summed over the inputs of one request (OpenAI's API
 * reference, `input`); Azure deployments of the text-embedding-3 models take the same 2,048.
 * Answer: `{ data: [{ index, embedding }], model, usage: { prompt_tokens, total_tokens } }`; vectors
 * are placed by `index` (the API does not promise order).
 */
import type { ResolvedClientSpec } from "../../src/ClientSpec.js";
import { BadResponseError } from "../../src/errors.js";
import type { WireEmbedRequest } from "../../src/protocol.js";
import { AZURE_API_VERSION, parseAzureError } from "./azure.js";
import type { EmbedBatch, EmbedProvider } from "./EmbedProvider.js";
import { parseOpenAIError } from "./openai.js";
import { requestHeaders, requestUrl } from "./requestParts.js";
import { vectorOf } from "./vectorText.js";

/** OpenAI's per-request limits (API reference, embeddings `input`). */
const MAX_INPUTS = 2048;
const MAX_TOKENS = 300_000;

/** OpenAI (and every compatible server) embeddings. */
export const openaiEmbeddings: EmbedProvider = {
  name: "openai",
  maxInputs: MAX_INPUTS,
  maxTokens: MAX_TOKENS,
  buildEmbedRequest(client, inputs, request) {
    const headers = embedHeaders(client, request);
    if (client.apiKey !== undefined) headers.authorization = `Bearer ${client.apiKey}`;
    return {
      url: requestUrl(client, "/embeddings"),
      headers,
      body: openaiEmbedBody(client.model, inputs, request),
    };
  },
  parseReply: parseOpenAIEmbeddings,
  parseError: parseOpenAIError,
};

/** Azure OpenAI embeddings: the URL rules of `azure.ts`, with `/embeddings` at the end. */
export const azureEmbeddings: EmbedProvider = {
  name: "azure",
  maxInputs: MAX_INPUTS,
  maxTokens: MAX_TOKENS,
  buildEmbedRequest(client, inputs, request) {
    const headers = embedHeaders(client, request);
    if (client.apiKey !== undefined) headers["api-key"] = client.apiKey;
    return { url: azureEmbedUrl(client), headers, body: openaiEmbedBody(client.model, inputs, request) };
  },
  parseReply: parseOpenAIEmbeddings,
  parseError: parseAzureError,
};

function embedHeaders(client: ResolvedClientSpec, request: WireEmbedRequest): Record<string, string> {
  return requestHeaders(client, request, { "content-type": "application/json", accept: "application/json" });
}

/** The JSON body of one batch; see the module comment. */
export function openaiEmbedBody(model: string, inputs: readonly string[], request: WireEmbedRequest): string {
  const body: Record<string, unknown> = { model, input: inputs, encoding_format: "base64" };
  const p = request.params;
  if (p.dimensions !== undefined) body.dimensions = p.dimensions;
  if (p.extra !== undefined) Object.assign(body, p.extra);
  return JSON.stringify(body);
}

/** Azure's embeddings URL for a client (a resource, a deployment, or the v1 API; see `azure.ts`). */
export function azureEmbedUrl(client: ResolvedClientSpec): string {
  const path = new URL(client.baseURL).pathname;
  if (/\/openai\/v1$/.test(path)) return requestUrl(client, "/embeddings");
  const deployment = /\/openai\/deployments\/[^/]+$/.test(path)
    ? ""
    : `/openai/deployments/${encodeURIComponent(client.model)}`;
  return requestUrl(client, `${deployment}/embeddings`, { "api-version": AZURE_API_VERSION });
}

/** Reads an OpenAI embeddings answer; see the module comment. */
export function parseOpenAIEmbeddings(body: unknown): EmbedBatch {
  if (!isRecord(body) || !Array.isArray(body.data)) throw bad("the answer has no `data` array");
  const data = body.data;
  const vectors: Float32Array[] = new Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const item: unknown = data[i];
    if (!isRecord(item)) throw bad(`data[${i}] is not an object`);
    const index = typeof item.index === "number" ? item.index : i;
    if (!Number.isInteger(index) || index < 0 || index >= data.length || vectors[index] !== undefined)
      throw bad(`data[${i}].index is not a distinct position of the batch`);
    vectors[index] = vectorOf(item.embedding, `data[${i}].embedding`);
  }
  const usage = isRecord(body.usage) ? body.usage : undefined;
  const promptTokens = typeof usage?.prompt_tokens === "number" ? usage.prompt_tokens : 0;
  return { vectors, promptTokens, model: typeof body.model === "string" ? body.model : "" };
}

function bad(message: string): BadResponseError {
  return new BadResponseError({
    code: "ERR_BAD_RESPONSE",
    message: `not an OpenAI embeddings answer: ${message}`,
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
