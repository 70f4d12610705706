/**
 * OpenAI chat completions (`POST {baseURL}/chat/completions`), spoken to any compatible endpoint.
 *
 * Wire names: `maxTokens` is sent as `max_tokens` (deprecated by OpenAI in favour of
 * `max_completion_tokens`, which o-series models require, but still in the schema and the one every
 * compatible server understands; send the other through `extra` when a model needs it).
 */

import type { ResolvedClientSpec } from "../../src/ClientSpec.js";
import { BadResponseError, type ErrorData } from "../../src/errors.js";
import type { WireRequest } from "../../src/protocol.js";
import type { Json, Reply, ToolCall, Usage } from "../../src/types.js";
import type { Provider, ResponseHeaders, UpstreamRequest } from "./Provider.js";
import { parseJsonBody, upstreamError } from "./upstreamError.js";

/** The OpenAI provider. */
export const openaiProvider: Provider = {
  name: "openai",
  buildRequest: buildOpenAIRequest,
  parseReply: parseOpenAIReply,
  parseError: parseOpenAIError,
};

/** Builds `POST {baseURL}/chat/completions` for a call; `stream` asks for SSE with a usage chunk. */
export function buildOpenAIRequest(
  client: ResolvedClientSpec,
  request: WireRequest,
  stream: boolean,
): UpstreamRequest {
  const p = request.params;
  const body: Record<string, unknown> = { model: client.model, messages: request.messages };
  if (p.temperature !== undefined) body.temperature = p.temperature;
  if (p.maxTokens !== undefined) body.max_tokens = p.maxTokens;
  if (p.topP !== undefined) body.top_p = p.topP;
  if (p.stop !== undefined) body.stop = p.stop;
  if (p.seed !== undefined) body.seed = p.seed;
  if (p.presencePenalty !== undefined) body.presence_penalty = p.presencePenalty;
  if (p.frequencyPenalty !== undefined) body.frequency_penalty = p.frequencyPenalty;
  if (p.responseFormat !== undefined) body.response_format = p.responseFormat;
  if (p.tools !== undefined) body.tools = p.tools;
  if (p.toolChoice !== undefined) body.tool_choice = p.toolChoice;
  if (p.extra !== undefined) Object.assign(body, p.extra);
  // Whether the answer is a stream is ours to decide, not `extra`'s: we parse what we asked for.
  if (stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  } else if (p.extra !== undefined) {
    // Only `extra` can have put them there (and `delete` would slow the common body down).
    delete body.stream;
    delete body.stream_options;
  }
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  if (stream) headers.accept = "text/event-stream";
  if (client.apiKey !== undefined) headers.authorization = `Bearer ${client.apiKey}`;
  return { url: `${client.baseURL}/chat/completions`, headers, body: JSON.stringify(body) };
}

/** Normalizes a chat completion into a {@link Reply}; throws `BadResponseError` on another shape. */
export function parseOpenAIReply(body: unknown): Reply {
  if (!isRecord(body) || !Array.isArray(body.choices)) throw bad("the answer has no `choices` array");
  const choice = body.choices[0];
  if (!isRecord(choice) || !isRecord(choice.message)) throw bad("the answer has no `choices[0].message`");
  const message = choice.message;
  const content = message.content;
  if (content !== null && content !== undefined && typeof content !== "string") {
    throw bad("`choices[0].message.content` is neither text nor null");
  }
  const reply: Reply = {
    text: content ?? "",
    cached: false,
    usage: usageOf(body.usage),
    finishReason: typeof choice.finish_reason === "string" ? choice.finish_reason : "stop",
    model: typeof body.model === "string" ? body.model : "",
  };
  const toolCalls = toolCallsOf(message.tool_calls);
  if (toolCalls !== undefined) reply.toolCalls = toolCalls;
  return reply;
}

/** Maps an OpenAI error answer (`{"error": {message, type, param, code}}`, or a compatible server's variant). */
export function parseOpenAIError(status: number, headers: ResponseHeaders, bodyText: string): ErrorData {
  let message: string | undefined;
  let upstreamCode: string | undefined;
  const parsed = parseJsonBody(bodyText);
  if (isRecord(parsed)) {
    const error = parsed.error;
    if (isRecord(error)) {
      message = text(error.message);
      upstreamCode = text(error.code) ?? text(error.type);
    } else {
      // Compatible servers: `{"error": "text"}`, FastAPI's `{"detail": ...}`, or `{"message": ...}`.
      message = text(error) ?? text(parsed.message) ?? text(parsed.detail);
    }
  }
  if (message === undefined && parsed === undefined && bodyText.trim() !== "") message = bodyText.trim();
  return upstreamError(status, headers, { message, upstreamCode }, "x-request-id");
}

function usageOf(usage: unknown): Usage {
  if (!isRecord(usage)) return { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
  return openaiUsage(usage);
}

/** OpenAI's `usage` object (replies and the last stream chunk) in the contract's shape. */
export function openaiUsage(usage: Record<string, unknown>): Usage {
  const promptTokens = count(usage.prompt_tokens);
  const completionTokens = count(usage.completion_tokens);
  const total = usage.total_tokens;
  return {
    promptTokens,
    completionTokens,
    totalTokens: typeof total === "number" ? total : promptTokens + completionTokens,
  };
}

function toolCallsOf(calls: unknown): ToolCall[] | undefined {
  if (!Array.isArray(calls) || calls.length === 0) return undefined;
  return calls.map((call: unknown, i): ToolCall => {
    if (!isRecord(call)) throw bad(`tool_calls[${i}] is not an object`);
    const id = text(call.id) ?? "";
    if (isRecord(call.function)) {
      return { id, name: text(call.function.name) ?? "", arguments: text(call.function.arguments) ?? "" };
    }
    if (isRecord(call.custom)) {
      return { id, name: text(call.custom.name) ?? "", arguments: text(call.custom.input) ?? "" };
    }
    throw bad(`tool_calls[${i}] has neither \`function\` nor \`custom\``);
  });
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

function text(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return undefined;
}

function bad(message: string): BadResponseError {
  return new BadResponseError({
    code: "ERR_BAD_RESPONSE",
    message: `not an OpenAI chat completion: ${message}`,
  });
}

function isRecord(value: unknown): value is Record<string, Json | undefined> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
