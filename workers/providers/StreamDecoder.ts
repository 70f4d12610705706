/**
 * A stream decoder turns a vendor's server-sent events, one at a time, into text deltas and, at the
 * end, the parts of a {@link Reply} that are not text (finish reason, usage, model, tool calls).
 *
 * One decoder per stream; pure, no I/O, so each is tested on recorded events. SSE framing (lines,
 * `data:` fields, blank lines) is eventsource-parser's job; see `workers/stream/SseReader.ts`.
 */
import type { EventSourceMessage } from "eventsource-parser";
import type { FinishReason, ProviderName, ToolCall, Usage } from "../../src/types.js";
import { AnthropicStreamDecoder } from "./anthropicStream.js";
import { OpenAIStreamDecoder } from "./openaiStream.js";

/** Everything but the text of a finished stream. */
export interface StreamSummary {
  finishReason: FinishReason;
  /** Zeros when upstream did not report usage. */
  usage: Usage;
  model: string;
  toolCalls?: ToolCall[];
}

/** Decodes one stream's events; see the module comment. */
export interface StreamDecoder {
  /**
   * Decodes one event and returns the text it adds (`""` when none).
   * Throws a `DspexError` for an error event (`ERR_RATE_LIMITED`, `ERR_HTTP`) or data that is not the
   * API's format (`ERR_BAD_RESPONSE`).
   */
  decode(event: EventSourceMessage): string;
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
  return provider === "openai" ? new OpenAIStreamDecoder() : new AnthropicStreamDecoder();
}
