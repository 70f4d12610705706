/**
 * A stream decoder turns a vendor's server-sent events, one at a time, into text and reasoning deltas
 * and, at the end, the parts of a {@link Reply} that are not text (finish reason, usage, model, tool
 * calls, id, the whole reasoning, refusal, reasoning details, logprobs).
 *
 * One decoder per stream; pure, no I/O, so each is tested on recorded events. SSE framing (lines,
 * `data:` fields, blank lines) is eventsource-parser's job; see `workers/stream/SseReader.ts`.
 */
import type { EventSourceMessage } from "eventsource-parser";
import type { ProviderName, Reply } from "../../src/types.js";
import { AnthropicStreamDecoder } from "./anthropicStream.js";
import { GeminiStreamDecoder } from "./geminiStream.js";
import { OpenAIStreamDecoder } from "./openaiStream.js";

/**
 * Everything but the text of a finished stream: a reply's fields (`usage` zeros when upstream did
 * not report it; `reasoning` the whole reasoning text).
 */
export type StreamSummary = Omit<Reply, "text" | "cached" | "choices">;

/** Decodes one stream's events; see the module comment. */
export interface StreamDecoder {
  /**
   * Decodes one event and returns the text it adds (`""` when none).
   * Throws a `DspexError` for an error event (`ERR_RATE_LIMITED`, `ERR_HTTP`) or data that is not the
   * API's format (`ERR_BAD_RESPONSE`).
   */
  decode(event: EventSourceMessage): string;
  /** The reasoning text decoded since the last call (`""` when none); read after each `decode`. */
  takeReasoning(): string;
  /** True once the vendor's terminal event was seen (`[DONE]`, `message_stop`). */
  readonly done: boolean;
  /**
   * True when a body that ends now holds the whole answer: `done`, or (OpenAI-compatible servers that
   * close after the finish reason without `[DONE]`) the finish reason was seen.
   */
  readonly complete: boolean;
  /**
   * How many events so far carried part of the answer (text, a tool-call fragment, the finish reason,
   * the end). Pings and bookkeeping events do not count: a stall timer resets only on progress.
   */
  readonly progress: number;
  /** What is known besides the text; complete once `done`. */
  summary(): StreamSummary;
}

/** A fresh decoder for `provider`'s stream format. */
export function createStreamDecoder(provider: ProviderName): StreamDecoder {
  switch (provider) {
    case "anthropic":
      return new AnthropicStreamDecoder();
    case "gemini":
      return new GeminiStreamDecoder();
    default:
      return new OpenAIStreamDecoder();
  }
}
