/**
 * OpenAI chat completions (`POST {baseURL}/chat/completions`), spoken to any compatible endpoint.
 *
 * Wire names: `maxTokens` is sent as `max_tokens` (deprecated by OpenAI in favour of
 * `max_completion_tokens`, which o-series models require, but still in the schema and the one every
 * compatible server understands; send the other through `extra` when a model needs it).
 */

import type { ResolvedClientSpec } from "../../src/ClientSpec.js";
import { BadResponseError, type ErrorData, invalidArgument } from "../../src/errors.js";
import type { WireRequest } from "../../src/protocol.js";
import type { Json, Reply, ReplyChoice, ToolCall, Usage } from "../../src/types.js";
import {
  contentPieces,
  logprobsOf,
  openaiUsage,
  reasoningDetailsOf,
  reasoningField,
  reasoningTextOf,
} from "./openaiFields.js";
import type { Provider, ResponseHeaders, UpstreamRequest } from "./Provider.js";
import { requestHeaders, requestUrl } from "./requestParts.js";
import { errorBodyFields, upstreamError } from "./upstreamError.js";

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
  const headers = requestHeaders(client, request, baseHeaders(stream));
  if (client.apiKey !== undefined) headers.authorization = `Bearer ${client.apiKey}`;
  return {
    url: requestUrl(client, "/chat/completions"),
    headers,
    body: openaiBody(client.model, request, stream),
  };
}

/** The JSON body of a chat completion request (shared with Azure, which names no model). */
export function openaiBody(model: string | undefined, request: WireRequest, stream: boolean): string {
  const p = request.params;
  if (stream && p.n !== undefined && p.n > 1) {
    throw invalidArgument("options.n", "a stream carries one choice: call() for n > 1");
  }
  const body: Record<string, unknown> = { messages: request.messages };
  if (model !== undefined) body.model = model;
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
  if (p.n !== undefined) body.n = p.n;
  if (p.logprobs !== undefined) body.logprobs = p.logprobs;
  if (p.topLogprobs !== undefined) body.top_logprobs = p.topLogprobs;
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
  return JSON.stringify(body);
}

/** A fresh object each time: `requestHeaders` merges into it. */
export function baseHeaders(stream: boolean): Record<string, string> {
  return { "content-type": "application/json", accept: stream ? "text/event-stream" : "application/json" };
}

/** Normalizes a chat completion into a {@link Reply}; throws `BadResponseError` on another shape. */
export function parseOpenAIReply(body: unknown): Reply {
  if (!isRecord(body) || !Array.isArray(body.choices)) throw bad("the answer has no `choices` array");
  if (body.choices.length === 0) throw bad("the answer's `choices` array is empty");
  // One choice is the common case: no array of choices built for it.
  const first = choiceOf(body.choices[0], 0);
  const choices = body.choices.length === 1 ? undefined : body.choices.map(choiceOf);
  const reply: Reply = {
    text: first.text,
    cached: false,
    usage: usageOf(body.usage),
    finishReason: first.finishReason,
    model: typeof body.model === "string" ? body.model : "",
  };
  if (first.toolCalls !== undefined) reply.toolCalls = first.toolCalls;
  if (typeof body.id === "string" && body.id !== "") reply.id = body.id;
  if (first.reasoning !== undefined) reply.reasoning = first.reasoning;
  const details = reasoningDetailsOf(
    (body.choices[0] as { message: Record<string, unknown> }).message.reasoning_details,
  );
  if (details !== undefined) reply.reasoningDetails = details;
  if (first.refusal !== undefined) reply.refusal = first.refusal;
  if (first.logprobs !== undefined) reply.logprobs = first.logprobs;
  if (choices !== undefined) reply.choices = choices;
  return reply;
}

/** One `choices[i]`: its message's text, reasoning, refusal and tool calls, its finish reason and logprobs. */
function choiceOf(choice: unknown, i: number): ReplyChoice {
  if (!isRecord(choice) || !isRecord(choice.message))
    throw bad(`the answer has no \`choices[${i}].message\``);
  const message = choice.message;
  const content = message.content;
  // Plain text (the common case) needs no sorting of parts.
  const pieces =
    typeof content === "string" ? undefined : contentPieces(content, `choices[${i}].message.content`);
  const out: ReplyChoice = {
    index: typeof choice.index === "number" ? choice.index : i,
    text: pieces === undefined ? (content as string) : pieces.text,
    finishReason: typeof choice.finish_reason === "string" ? choice.finish_reason : "stop",
  };
  const toolCalls = toolCallsOf(message.tool_calls);
  if (toolCalls !== undefined) out.toolCalls = toolCalls;
  let reasoning = reasoningField(message) + (pieces?.reasoning ?? "");
  if (reasoning === "") {
    const details = reasoningDetailsOf(message.reasoning_details);
    if (details !== undefined) reasoning = reasoningTextOf(details);
  }
  if (reasoning !== "") out.reasoning = reasoning;
  const refusal = (typeof message.refusal === "string" ? message.refusal : "") + (pieces?.refusal ?? "");
  if (refusal !== "") out.refusal = refusal;
  const logprobs = logprobsOf(choice.logprobs);
  if (logprobs !== undefined) out.logprobs = logprobs;
  return out;
}

/** Maps an OpenAI error answer (`{"error": {message, type, param, code}}`, or a compatible server's variant). */
export function parseOpenAIError(status: number, headers: ResponseHeaders, bodyText: string): ErrorData {
  return upstreamError(status, headers, errorBodyFields(bodyText), "x-request-id");
}

function usageOf(usage: unknown): Usage {
  if (!isRecord(usage)) return { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
  return openaiUsage(usage);
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
