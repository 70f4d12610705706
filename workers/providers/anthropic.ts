/**
 * Anthropic messages (`POST {baseURL}/messages`, `anthropic-version: 2023-06-01`).
 *
 * Calls arrive in OpenAI's chat shape; this module translates them (see `anthropicMessages.ts` for the
 * messages). Parameters: `maxTokens` -> `max_tokens` (required by Anthropic: the client's
 * `defaultMaxTokens` when the call sets none), `temperature`, `topP` -> `top_p`, `stop` ->
 * `stop_sequences` (always an array), `tools` (OpenAI function tools translated, Anthropic tools as
 * they are), `toolChoice` (OpenAI words translated), `responseFormat` with a JSON schema as
 * `output_config.format` (Anthropic's structured outputs), `extra` merged last (an `output_config` in
 * it is merged with ours). Dropped, since the messages API has no such field: `seed`,
 * `presencePenalty`, `frequencyPenalty` (they still count in the cache key). Refused with
 * `ERR_INVALID_ARGUMENT`, since Anthropic cannot do them: `n > 1`, `logprobs`, a `json_object`
 * response format (JSON without a schema).
 */

import type { ResolvedClientSpec } from "../../src/ClientSpec.js";
import { BadResponseError, type ErrorData, invalidArgument } from "../../src/errors.js";
import type { WireRequest } from "../../src/protocol.js";
import type { Json, ReasoningDetail, Reply, ToolCall } from "../../src/types.js";
import { anthropicUsage, redactedDetail, thinkingDetail } from "./anthropicFields.js";
import { toAnthropicMessages, toAnthropicToolChoice, toAnthropicTools } from "./anthropicMessages.js";
import { anthropicFinishReason } from "./anthropicStream.js";
import type { Provider, ResponseHeaders, UpstreamRequest } from "./Provider.js";
import { requestHeaders, requestUrl } from "./requestParts.js";
import { errorBodyFields, upstreamError } from "./upstreamError.js";

/** The API version every request names. */
export const ANTHROPIC_VERSION = "2023-06-01";

/** The Anthropic provider. */
export const anthropicProvider: Provider = {
  name: "anthropic",
  buildRequest: buildAnthropicRequest,
  parseReply: parseAnthropicReply,
  parseError: parseAnthropicError,
};

/**
 * Builds `POST {baseURL}/messages` for a call; `stream` asks for SSE. Throws `ERR_INVALID_ARGUMENT`
 * naming the field when a message cannot be expressed in Anthropic's shape.
 */
export function buildAnthropicRequest(
  client: ResolvedClientSpec,
  request: WireRequest,
  stream: boolean,
): UpstreamRequest {
  const p = request.params;
  if (p.n !== undefined && p.n > 1)
    throw invalidArgument("options.n", "Anthropic answers one choice per call");
  if (p.logprobs === true || p.topLogprobs !== undefined) {
    throw invalidArgument("options.logprobs", "Anthropic does not return log probabilities");
  }
  const { system, messages } = toAnthropicMessages(request.messages);
  const body: Record<string, unknown> = {
    model: client.model,
    max_tokens: p.maxTokens ?? client.defaultMaxTokens,
    messages,
  };
  if (system !== undefined) body.system = system;
  if (p.temperature !== undefined) body.temperature = p.temperature;
  if (p.topP !== undefined) body.top_p = p.topP;
  if (p.stop !== undefined) body.stop_sequences = typeof p.stop === "string" ? [p.stop] : p.stop;
  if (p.tools !== undefined) body.tools = toAnthropicTools(p.tools);
  if (p.toolChoice !== undefined) body.tool_choice = toAnthropicToolChoice(p.toolChoice);
  const format = anthropicOutputFormat(p.responseFormat);
  if (format !== undefined) body.output_config = { format };
  if (p.extra !== undefined) {
    const ours = body.output_config;
    Object.assign(body, p.extra);
    const theirs = p.extra.output_config;
    if (ours !== undefined && isRecord(theirs)) body.output_config = { ...theirs, format };
  }
  // Whether the answer is a stream is ours to decide, not `extra`'s: we parse what we asked for.
  if (stream) body.stream = true;
  else delete body.stream;
  const headers = requestHeaders(client, request, {
    "content-type": "application/json",
    accept: stream ? "text/event-stream" : "application/json",
    "anthropic-version": ANTHROPIC_VERSION,
  });
  if (client.apiKey !== undefined) headers["x-api-key"] = client.apiKey;
  return { url: requestUrl(client, "/messages"), headers, body: JSON.stringify(body) };
}

/**
 * `responseFormat` in Anthropic's terms: OpenAI's `{type: "json_schema", json_schema: {schema}}` (or a
 * bare `{type: "json_schema", schema}`) becomes `{type: "json_schema", schema}`; `text` asks nothing;
 * JSON without a schema cannot be asked of Anthropic.
 */
function anthropicOutputFormat(format: Record<string, Json> | undefined): Json | undefined {
  if (format === undefined || format.type === "text") return undefined;
  if (format.type === "json_schema") {
    const inner = format.json_schema;
    const schema = isRecord(inner) ? inner.schema : format.schema;
    if (!isRecord(schema)) {
      throw invalidArgument("options.responseFormat.json_schema.schema", "must be a JSON schema object");
    }
    return { type: "json_schema", schema };
  }
  throw invalidArgument(
    "options.responseFormat",
    `Anthropic takes a json_schema response format, not ${JSON.stringify(format.type)}`,
  );
}

/**
 * Normalizes a message (`{ id, content: [...], model, stop_reason, usage }`) into a {@link Reply}:
 * text blocks joined, `tool_use` blocks as tool calls (`arguments: JSON.stringify(input)`),
 * `thinking` blocks as `reasoning` (and, with their signatures, as `reasoningDetails`, which must go
 * back with the turn), `redacted_thinking` as encrypted reasoning details, stop reasons in OpenAI's
 * words. Other block kinds (server tool results, ...) carry no answer text and are skipped.
 */
export function parseAnthropicReply(body: unknown): Reply {
  if (!isRecord(body)) throw bad("the answer is not a JSON object");
  if (body.type === "error") throw bad("the answer is an error object with a 2xx status");
  if (!Array.isArray(body.content)) throw bad("the answer has no `content` array");
  let text = "";
  let reasoning = "";
  const toolCalls: ToolCall[] = [];
  const details: ReasoningDetail[] = [];
  body.content.forEach((block: unknown, i) => {
    if (!isRecord(block) || typeof block.type !== "string") throw bad(`content[${i}] has no type`);
    switch (block.type) {
      case "text":
        if (typeof block.text !== "string") throw bad(`content[${i}] is a text block without text`);
        text += block.text;
        break;
      case "tool_use":
        if (typeof block.id !== "string" || typeof block.name !== "string") {
          throw bad(`content[${i}] is a tool_use block without id or name`);
        }
        toolCalls.push({ id: block.id, name: block.name, arguments: JSON.stringify(block.input ?? {}) });
        break;
      case "thinking":
        if (typeof block.thinking !== "string") throw bad(`content[${i}] is a thinking block without text`);
        reasoning += block.thinking;
        details.push(thinkingDetail(block.thinking, block.signature, details.length));
        break;
      case "redacted_thinking":
        if (typeof block.data !== "string")
          throw bad(`content[${i}] is a redacted_thinking block without data`);
        details.push(redactedDetail(block.data, details.length));
        break;
    }
  });
  const stopReason = body.stop_reason;
  if (stopReason !== undefined && stopReason !== null && typeof stopReason !== "string") {
    throw bad("`stop_reason` is not a string");
  }
  const reply: Reply = {
    text,
    cached: false,
    usage: anthropicUsage(body.usage),
    finishReason: anthropicFinishReason(stopReason ?? undefined),
    model: typeof body.model === "string" ? body.model : "",
  };
  if (toolCalls.length > 0) reply.toolCalls = toolCalls;
  if (typeof body.id === "string" && body.id !== "") reply.id = body.id;
  if (reasoning !== "") reply.reasoning = reasoning;
  if (details.length > 0) reply.reasoningDetails = details;
  return reply;
}

/**
 * Maps an error answer (`{"type": "error", "error": {"type", "message"}}`): 429 is
 * `ERR_RATE_LIMITED` with `retryAfterMs` from the headers; every other status (529 overloaded
 * included) is `ERR_HTTP` with that status. `upstreamCode` is the error's type, `requestId` the
 * `request-id` header. The transport redacts the message with the API key.
 */
export function parseAnthropicError(status: number, headers: ResponseHeaders, bodyText: string): ErrorData {
  return upstreamError(status, headers, errorBodyFields(bodyText), "request-id");
}

function bad(message: string): BadResponseError {
  return new BadResponseError({ code: "ERR_BAD_RESPONSE", message: `not an Anthropic message: ${message}` });
}

function isRecord(value: unknown): value is Record<string, Json | undefined> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
