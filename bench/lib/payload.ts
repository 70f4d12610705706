/**
 * The payload every contender carries, so that "same payload" holds across dspex and its ceilings:
 * one short chat request (system + user message) going in, one reply coming back, in the exact
 * message shapes of the dspex protocol (`ToWorker` call, `FromWorker` reply).
 */
import type { FromWorker, ToWorker } from "../../src/protocol.js";
import type { ChatMessage, Reply, WireMessage } from "../../src/types.js";

/** The model name sent to the mock server. */
export const MODEL = "gpt-4o-mini";

/** A placeholder key: the mock server accepts any, and it is not a secret. */
export const BENCH_API_KEY = "sk-bench-placeholder";

/** The system prompt of every chat request. */
export const SYSTEM_PROMPT = "You are a terse assistant. Answer in one word.";

/** The user's text of call `seq`; `unique` puts the number in it so no cache can answer it. */
export function userText(seq: number, unique: boolean): string {
  return unique ? `What is the capital of France? (request ${seq})` : "What is the capital of France?";
}

/** The chat request of call `seq`; `unique` puts the number in the text so no cache can answer it. */
export function messagesFor(seq: number, unique: boolean): ChatMessage[] {
  return [
    { role: "system", content: SYSTEM_PROMPT },
    { role: "user", content: userText(seq, unique) },
  ];
}

/** The reply a cache hit carries back (what the echo ceilings answer with). */
export const CACHED_REPLY: Reply = {
  text: "Paris.",
  cached: true,
  usage: { promptTokens: 24, completionTokens: 2, totalTokens: 26 },
  finishReason: "stop",
  model: MODEL,
};

/** A `call` message as the dspex proxy posts it. */
export function callMessage(id: number): Extract<ToWorker, { type: "call" }> {
  return {
    type: "call",
    id,
    request: {
      // What the proxy posts is the validated wire form of the caller's messages.
      messages: messagesFor(0, false) as WireMessage[],
      params: { temperature: 0 },
      deadline: Date.now() + 60_000,
      attemptTimeoutMs: 30_000,
      maxRetries: 2,
      cache: "use",
    },
  };
}

/** The `reply` message a worker answers a cache hit with. */
export function replyMessage(id: number): Extract<FromWorker, { type: "reply" }> {
  return { type: "reply", id, reply: CACHED_REPLY, meta: { attempts: 0, cacheEntries: 1 } };
}

/** The OpenAI request body the HTTP peers send (what dspex's openai provider sends). */
export function chatBody(seq: number): string {
  return JSON.stringify({ model: MODEL, messages: messagesFor(seq, true), temperature: 0 });
}
