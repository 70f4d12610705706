/**
 * The pieces of an OpenAI-compatible answer that several servers spell differently, read in one place
 * for replies and stream chunks alike:
 *
 * - `content`: a string, `null`, or (Mistral) an array of parts: `text`, `thinking` (whose `thinking`
 *   is itself text or an array of text parts), `refusal`. Parts that carry no answer (`reference`,
 *   images) are skipped; any other shape is `ERR_BAD_RESPONSE`, never an empty answer.
 * - Reasoning: `reasoning_content` (DeepSeek, xAI, vLLM), `reasoning` (OpenRouter, Groq, Ollama),
 *   `reasoning_details` (OpenRouter's items, kept as they came, see `ReasoningDetail`).
 * - Usage details: `prompt_tokens_details.cached_tokens` (OpenAI, and most servers),
 *   `prompt_cache_hit_tokens` (DeepSeek), `cache_write_tokens` (OpenRouter),
 *   `completion_tokens_details.reasoning_tokens`.
 * - Log probabilities: `logprobs.content[]`.
 */
import { dspexError } from "../../src/errors.js";
import type { ReasoningDetail, TokenLogprob, Usage } from "../../src/types.js";

/** What a `content` value holds once its parts are sorted. */
export interface ContentPieces {
  text: string;
  reasoning: string;
  refusal: string;
}

/** Part types that carry no answer text: skipped without a word. */
const SILENT_PARTS = new Set(["reference", "image_url", "image", "input_audio", "audio", "file"]);

/** Sorts a `content` value (string, null, or parts); throws `ERR_BAD_RESPONSE` on another shape. */
export function contentPieces(content: unknown, where: string): ContentPieces {
  const pieces: ContentPieces = { text: "", reasoning: "", refusal: "" };
  if (content === null || content === undefined) return pieces;
  if (typeof content === "string") {
    pieces.text = content;
    return pieces;
  }
  if (!Array.isArray(content)) throw bad(`${where} is neither text, null nor an array of parts`);
  for (let i = 0; i < content.length; i++) {
    const part: unknown = content[i];
    if (typeof part === "string") {
      pieces.text += part;
      continue;
    }
    if (!isRecord(part)) throw bad(`${where}[${i}] is not a content part`);
    switch (part.type) {
      case "text":
        if (typeof part.text !== "string") throw bad(`${where}[${i}] is a text part without text`);
        pieces.text += part.text;
        break;
      case "thinking":
        pieces.reasoning += thinkingText(part.thinking, `${where}[${i}].thinking`);
        break;
      case "refusal":
        if (typeof part.refusal !== "string") throw bad(`${where}[${i}] is a refusal part without text`);
        pieces.refusal += part.refusal;
        break;
      default:
        if (typeof part.type === "string" && SILENT_PARTS.has(part.type)) break;
        throw bad(`${where}[${i}] is a part of unknown type ${JSON.stringify(part.type)}`);
    }
  }
  return pieces;
}

/** Mistral's `thinking`: text, or an array of text parts. */
function thinkingText(thinking: unknown, where: string): string {
  if (typeof thinking === "string") return thinking;
  if (!Array.isArray(thinking)) throw bad(`${where} is neither text nor an array of parts`);
  let text = "";
  for (const part of thinking) {
    if (typeof part === "string") text += part;
    else if (isRecord(part) && typeof part.text === "string") text += part.text;
    else throw bad(`${where} holds a part without text`);
  }
  return text;
}

/** The reasoning text a message or delta carries in a field of its own (`reasoning_content`, `reasoning`). */
export function reasoningField(message: Record<string, unknown>): string {
  const a = message.reasoning_content;
  if (typeof a === "string") return a;
  const b = message.reasoning;
  return typeof b === "string" ? b : "";
}

/** OpenRouter's `reasoning_details` items (objects with a string `type`), or `undefined`. */
export function reasoningDetailsOf(value: unknown): ReasoningDetail[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const out: ReasoningDetail[] = [];
  for (const item of value) {
    if (isRecord(item) && typeof item.type === "string") out.push(item as unknown as ReasoningDetail);
  }
  return out.length === 0 ? undefined : out;
}

/** The readable text of reasoning items (used when a server sends only `reasoning_details`). */
export function reasoningTextOf(details: readonly ReasoningDetail[]): string {
  let text = "";
  for (const d of details) {
    if (d.type === "reasoning.text" && typeof d.text === "string") text += d.text;
    else if (d.type === "reasoning.summary" && typeof d.summary === "string") text += d.summary;
  }
  return text;
}

/**
 * Streamed `reasoning_details` fragments merged into whole items: fragments of one item share its
 * `index` (and type); text is appended, a later `signature` or `data` completes it.
 */
export function mergeReasoningDetails(into: ReasoningDetail[], fragments: readonly ReasoningDetail[]): void {
  for (const fragment of fragments) {
    const last = into.at(-1);
    const sameItem =
      last !== undefined &&
      last.type === fragment.type &&
      (fragment.index === undefined || last.index === fragment.index);
    if (!sameItem) {
      into.push({ ...fragment });
      continue;
    }
    const target = last as Record<string, unknown>;
    for (const [key, value] of Object.entries(fragment)) {
      if (value === null || value === undefined) continue;
      if ((key === "text" || key === "summary" || key === "data") && typeof target[key] === "string") {
        target[key] = (target[key] as string) + (value as string);
      } else target[key] = value;
    }
  }
}

/** OpenAI's `usage` object in the contract's shape (details only when the server sent them). */
export function openaiUsage(usage: Record<string, unknown>): Usage {
  const promptTokens = count(usage.prompt_tokens);
  const completionTokens = count(usage.completion_tokens);
  const total = usage.total_tokens;
  const out: Usage = {
    promptTokens,
    completionTokens,
    totalTokens: typeof total === "number" ? total : promptTokens + completionTokens,
  };
  const prompt = isRecord(usage.prompt_tokens_details) ? usage.prompt_tokens_details : undefined;
  const cached = prompt?.cached_tokens ?? usage.prompt_cache_hit_tokens;
  if (typeof cached === "number") out.cachedPromptTokens = cached;
  const written = prompt?.cache_write_tokens ?? prompt?.cache_creation_tokens;
  if (typeof written === "number") out.cacheWriteTokens = written;
  const completion = isRecord(usage.completion_tokens_details) ? usage.completion_tokens_details : undefined;
  if (typeof completion?.reasoning_tokens === "number") out.reasoningTokens = completion.reasoning_tokens;
  return out;
}

/** `logprobs.content[]` in the contract's shape; `undefined` when absent. */
export function logprobsOf(logprobs: unknown): TokenLogprob[] | undefined {
  if (!isRecord(logprobs) || !Array.isArray(logprobs.content)) return undefined;
  return logprobs.content.map(tokenLogprob);
}

function tokenLogprob(raw: unknown): TokenLogprob {
  if (!isRecord(raw) || typeof raw.token !== "string" || typeof raw.logprob !== "number") {
    throw bad("a logprobs entry without token or logprob");
  }
  const out: TokenLogprob = { token: raw.token, logprob: raw.logprob };
  if (Array.isArray(raw.bytes)) out.bytes = raw.bytes as number[];
  if (Array.isArray(raw.top_logprobs)) {
    out.topLogprobs = raw.top_logprobs.map((t: unknown) => {
      if (!isRecord(t) || typeof t.token !== "string" || typeof t.logprob !== "number") {
        throw bad("a top_logprobs entry without token or logprob");
      }
      const alt: { token: string; logprob: number; bytes?: number[] | null } = {
        token: t.token,
        logprob: t.logprob,
      };
      if (Array.isArray(t.bytes)) alt.bytes = t.bytes as number[];
      return alt;
    });
  }
  return out;
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

function bad(message: string) {
  return dspexError("ERR_BAD_RESPONSE", `not an OpenAI chat completion: ${message}`);
}

/** True for a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
