/**
 * Estimates a request's tokens before it is sent, for the rate gate's token bucket, and learns from
 * each answer's usage.
 *
 * Input: the characters of the messages' text divided by a characters-per-token ratio (4 to start,
 * OpenAI's rule of thumb for English), plus 4 tokens of framing per message; the ratio then follows the
 * answers' `promptTokens` (an exponential moving average), so it converges on the vendor's tokenizer
 * for the traffic this client really sends. Output: the call's `maxTokens` when set (what the vendors
 * themselves reserve), else the moving average of the completions seen. The gate corrects its bucket
 * with each answer's real `totalTokens`, so an estimate's error lasts one request.
 *
 * Cost: three numbers per worker, no tokenizer tables (a BPE table is megabytes per thread). Measured
 * error: docs/decisions.md ("Token estimates").
 */
import type { WireRequest } from "../../src/protocol.js";
import type { Usage, WireMessage } from "../../src/types.js";

const FRAMING_TOKENS = 4;
const ALPHA = 0.2;

/** Characters of a message list's text. */
export function textLength(messages: readonly WireMessage[]): number {
  let chars = 0;
  for (const message of messages) {
    const content = message.content;
    if (typeof content === "string") chars += content.length;
    else if (Array.isArray(content)) {
      for (const part of content) {
        const text = (part as { text?: unknown } | null)?.text;
        if (typeof text === "string") chars += text.length;
      }
    }
  }
  return chars;
}

/** See the module comment. */
export class TokenEstimator {
  #charsPerToken = 4;
  #output: number | undefined = undefined;

  /** Estimated prompt tokens of `request`. */
  input(request: WireRequest): number {
    return (
      Math.ceil(textLength(request.messages) / this.#charsPerToken) + FRAMING_TOKENS * request.messages.length
    );
  }

  /** Estimated total tokens (prompt and completion) of `request`. */
  estimate(request: WireRequest): number {
    return this.input(request) + (request.params.maxTokens ?? Math.ceil(this.#output ?? 0));
  }

  /** Learns from an answer's usage to `request`. */
  learn(request: WireRequest, usage: Usage): void {
    const text = usage.promptTokens - FRAMING_TOKENS * request.messages.length;
    const chars = textLength(request.messages);
    if (text > 0 && chars > 0) this.#charsPerToken += ALPHA * (chars / text - this.#charsPerToken);
    const output = usage.completionTokens;
    this.#output = this.#output === undefined ? output : this.#output + ALPHA * (output - this.#output);
  }

  /** The current characters-per-token ratio (for tests and inspection). */
  get charsPerToken(): number {
    return this.#charsPerToken;
  }
}
