/**
 * Embeddings as the mock speaks them, in each vendor's real wire shape:
 * - OpenAI `POST .../embeddings`: `{ model, input: string | string[], encoding_format?: "float" |
 *   "base64", dimensions? }` -> `{ object: "list", data: [{ object: "embedding", index, embedding }],
 *   model, usage: { prompt_tokens, total_tokens } }`; at most 2,048 inputs, none empty.
 * - Azure OpenAI: the same body and answer under `/openai/deployments/{deployment}/embeddings`
 *   (`api-version` required: 404 "Resource not found" without it, as Azure answers) or `/openai/v1/embeddings`.
 * - Gemini `:embedContent` (`{ content: { parts: [{ text }] }, outputDimensionality? }` ->
 *   `{ embedding: { values } }`) and `:batchEmbedContents` (`{ requests: [...] }`, at most 100 ->
 *   `{ embeddings: [{ values }] }`).
 * Vectors come from `vectors.ts` (deterministic per input); tokens are words, as for chat answers.
 */
import { countWords } from "./answer.js";
import { DEFAULT_DIMENSIONS, mockVector, vectorBase64 } from "./vectors.js";

/** Which embeddings endpoint a path is. */
export type EmbeddingRoute =
  | { kind: "openai"; provider: "openai" | "azure"; deployment?: string }
  | { kind: "gemini"; provider: "gemini"; model: string; batch: boolean };

/** An answer: a status and its JSON body (an error body is built by the caller's wire format). */
export type EmbeddingAnswer =
  | { status: 200; body: unknown; promptTokens: number }
  | { status: number; problem: string; param: string | null };

/** A 400 refusal of `param` (`null`: of the whole body). */
function badRequest(problem: string, param: string | null): EmbeddingAnswer {
  return { status: 400, problem, param };
}

/** The embeddings route of `path`, or `undefined` for any other path. */
export function embeddingRoute(path: string): EmbeddingRoute | undefined {
  const gemini = /\/models\/([^/:]+):(embedContent|batchEmbedContents)$/.exec(path);
  if (gemini !== null)
    return {
      kind: "gemini",
      provider: "gemini",
      model: decodeURIComponent(gemini[1] as string),
      batch: gemini[2] === "batchEmbedContents",
    };
  if (!path.endsWith("/embeddings")) return undefined;
  const deployment = /\/openai\/deployments\/([^/]+)\/embeddings$/.exec(path);
  if (deployment !== null)
    return { kind: "openai", provider: "azure", deployment: decodeURIComponent(deployment[1] as string) };
  return { kind: "openai", provider: path.includes("/openai/") ? "azure" : "openai" };
}

/** The answer to an embeddings request (`query`: the URL's query string, for Azure's `api-version`). */
export function answerEmbeddings(route: EmbeddingRoute, body: unknown, query: string): EmbeddingAnswer {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return badRequest("The request body must be a JSON object.", null);
  return route.kind === "openai"
    ? openaiEmbeddings(route, body as Record<string, unknown>, query)
    : geminiEmbeddings(route, body as Record<string, unknown>);
}

function openaiEmbeddings(
  route: Extract<EmbeddingRoute, { kind: "openai" }>,
  body: Record<string, unknown>,
  query: string,
): EmbeddingAnswer {
  if (route.deployment !== undefined && !new URLSearchParams(query).has("api-version"))
    return { status: 404, problem: "Resource not found", param: null };
  const model = route.deployment ?? body.model;
  if (typeof model !== "string" || model === "")
    return badRequest("you must provide a model parameter", "model");
  const input = typeof body.input === "string" ? [body.input] : body.input;
  if (!Array.isArray(input) || input.length === 0 || !input.every((s) => typeof s === "string" && s !== ""))
    return badRequest("'input' must be a non-empty string or an array of non-empty strings", "input");
  if (input.length > 2048)
    return badRequest(`'input' has ${input.length} items; the maximum is 2048`, "input");
  const format = body.encoding_format ?? "float";
  if (format !== "float" && format !== "base64")
    return badRequest("'encoding_format' must be 'float' or 'base64'", "encoding_format");
  const dimensions = dimensionsOf(body.dimensions);
  if (dimensions === null) return badRequest("'dimensions' must be a positive integer", "dimensions");
  let promptTokens = 0;
  const data = (input as string[]).map((text, index) => {
    promptTokens += countWords(text);
    const vector = mockVector(text, dimensions);
    return {
      object: "embedding",
      index,
      embedding: format === "base64" ? vectorBase64(vector) : Array.from(vector),
    };
  });
  return {
    status: 200,
    promptTokens,
    body: { object: "list", data, model, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } },
  };
}

function geminiEmbeddings(
  route: Extract<EmbeddingRoute, { kind: "gemini" }>,
  body: Record<string, unknown>,
): EmbeddingAnswer {
  const requests = route.batch ? body.requests : [body];
  if (!Array.isArray(requests) || requests.length === 0)
    return badRequest("* BatchEmbedContentsRequest.requests: requests is not specified", "requests");
  if (requests.length > 100)
    return badRequest(
      "* BatchEmbedContentsRequest.requests: at most 100 requests can be in one batch",
      "requests",
    );
  const vectors: { values: number[] }[] = [];
  let promptTokens = 0;
  for (const request of requests as unknown[]) {
    const r = (typeof request === "object" && request !== null ? request : {}) as Record<string, unknown>;
    if (route.batch && r.model !== `models/${route.model}`)
      return badRequest(
        `* BatchEmbedContentsRequest.requests[].model: must be models/${route.model}`,
        "model",
      );
    const text = partsText(r.content);
    if (text === undefined)
      return badRequest("* EmbedContentRequest.content: contains an empty Part.", "content");
    const dimensions = dimensionsOf(r.outputDimensionality);
    if (dimensions === null)
      return badRequest("* outputDimensionality: must be positive", "outputDimensionality");
    promptTokens += countWords(text);
    vectors.push({ values: Array.from(mockVector(text, dimensions)) });
  }
  return {
    status: 200,
    promptTokens,
    body: route.batch ? { embeddings: vectors } : { embedding: vectors[0] },
  };
}

/** The text of a Gemini `content` (its text parts joined), or `undefined` when it has none. */
function partsText(content: unknown): string | undefined {
  const parts = (content as { parts?: unknown } | null)?.parts;
  if (!Array.isArray(parts)) return undefined;
  const text = parts
    .map((p: { text?: unknown } | null) => (typeof p?.text === "string" ? p.text : ""))
    .join("");
  return text === "" ? undefined : text;
}

/** A requested vector length: the default when absent, `null` when invalid. */
function dimensionsOf(value: unknown): number | null {
  if (value === undefined) return DEFAULT_DIMENSIONS;
  return typeof value === "number" && Number.isInteger(value) && value > 0 && value <= 65_536 ? value : null;
}
