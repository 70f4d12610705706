/**
 * The optional fields of a reply (`src/types.ts`: id, reasoning, refusal, reasoning details,
 * logprobs, choices, usage details), copied so that a cache entry and what a caller receives share
 * no mutable part. Strings and numbers are copied as they are; the rare nested arrays are cloned.
 * Each check is one property read, so a reply without them (the common case) pays next to nothing.
 */
import type { Reply, Usage } from "../../src/types.js";

/** Copies `from`'s optional reply fields onto `to`. */
export function copyReplyExtras(from: Partial<Reply>, to: Partial<Reply>): void {
  if (from.id !== undefined) to.id = from.id;
  if (from.reasoning !== undefined) to.reasoning = from.reasoning;
  if (from.refusal !== undefined) to.refusal = from.refusal;
  if (from.reasoningDetails !== undefined) to.reasoningDetails = structuredClone(from.reasoningDetails);
  if (from.logprobs !== undefined) to.logprobs = structuredClone(from.logprobs);
  if (from.choices !== undefined) to.choices = structuredClone(from.choices);
}

/** Copies `from`'s optional usage counts onto `to`. */
export function copyUsageExtras(from: Usage, to: Usage): void {
  if (from.cachedPromptTokens !== undefined) to.cachedPromptTokens = from.cachedPromptTokens;
  if (from.cacheWriteTokens !== undefined) to.cacheWriteTokens = from.cacheWriteTokens;
  if (from.reasoningTokens !== undefined) to.reasoningTokens = from.reasoningTokens;
}
