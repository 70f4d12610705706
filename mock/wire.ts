/**
 * What the server needs from a vendor wire format. `openaiWire.ts` and `anthropicWire.ts` implement it;
 * the server itself never looks inside a body.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { MockTurn } from "./turn.js";
import type { MockMessage } from "./types.js";

/** A request the wire format accepted. */
export interface ParsedChatRequest {
  model: string;
  /** The conversation, system prompt first when there is one. */
  messages: MockMessage[];
  /** `max_tokens` (or `max_completion_tokens`): the answer is cut to this many words. */
  maxWords: number | undefined;
  stream: boolean;
  /** OpenAI `stream_options.include_usage`. */
  includeUsage: boolean;
  /**
   * The request asked for reasoning (OpenAI `reasoning_effort`, Anthropic `thinking`, Gemini
   * `thinkingConfig.includeThoughts`): the mock then reasons aloud.
   */
  reasoning?: boolean;
}

/** A request the wire format refused (400). */
export interface RequestProblem {
  problem: string;
  param: string | null;
}

/** The answer the server decided on, before it is written in a vendor's format. */
export interface PlannedAnswer {
  id: string;
  model: string;
  text: string;
  /** True when `maxWords` cut the text. */
  truncated: boolean;
  promptTokens: number;
  completionTokens: number;
  /** Everything but the text, when the turn has more (reasoning, refusal, tool calls, ...): see `turn.ts`. */
  turn?: MockTurn;
}

/** A streamed answer as SSE text, split where chunk delays and stream faults apply. */
export interface StreamFrames {
  /** Opening events, always sent first. */
  preamble: string;
  /** One SSE event per text chunk. */
  chunks: string[];
  /** Closing events (finish reason, usage, terminator). */
  trailer: string;
}

/** One vendor's wire format. */
export interface WireFormat {
  readonly provider: "openai" | "anthropic" | "azure" | "gemini";
  /** Whether the headers carry `apiKey` the way this vendor expects. */
  authorized(headers: IncomingHttpHeaders, apiKey: string): boolean;
  /** A problem with headers that the vendor refuses with 400 (e.g. Anthropic's missing `anthropic-version`). */
  headerProblem(headers: IncomingHttpHeaders): RequestProblem | undefined;
  /** Reads a parsed JSON body (`path`: the request's path, where Gemini names the model). */
  parse(body: unknown, path: string): ParsedChatRequest | RequestProblem;
  /** The non-streaming answer body. */
  completion(answer: PlannedAnswer): string;
  /** The streamed answer; `pieces` (the answer text cut into chunks) joined equal `answer.text`. */
  stream(answer: PlannedAnswer, pieces: readonly string[], includeUsage: boolean): StreamFrames;
  /** The vendor's error body for `status`; `errorCode` overrides the code (OpenAI) or error type (Anthropic). */
  errorBody(status: number, message?: string, errorCode?: string, param?: string | null): unknown;
  /** The 429 body; `insufficientQuota` gives the code that must not be retried. */
  rateLimitBody(insufficientQuota: boolean): unknown;
  /** An error event in the middle of a stream. */
  streamError(): string;
  /** A 200 body that is not this API's format (invalid JSON; for a stream, an event whose data is not JSON). */
  malformed(stream: boolean): string;
  /** Headers sent with every answer of this vendor (request id included). */
  headers(requestId: string): Record<string, string>;
}
