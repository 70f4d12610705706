/**
 * Replies copied so that a cache entry, what each caller receives and what each coalesced follower
 * gets share no mutable part: replies posted in one batch keep their identity across the thread
 * (structured clone does), and a caller may mutate what it was handed.
 *
 * Field by field on purpose: measured ~0.05 µs, against ~0.9 µs for object spread of the same reply.
 * The optional fields (`src/types.ts`: id, reasoning, refusal, reasoning details, logprobs, choices,
 * usage details) cost one property read each when absent (the common case); strings and numbers are
 * copied as they are, the rare nested arrays cloned.
 */
import type { Reply, Usage } from "../../src/types.js";

/** A reply as stored: without `cached`, which is a property of each answer, not of the entry. */
export type StoredReply = Omit<Reply, "cached">;

/** A copy of a reply that shares no mutable part with it, `cached` as it was. */
export function copyReply(reply: Reply): Reply {
  const out = copyStored(reply, true);
  out.cached = reply.cached;
  return out;
}

/** A copy that shares no mutable part with `reply`, with `cached` set (a hit) or left out (an entry). */
export function copyStored(reply: StoredReply, cached: true): Reply;
export function copyStored(reply: StoredReply): StoredReply;
export function copyStored(reply: StoredReply, cached?: true): StoredReply | Reply {
  const u = reply.usage;
  const usage: Usage = {
    promptTokens: u.promptTokens,
    completionTokens: u.completionTokens,
    totalTokens: u.totalTokens,
  };
  copyUsageExtras(u, usage);
  const out: StoredReply | Reply =
    cached === undefined
      ? { text: reply.text, usage, finishReason: reply.finishReason, model: reply.model }
      : { text: reply.text, cached, usage, finishReason: reply.finishReason, model: reply.model };
  if (reply.toolCalls !== undefined) {
    out.toolCalls = reply.toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments }));
  }
  copyReplyExtras(reply, out);
  return out;
}

/** Copies `from`'s optional reply fields onto `to`. */
function copyReplyExtras(from: Partial<Reply>, to: Partial<Reply>): void {
  if (from.id !== undefined) to.id = from.id;
  if (from.reasoning !== undefined) to.reasoning = from.reasoning;
  if (from.refusal !== undefined) to.refusal = from.refusal;
  if (from.reasoningDetails !== undefined) to.reasoningDetails = structuredClone(from.reasoningDetails);
  if (from.logprobs !== undefined) to.logprobs = structuredClone(from.logprobs);
  if (from.choices !== undefined) to.choices = structuredClone(from.choices);
}

/** Copies `from`'s optional usage counts onto `to`. */
function copyUsageExtras(from: Usage, to: Usage): void {
  if (from.cachedPromptTokens !== undefined) to.cachedPromptTokens = from.cachedPromptTokens;
  if (from.cacheWriteTokens !== undefined) to.cacheWriteTokens = from.cacheWriteTokens;
  if (from.reasoningTokens !== undefined) to.reasoningTokens = from.reasoningTokens;
}
