/**
 * Anthropic messages (`POST {baseURL}/messages`, `anthropic-version: 2023-06-01`).
 *
 * Calls arrive in OpenAI's chat shape; this module translates them (see `anthropicMessages.ts` for the
 * messages). Parameters: `maxTokens` -> `max_tokens` (required by Anthropic: the client's
 * `defaultMaxTokens` when the call sets none), `temperature`, `topP` -> `top_p`, `stop` ->
 * `stop_sequences` (always an array), `tools` (OpenAI function tools translated, Anthropic tools as
 * they are), `toolChoice` (OpenAI words translated), `extra` merged last. Dropped, since the messages
 * API has no such field: `seed`, `presencePenalty`, `frequencyPenalty`, `responseFormat` (they still
 * count in the cache key).
 */

import type { ResolvedClientSpec } from "../../src/ClientSpec.js";
import { BadResponseError, type ErrorData } from "../../src/errors.js";
import type { WireRequest } from "../../src/protocol.js";
import type { Json, Reply, ToolCall } from "../../src/types.js";
import { toAnthropicMessages, toAnthropicToolChoice, toAnthropicTools } from "./anthropicMessages.js";
import { anthropicFinishReason } from "./anthropicStream.js";
import type { Provider, ResponseHeaders, UpstreamRequest } from "./Provider.js";
import { parseJsonBody, upstreamError } from "./upstreamError.js";

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
  if (p.extra !== undefined) Object.assign(body, p.extra);
  // Whether the answer is a stream is ours to decide, not `extra`'s: we parse what we asked for.
  if (stream) body.stream = true;
  else delete body.stream;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: stream ? "text/event-stream" : "application/json",
    "anthropic-version": ANTHROPIC_VERSION,
  };
  if (client.apiKey !== undefined) headers["x-api-key"] = client.apiKey;
  return { url: `${client.baseURL}/messages`, headers, body: JSON.stringify(body) };
}

/**
 * Normalizes a message (`{ content: [...], model, stop_reason, usage }`) into a {@link Reply}:
 * text blocks joined, `tool_use` blocks as tool calls (`arguments: JSON.stringify(input)`), stop
 * reasons in OpenAI's words. Other block kinds (thinking, ...) carry no answer text and are skipped.
 */
export function parseAnthropicReply(body: unknown): Reply {
  if (!isRecord(body)) throw bad("the answer is not a JSON object");
  if (body.type === "error") throw bad("the answer is an error object with a 2xx status");
  if (!Array.isArray(body.content)) throw bad("the answer has no `content` array");
  let text = "";
  const toolCalls: ToolCall[] = [];
  body.content.forEach((block: unknown, i) => {
    if (!isRecord(block) || typeof block.type !== "string") throw bad(`content[${i}] has no type`);
    if (block.type === "text") {
      if (typeof block.text !== "string") throw bad(`content[${i}] is a text block without text`);
      text += block.text;
    } else if (block.type === "tool_use") {
      if (typeof block.id !== "string" || typeof block.name !== "string") {
        throw bad(`content[${i}] is a tool_use block without id or name`);
      }
      toolCalls.push({ id: block.id, name: block.name, arguments: JSON.stringify(block.input ?? {}) });
    }
  });
  const stopReason = body.stop_reason;
  if (stopReason !== undefined && stopReason !== null && typeof stopReason !== "string") {
    throw bad("`stop_reason` is not a string");
  }
  const reply: Reply = {
    text,
    cached: false,
    usage: usageOf(body.usage),
    finishReason: anthropicFinishReason(stopReason ?? undefined),
    model: typeof body.model === "string" ? body.model : "",
  };
  if (toolCalls.length > 0) reply.toolCalls = toolCalls;
  return reply;
}

/**
 * Maps an error answer (`{"type": "error", "error": {"type", "message"}}`): 429 is
 * `ERR_RATE_LIMITED` with `retryAfterMs` from the headers; every other status (529 overloaded
 * included) is `ERR_HTTP` with that status. `upstreamCode` is the error's type, `requestId` the
 * `request-id` header. The transport redacts the message with the API key.
 */
export function parseAnthropicError(status: number, headers: ResponseHeaders, bodyText: string): ErrorData {
  let message: string | undefined;
  let upstreamCode: string | undefined;
  const parsed = parseJsonBody(bodyText);
  if (isRecord(parsed)) {
    const error = parsed.error;
    if (isRecord(error)) {
      message = typeof error.message === "string" ? error.message : undefined;
      upstreamCode = typeof error.type === "string" ? error.type : undefined;
    } else {
      message =
        typeof error === "string" ? error : typeof parsed.message === "string" ? parsed.message : undefined;
    }
  } else if (bodyText.trim() !== "") {
    message = bodyText.trim();
  }
  return upstreamError(status, headers, { message, upstreamCode }, "request-id");
}

function usageOf(usage: unknown): Reply["usage"] {
  const u = isRecord(usage) ? usage : {};
  const promptTokens = count(u.input_tokens);
  const completionTokens = count(u.output_tokens);
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

function bad(message: string): BadResponseError {
  return new BadResponseError({ code: "ERR_BAD_RESPONSE", message: `not an Anthropic message: ${message}` });
}

function isRecord(value: unknown): value is Record<string, Json | undefined> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
