/**
 * The cost of one answer from its usage and the model's per-million prices. `promptTokens` counts
 * every input token (cached ones included, on every provider): the cached and cache-write parts are
 * priced apart when the model has such prices, at the input price otherwise. Reasoning tokens are part
 * of `completionTokens` and priced as output, as the vendors bill them.
 */
import type { ModelPricing, TokenCounts, Usage } from "../types.js";

/** The usage fields added by the providers (contract "Additions (2026-12)"), read when present. */
export type DetailedUsage = Usage & {
  cachedPromptTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
};

/** US dollars for `usage` at `price`. */
export function costOf(usage: DetailedUsage, price: ModelPricing): number {
  const cached = usage.cachedPromptTokens ?? 0;
  const written = usage.cacheWriteTokens ?? 0;
  const plain = Math.max(0, usage.promptTokens - cached - written);
  const dollars =
    plain * price.inputPerMTok +
    cached * (price.cachedInputPerMTok ?? price.inputPerMTok) +
    written * (price.cacheWritePerMTok ?? price.inputPerMTok) +
    usage.completionTokens * price.outputPerMTok;
  return dollars / 1_000_000;
}

/** Adds `usage` to the counters `into`. */
export function countTokens(into: TokenCounts, usage: DetailedUsage): void {
  into.input += usage.promptTokens;
  into.cachedInput += usage.cachedPromptTokens ?? 0;
  into.cacheWrite += usage.cacheWriteTokens ?? 0;
  into.output += usage.completionTokens;
  into.reasoning += usage.reasoningTokens ?? 0;
}

/** Zeroed counters. */
export function noTokens(): TokenCounts {
  return { input: 0, cachedInput: 0, cacheWrite: 0, output: 0, reasoning: 0 };
}
