/**
 * OpenAI chat completions as the mock writes them: `POST /v1/chat/completions`, Bearer auth, answers and
 * stream chunks shaped like `CreateChatCompletionResponse` / `CreateChatCompletionStreamResponse`, errors
 * shaped like `ErrorResponse` (checked against the vendor's schema in the tests).
 */
import type { IncomingHttpHeaders } from "node:http";
import { contentText } from "./answer.js";
import { turnCompletion, turnStream } from "./openaiTurn.js";
import type { MockMessage, MockRateLimit } from "./types.js";
import type { ParsedChatRequest, PlannedAnswer, RequestProblem, StreamFrames, WireFormat } from "./wire.js";

/** Rate-limit header values sent when the caller sets none: generous, nearly untouched. */
export const DEFAULT_RATE_LIMIT: MockRateLimit = {
  limitRequests: 10_000,
  remainingRequests: 9_999,
  resetRequests: "6ms",
  limitTokens: 10_000_000,
  remainingTokens: 9_999_000,
  resetTokens: "0s",
};

const FINGERPRINT = "fp_mock";

function problem(message: string, param: string | null = null): RequestProblem {
  return { problem: message, param };
}

/** `max_tokens` / `max_completion_tokens`: absent, or an integer >= 1. */
function readMaxTokens(body: Record<string, unknown>): number | undefined | RequestProblem {
  for (const name of ["max_completion_tokens", "max_tokens"]) {
    const value = body[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
      return problem(
        `Invalid '${name}': expected an integer >= 1, but got ${JSON.stringify(value)} instead.`,
        name,
      );
    }
    return value;
  }
  return undefined;
}

function statusType(status: number): { type: string; code: string | null; message: string } {
  switch (status) {
    case 400:
      return { type: "invalid_request_error", code: null, message: "Invalid request." };
    case 401:
      return {
        type: "invalid_request_error",
        code: "invalid_api_key",
        message: "Incorrect API key provided.",
      };
    case 403:
      return {
        type: "invalid_request_error",
        code: "unsupported_country_region_territory",
        message: "Forbidden.",
      };
    case 404:
      return { type: "invalid_request_error", code: "model_not_found", message: "The model does not exist." };
    case 429:
      return { type: "requests", code: "rate_limit_exceeded", message: "Rate limit reached for requests." };
    case 503:
      return {
        type: "server_error",
        code: null,
        message: "The engine is currently overloaded, please try again later.",
      };
    default:
      return status >= 500
        ? {
            type: "server_error",
            code: null,
            message: "The server had an error while processing your request.",
          }
        : { type: "invalid_request_error", code: null, message: `Request failed with status ${status}.` };
  }
}

/** The OpenAI wire format. Holds the `x-ratelimit-*` values, which the server can change while running. */
export class OpenAiWire implements WireFormat {
  readonly provider: "openai" | "azure" = "openai";
  #rateLimit: MockRateLimit = DEFAULT_RATE_LIMIT;
  #rateHeaders: Record<string, string> = {};

  constructor(rateLimit: Partial<MockRateLimit> = {}) {
    this.setRateLimit(rateLimit);
  }

  /** Replaces some `x-ratelimit-*` values; the rest keep theirs. */
  setRateLimit(rateLimit: Partial<MockRateLimit>): void {
    const next = { ...this.#rateLimit, ...rateLimit };
    this.#rateLimit = next;
    this.#rateHeaders = {
      "x-ratelimit-limit-requests": String(next.limitRequests),
      "x-ratelimit-remaining-requests": String(next.remainingRequests),
      "x-ratelimit-reset-requests": next.resetRequests,
      "x-ratelimit-limit-tokens": String(next.limitTokens),
      "x-ratelimit-remaining-tokens": String(next.remainingTokens),
      "x-ratelimit-reset-tokens": next.resetTokens,
    };
  }

  authorized(headers: IncomingHttpHeaders, apiKey: string): boolean {
    return headers.authorization === `Bearer ${apiKey}`;
  }

  headerProblem(): RequestProblem | undefined {
    return undefined;
  }

  parse(raw: unknown): ParsedChatRequest | RequestProblem {
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      return problem("We could not parse the JSON body of your request. Expected a JSON object.");
    }
    const body = raw as Record<string, unknown>;
    if (typeof body.model !== "string" || body.model === "")
      return problem("you must provide a model parameter");
    const list = body.messages;
    if (!Array.isArray(list)) return problem("Missing required parameter: 'messages'.", "messages");
    if (list.length === 0) {
      return problem("Invalid 'messages': empty array. Expected an array with minimum length 1.", "messages");
    }
    const messages: MockMessage[] = [];
    for (let i = 0; i < list.length; i++) {
      const message = list[i] as { role?: unknown; content?: unknown } | null;
      if (message === null || typeof message !== "object" || typeof message.role !== "string") {
        return problem(`Missing required parameter: 'messages[${i}].role'.`, `messages[${i}].role`);
      }
      const role = message.role === "developer" ? "system" : message.role;
      messages.push({ role, text: contentText(message.content) });
    }
    const maxWords = readMaxTokens(body);
    if (typeof maxWords === "object") return maxWords;
    if (body.stream !== undefined && body.stream !== null && typeof body.stream !== "boolean") {
      return problem("Invalid type for 'stream': expected a boolean.", "stream");
    }
    const options = body.stream_options as { include_usage?: unknown } | null | undefined;
    return {
      model: body.model,
      messages,
      maxWords,
      stream: body.stream === true,
      includeUsage: options?.include_usage === true,
      reasoning: typeof body.reasoning_effort === "string" && body.reasoning_effort !== "none",
    };
  }

  completion(answer: PlannedAnswer): string {
    if (answer.turn !== undefined) return turnCompletion(answer, Math.floor(Date.now() / 1000));
    // A template rather than JSON.stringify of a nested object: this runs on every request of a benchmark.
    const total = answer.promptTokens + answer.completionTokens;
    return (
      `{"id":${JSON.stringify(answer.id)},"object":"chat.completion","created":${Math.floor(Date.now() / 1000)},` +
      `"model":${JSON.stringify(answer.model)},"choices":[{"index":0,"message":{"role":"assistant",` +
      `"content":${JSON.stringify(answer.text)},"refusal":null,"annotations":[]},"logprobs":null,` +
      `"finish_reason":"${answer.truncated ? "length" : "stop"}"}],"usage":{"prompt_tokens":${answer.promptTokens},` +
      `"completion_tokens":${answer.completionTokens},"total_tokens":${total}},` +
      `"service_tier":"default","system_fingerprint":"${FINGERPRINT}"}`
    );
  }

  stream(answer: PlannedAnswer, pieces: readonly string[], includeUsage: boolean): StreamFrames {
    if (answer.turn !== undefined)
      return turnStream(answer, pieces, includeUsage, Math.floor(Date.now() / 1000));
    // Every chunk shares id, created and model; build that prefix once and splice each delta in.
    const head =
      `data: {"id":${JSON.stringify(answer.id)},"object":"chat.completion.chunk",` +
      `"created":${Math.floor(Date.now() / 1000)},"model":${JSON.stringify(answer.model)},` +
      `"service_tier":"default","system_fingerprint":"${FINGERPRINT}","choices":[`;
    const tail = includeUsage ? `],"usage":null}\n\n` : "]}\n\n";
    const choice = (delta: string, finish: string): string =>
      `{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}`;
    const chunks = pieces.map(
      (piece) => head + choice(`{"content":${JSON.stringify(piece)}}`, "null") + tail,
    );
    let trailer = head + choice("{}", answer.truncated ? '"length"' : '"stop"') + tail;
    if (includeUsage) {
      const usage = {
        prompt_tokens: answer.promptTokens,
        completion_tokens: answer.completionTokens,
        total_tokens: answer.promptTokens + answer.completionTokens,
      };
      trailer += `${head}],"usage":${JSON.stringify(usage)}}\n\n`;
    }
    trailer += "data: [DONE]\n\n";
    return {
      preamble: head + choice('{"role":"assistant","content":"","refusal":null}', "null") + tail,
      chunks,
      trailer,
    };
  }

  errorBody(status: number, message?: string, errorCode?: string, param: string | null = null): unknown {
    const known = statusType(status);
    return {
      error: { message: message ?? known.message, type: known.type, param, code: errorCode ?? known.code },
    };
  }

  rateLimitBody(insufficientQuota: boolean): unknown {
    if (!insufficientQuota) return this.errorBody(429);
    return {
      error: {
        message: "You exceeded your current quota, please check your plan and billing details.",
        type: "insufficient_quota",
        param: null,
        code: "insufficient_quota",
      },
    };
  }

  streamError(): string {
    return `data: ${JSON.stringify(this.errorBody(500))}\n\n`;
  }

  malformed(stream: boolean): string {
    return stream
      ? "data: {this is not json\n\n"
      : '{"id":"chatcmpl-mock","object":"chat.completion","choices":[';
  }

  headers(requestId: string): Record<string, string> {
    return { "x-request-id": requestId, ...this.#rateHeaders };
  }
}
