/**
 * Anthropic messages as the mock writes them: `POST /v1/messages`, `x-api-key` auth, a required
 * `anthropic-version` header and `max_tokens`, a top-level `system`, named SSE events when streaming,
 * and errors shaped `{"type":"error","error":{type,message}}` (529 = `overloaded_error`).
 */
import type { IncomingHttpHeaders } from "node:http";
import { contentText } from "./answer.js";
import { thinkingProblem, turnMessage, turnStream } from "./anthropicTurn.js";
import type { MockMessage } from "./types.js";
import type { ParsedChatRequest, PlannedAnswer, RequestProblem, StreamFrames, WireFormat } from "./wire.js";

function problem(message: string, param: string | null = null): RequestProblem {
  return { problem: message, param };
}

function errorType(status: number): { type: string; message: string } {
  switch (status) {
    case 400:
      return { type: "invalid_request_error", message: "Invalid request." };
    case 401:
      return { type: "authentication_error", message: "invalid x-api-key" };
    case 403:
      return {
        type: "permission_error",
        message: "Your API key does not have permission to use the specified resource.",
      };
    case 404:
      return { type: "not_found_error", message: "The requested resource could not be found." };
    case 413:
      return { type: "request_too_large", message: "Request exceeds the maximum allowed number of bytes." };
    case 429:
      return { type: "rate_limit_error", message: "Number of requests has exceeded your rate limit." };
    case 504:
      return { type: "timeout_error", message: "Request timed out." };
    case 529:
      return { type: "overloaded_error", message: "Overloaded" };
    default:
      return status >= 500
        ? { type: "api_error", message: "Internal server error" }
        : { type: "invalid_request_error", message: `Request failed with status ${status}.` };
  }
}

function event(name: string, data: string): string {
  return `event: ${name}\ndata: ${data}\n\n`;
}

/** The Anthropic wire format. */
export class AnthropicWire implements WireFormat {
  readonly provider = "anthropic" as const;

  authorized(headers: IncomingHttpHeaders, apiKey: string): boolean {
    // The SDK sends `x-api-key`; with `authToken` it sends a Bearer header instead. Accept either.
    return headers["x-api-key"] === apiKey || headers.authorization === `Bearer ${apiKey}`;
  }

  headerProblem(headers: IncomingHttpHeaders): RequestProblem | undefined {
    const version = headers["anthropic-version"];
    return typeof version === "string" && version !== ""
      ? undefined
      : problem("anthropic-version: header is required", "anthropic-version");
  }

  parse(raw: unknown): ParsedChatRequest | RequestProblem {
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      return problem("The request body is not valid JSON: expected an object.");
    }
    const body = raw as Record<string, unknown>;
    if (typeof body.model !== "string" || body.model === "") return problem("model: Field required", "model");
    const maxTokens = body.max_tokens;
    if (maxTokens === undefined || maxTokens === null)
      return problem("max_tokens: Field required", "max_tokens");
    if (typeof maxTokens !== "number" || !Number.isInteger(maxTokens) || maxTokens < 1) {
      return problem("max_tokens: Input should be an integer greater than or equal to 1", "max_tokens");
    }
    const list = body.messages;
    if (!Array.isArray(list)) return problem("messages: Field required", "messages");
    if (list.length === 0) return problem("messages: at least one message is required", "messages");
    const messages: MockMessage[] = [];
    if (body.system !== undefined && body.system !== null) {
      messages.push({ role: "system", text: contentText(body.system) });
    }
    for (let i = 0; i < list.length; i++) {
      const message = list[i] as { role?: unknown; content?: unknown } | null;
      if (
        message === null ||
        typeof message !== "object" ||
        (message.role !== "user" && message.role !== "assistant")
      ) {
        return problem(`messages.${i}.role: Input should be 'user' or 'assistant'`, `messages.${i}.role`);
      }
      messages.push({ role: message.role, text: contentText(message.content) });
    }
    if (body.stream !== undefined && body.stream !== null && typeof body.stream !== "boolean") {
      return problem("stream: Input should be a valid boolean", "stream");
    }
    const history = thinkingProblem(body);
    if (history !== undefined) return history;
    const thinking = (body.thinking as { type?: unknown } | undefined)?.type;
    return {
      model: body.model,
      messages,
      maxWords: maxTokens,
      stream: body.stream === true,
      includeUsage: false,
      reasoning: thinking === "enabled" || thinking === "adaptive",
    };
  }

  completion(answer: PlannedAnswer): string {
    if (answer.turn !== undefined) return turnMessage(answer);
    return JSON.stringify({
      id: answer.id,
      type: "message",
      role: "assistant",
      model: answer.model,
      content: [{ type: "text", text: answer.text }],
      stop_reason: answer.truncated ? "max_tokens" : "end_turn",
      stop_sequence: null,
      usage: { input_tokens: answer.promptTokens, output_tokens: answer.completionTokens },
    });
  }

  stream(answer: PlannedAnswer, pieces: readonly string[]): StreamFrames {
    if (answer.turn !== undefined) return turnStream(answer, pieces);
    const start = {
      type: "message_start",
      message: {
        id: answer.id,
        type: "message",
        role: "assistant",
        model: answer.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: answer.promptTokens, output_tokens: 1 },
      },
    };
    const preamble =
      event("message_start", JSON.stringify(start)) +
      event(
        "content_block_start",
        '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
      ) +
      event("ping", '{"type":"ping"}');
    const chunks = pieces.map((piece) =>
      event(
        "content_block_delta",
        `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":${JSON.stringify(piece)}}}`,
      ),
    );
    const delta = {
      type: "message_delta",
      delta: { stop_reason: answer.truncated ? "max_tokens" : "end_turn", stop_sequence: null },
      usage: { output_tokens: answer.completionTokens },
    };
    const trailer =
      event("content_block_stop", '{"type":"content_block_stop","index":0}') +
      event("message_delta", JSON.stringify(delta)) +
      event("message_stop", '{"type":"message_stop"}');
    return { preamble, chunks, trailer };
  }

  errorBody(status: number, message?: string, errorCode?: string): unknown {
    const known = errorType(status);
    return { type: "error", error: { type: errorCode ?? known.type, message: message ?? known.message } };
  }

  rateLimitBody(insufficientQuota: boolean): unknown {
    // Anthropic has no quota code of its own; keep the OpenAI one so clients can tell the two 429s apart.
    return insufficientQuota
      ? this.errorBody(429, "Your credit balance is too low to access the API.", "insufficient_quota")
      : this.errorBody(429);
  }

  streamError(): string {
    return event("error", JSON.stringify(this.errorBody(529)));
  }

  malformed(stream: boolean): string {
    return stream
      ? event("message_start", "{this is not json")
      : '{"id":"msg_mock","type":"message","content":[';
  }

  headers(requestId: string): Record<string, string> {
    return { "request-id": requestId, "x-request-id": requestId };
  }
}
