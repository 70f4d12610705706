/**
 * Anthropic's usage and thinking blocks in the contract's shapes, shared by replies and streams.
 *
 * Usage: Anthropic counts the prompt in three parts (`input_tokens` not cached, `cache_read_input_tokens`,
 * `cache_creation_input_tokens`); `promptTokens` is their sum, so it means what OpenAI's
 * `prompt_tokens` means (every input token processed). `output_tokens` includes thinking; Anthropic
 * does not report thinking tokens apart, so `reasoningTokens` stays unset.
 */
import type { ReasoningDetail, Usage } from "../../src/types.js";

/** The `format` of reasoning details made by Anthropic (OpenRouter's name for the same thing). */
export const ANTHROPIC_FORMAT = "anthropic-claude-v1";

/** Running Anthropic token counts (a stream's events update them; a reply has them all at once). */
export interface AnthropicCounts {
  input: number;
  output: number;
  cacheRead: number | undefined;
  cacheWrite: number | undefined;
}

/** Reads `usage` into `counts` (a later event's count replaces an earlier one: they are cumulative). */
export function readAnthropicCounts(counts: AnthropicCounts, usage: unknown): void {
  if (typeof usage !== "object" || usage === null) return;
  const u = usage as Record<string, unknown>;
  if (typeof u.input_tokens === "number") counts.input = u.input_tokens;
  if (typeof u.output_tokens === "number") counts.output = u.output_tokens;
  if (typeof u.cache_read_input_tokens === "number") counts.cacheRead = u.cache_read_input_tokens;
  if (typeof u.cache_creation_input_tokens === "number") counts.cacheWrite = u.cache_creation_input_tokens;
}

/** The counts as a {@link Usage}; see the module comment. */
export function usageFromCounts(c: AnthropicCounts): Usage {
  const promptTokens = c.input + (c.cacheRead ?? 0) + (c.cacheWrite ?? 0);
  const usage: Usage = {
    promptTokens,
    completionTokens: c.output,
    totalTokens: promptTokens + c.output,
  };
  if (c.cacheRead !== undefined) usage.cachedPromptTokens = c.cacheRead;
  if (c.cacheWrite !== undefined) usage.cacheWriteTokens = c.cacheWrite;
  return usage;
}

/** A reply's `usage` object as a {@link Usage}. */
export function anthropicUsage(usage: unknown): Usage {
  const counts: AnthropicCounts = { input: 0, output: 0, cacheRead: undefined, cacheWrite: undefined };
  readAnthropicCounts(counts, usage);
  return usageFromCounts(counts);
}

/** A `thinking` block as a reasoning detail (its signature must go back unchanged). */
export function thinkingDetail(text: string, signature: unknown, index: number): ReasoningDetail {
  const detail: ReasoningDetail = { type: "reasoning.text", text, format: ANTHROPIC_FORMAT, index };
  if (typeof signature === "string") detail.signature = signature;
  return detail;
}

/** A `redacted_thinking` block as a reasoning detail. */
export function redactedDetail(data: string, index: number): ReasoningDetail {
  return { type: "reasoning.encrypted", data, format: ANTHROPIC_FORMAT, index };
}

/**
 * Reasoning details of an assistant message as Anthropic blocks, in order: ours (format
 * `anthropic-claude-v1`, or none) become `thinking` / `redacted_thinking`; another vendor's are left
 * out (they mean nothing to Anthropic, and a conversation may have moved between providers).
 */
export function anthropicThinkingBlocks(details: unknown): { [key: string]: string }[] {
  if (!Array.isArray(details)) return [];
  const blocks: { [key: string]: string }[] = [];
  for (const d of details as Record<string, unknown>[]) {
    if (typeof d !== "object" || d === null) continue;
    if (d.format !== undefined && d.format !== null && d.format !== ANTHROPIC_FORMAT) continue;
    if (d.type === "reasoning.text" && typeof d.text === "string") {
      const block: { [key: string]: string } = { type: "thinking", thinking: d.text };
      if (typeof d.signature === "string") block.signature = d.signature;
      blocks.push(block);
    } else if (d.type === "reasoning.encrypted" && typeof d.data === "string") {
      blocks.push({ type: "redacted_thinking", data: d.data });
    }
  }
  return blocks;
}
