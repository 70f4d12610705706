/**
 * The Gemini API (`POST {baseURL}/models/{model}:generateContent`, and
 * `:streamGenerateContent?alt=sse` for streams), key in `x-goog-api-key`.
 *
 * Calls arrive in OpenAI's chat shape (see `geminiMessages.ts` for the messages). Parameters go in
 * `generationConfig`: `temperature`, `topP`, `maxTokens` -> `maxOutputTokens`, `stop` ->
 * `stopSequences`, `seed`, `presencePenalty`, `frequencyPenalty`, `n` -> `candidateCount`,
 * `logprobs` -> `responseLogprobs` (+ `topLogprobs` -> `logprobs`), `responseFormat` -> JSON mode
 * (`responseMimeType: "application/json"`, with `responseJsonSchema` when a schema is given).
 * OpenAI function tools become `functionDeclarations` (schema as `parametersJsonSchema`), `toolChoice`
 * becomes `toolConfig.functionCallingConfig`. `extra` is merged last (its `generationConfig` merged
 * with ours): thinking is turned on there (`generationConfig.thinkingConfig`).
 */

import type { ResolvedClientSpec } from "../../src/ClientSpec.js";
import type { ErrorData } from "../../src/errors.js";
import { invalidArgument } from "../../src/errors.js";
import type { WireRequest } from "../../src/protocol.js";
import type { Json, Reply, ReplyChoice } from "../../src/types.js";
import { bad, blockedPrompt, candidatePieces, geminiUsage, isRecord } from "./geminiFields.js";
import { toGeminiContents } from "./geminiMessages.js";
import type { Provider, ResponseHeaders, UpstreamRequest } from "./Provider.js";
import { requestHeaders, requestUrl } from "./requestParts.js";
import { errorBodyFields, upstreamError } from "./upstreamError.js";

/** The Gemini provider. */
export const geminiProvider: Provider = {
  name: "gemini",
  buildRequest: buildGeminiRequest,
  parseReply: parseGeminiReply,
  parseError: parseGeminiError,
};

/** Builds the generateContent request for a call; see the module comment. */
export function buildGeminiRequest(
  client: ResolvedClientSpec,
  request: WireRequest,
  stream: boolean,
): UpstreamRequest {
  const p = request.params;
  if (stream && p.n !== undefined && p.n > 1) {
    throw invalidArgument("options.n", "a stream carries one choice: call() for n > 1");
  }
  const { systemInstruction, contents } = toGeminiContents(request.messages);
  const body: Record<string, unknown> = { contents };
  if (systemInstruction !== undefined) body.systemInstruction = systemInstruction;
  const config: Record<string, Json> = {};
  if (p.temperature !== undefined) config.temperature = p.temperature;
  if (p.topP !== undefined) config.topP = p.topP;
  if (p.maxTokens !== undefined) config.maxOutputTokens = p.maxTokens;
  if (p.stop !== undefined) config.stopSequences = typeof p.stop === "string" ? [p.stop] : p.stop;
  if (p.seed !== undefined) config.seed = p.seed;
  if (p.presencePenalty !== undefined) config.presencePenalty = p.presencePenalty;
  if (p.frequencyPenalty !== undefined) config.frequencyPenalty = p.frequencyPenalty;
  if (p.n !== undefined) config.candidateCount = p.n;
  if (p.logprobs === true) config.responseLogprobs = true;
  if (p.topLogprobs !== undefined) config.logprobs = p.topLogprobs;
  responseFormat(p.responseFormat, config);
  if (p.tools !== undefined) body.tools = geminiTools(p.tools);
  if (p.toolChoice !== undefined) body.toolConfig = { functionCallingConfig: functionCalling(p.toolChoice) };
  if (p.extra !== undefined) {
    const theirs = p.extra.generationConfig;
    Object.assign(body, p.extra);
    if (isRecord(theirs)) Object.assign(config, theirs);
  }
  if (Object.keys(config).length > 0) body.generationConfig = config;
  const headers = requestHeaders(client, request, {
    "content-type": "application/json",
    accept: stream ? "text/event-stream" : "application/json",
  });
  if (client.apiKey !== undefined) headers["x-goog-api-key"] = client.apiKey;
  const model = encodeURIComponent(client.model.replace(/^models\//, ""));
  const url = stream
    ? requestUrl(client, `/models/${model}:streamGenerateContent`, { alt: "sse" })
    : requestUrl(client, `/models/${model}:generateContent`);
  return { url, headers, body: JSON.stringify(body) };
}

/** OpenAI's `response_format` as Gemini's JSON mode; see the module comment. */
function responseFormat(format: Record<string, Json> | undefined, config: Record<string, Json>): void {
  if (format === undefined || format.type === "text") return;
  if (format.type === "json_object") {
    config.responseMimeType = "application/json";
    return;
  }
  if (format.type === "json_schema") {
    const inner = format.json_schema;
    const schema = isRecord(inner) ? inner.schema : format.schema;
    if (!isRecord(schema)) {
      throw invalidArgument("options.responseFormat.json_schema.schema", "must be a JSON schema object");
    }
    config.responseMimeType = "application/json";
    config.responseJsonSchema = schema as Json;
    return;
  }
  throw invalidArgument(
    "options.responseFormat.type",
    `Gemini takes text, json_object or json_schema, not ${JSON.stringify(format.type)}`,
  );
}

/** OpenAI function tools as one `functionDeclarations` tool; Gemini's own tools pass as they are. */
function geminiTools(tools: Json[]): Json[] {
  const declarations: Json[] = [];
  const native: Json[] = [];
  tools.forEach((tool, i) => {
    if (!isRecord(tool)) throw invalidArgument(`tools[${i}]`, "must be an object");
    const fn = tool.function;
    if (tool.type !== "function" || !isRecord(fn)) {
      native.push(tool as Json);
      return;
    }
    if (typeof fn.name !== "string") throw invalidArgument(`tools[${i}].function.name`, "must be a string");
    const declaration: Record<string, Json> = { name: fn.name };
    if (typeof fn.description === "string") declaration.description = fn.description;
    if (isRecord(fn.parameters)) declaration.parametersJsonSchema = fn.parameters as Json;
    declarations.push(declaration);
  });
  return declarations.length === 0 ? native : [{ functionDeclarations: declarations }, ...native];
}

/** OpenAI's tool choice words as Gemini's function-calling config. */
function functionCalling(choice: Json): Json {
  if (choice === "auto") return { mode: "AUTO" };
  if (choice === "required") return { mode: "ANY" };
  if (choice === "none") return { mode: "NONE" };
  if (isRecord(choice) && isRecord(choice.function) && typeof choice.function.name === "string") {
    return { mode: "ANY", allowedFunctionNames: [choice.function.name] };
  }
  throw invalidArgument("toolChoice", "must be auto, required, none or a named function");
}

/**
 * Normalizes a `GenerateContentResponse` into a {@link Reply}: the first candidate's text, thought
 * parts as `reasoning` (and with thought signatures as `reasoningDetails`), function calls as tool
 * calls, every candidate in `choices` when there are several. A prompt Gemini blocked (no candidate,
 * `promptFeedback.blockReason`) throws `ERR_CONTENT_FILTER`.
 */
export function parseGeminiReply(body: unknown): Reply {
  if (!isRecord(body)) throw bad("the answer is not a JSON object");
  const candidates = body.candidates;
  if (!Array.isArray(candidates) || candidates.length === 0) {
    throw blockedPrompt(body) ?? bad("the answer has no candidates");
  }
  const choices = candidates.map((candidate: unknown, i): ReplyChoice & { details: unknown[] } => {
    const pieces = candidatePieces(candidate, `candidates[${i}]`);
    const index = isRecord(candidate) && typeof candidate.index === "number" ? candidate.index : i;
    const choice: ReplyChoice & { details: unknown[] } = {
      index,
      text: pieces.text,
      finishReason: pieces.finishReason ?? "stop",
      details: pieces.details,
    };
    if (pieces.toolCalls.length > 0) choice.toolCalls = pieces.toolCalls;
    if (pieces.reasoning !== "") choice.reasoning = pieces.reasoning;
    if (pieces.logprobs !== undefined) choice.logprobs = pieces.logprobs;
    return choice;
  });
  const first = choices[0] as (typeof choices)[number];
  const reply: Reply = {
    text: first.text,
    cached: false,
    usage: geminiUsage(body.usageMetadata) ?? { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
    finishReason: first.finishReason,
    model: typeof body.modelVersion === "string" ? body.modelVersion : "",
  };
  if (first.toolCalls !== undefined) reply.toolCalls = first.toolCalls;
  if (typeof body.responseId === "string" && body.responseId !== "") reply.id = body.responseId;
  if (first.reasoning !== undefined) reply.reasoning = first.reasoning;
  if (first.details.length > 0) reply.reasoningDetails = first.details as Reply["reasoningDetails"];
  if (first.logprobs !== undefined) reply.logprobs = first.logprobs;
  if (choices.length > 1) {
    reply.choices = choices.map(({ details: _, ...choice }) => choice);
  }
  return reply;
}

/** Maps a Gemini error answer (`{"error": {code, message, status, details}}`). */
export function parseGeminiError(status: number, headers: ResponseHeaders, bodyText: string): ErrorData {
  return upstreamError(status, headers, errorBodyFields(bodyText), "x-request-id");
}
