/**
 * A scripted assistant turn: what an `answer` override may return instead of plain text, so tests can
 * have the mock reason, refuse, call tools, or answer in parts, and each wire format writes it the way
 * its vendor does (OpenAI `reasoning_content` / `refusal` / `tool_calls`; Mistral-style content parts;
 * Anthropic `thinking` blocks with a `signature`; Gemini thought parts with a `thoughtSignature`).
 *
 * Signatures are deterministic (`sig_` + a hash of the reasoning text), so the mock can check that a
 * client sends them back unchanged on the next turn, as the vendors do.
 */
import { fnv1a } from "./answer.js";

/** One tool call the mock makes. */
export interface MockToolCall {
  /** Default: `call_mock<n>` (OpenAI), `toolu_mock<n>` (Anthropic); Gemini sends none. */
  id?: string;
  name: string;
  arguments: Record<string, unknown>;
}

/** A scripted turn; see the module comment. */
export interface MockTurn {
  text: string;
  /** The model's reasoning (sent only when the request asked for reasoning, or always when `true` is set below). */
  reasoning?: string;
  /** The model refuses: OpenAI `refusal` (content null), Anthropic `stop_reason: "refusal"`, Gemini `SAFETY`. */
  refusal?: string;
  toolCalls?: MockToolCall[];
  /** OpenAI-compatible only: write `content` as an array of parts (`thinking`, then `text`), as Mistral does. */
  contentParts?: boolean;
  /** Prompt tokens to report as read from the vendor's prompt cache. */
  cachedPromptTokens?: number;
  /** Prompt tokens to report as written to it (Anthropic). */
  cacheWriteTokens?: number;
}

/** The signature the mock gives a piece of reasoning (and expects back). */
export function signatureOf(reasoning: string): string {
  return `sig_${fnv1a(reasoning)}`;
}

/** The turn of an `answer` result (plain text is a turn with only text). */
export function toTurn(answer: string | MockTurn): MockTurn {
  return typeof answer === "string" ? { text: answer } : answer;
}

/** How many whitespace-separated words: the mock's token count of reasoning. */
export function reasoningTokens(turn: MockTurn | undefined): number {
  const r = turn?.reasoning;
  return r === undefined ? 0 : (r.match(/\S+/g) ?? []).length;
}

/**
 * The extras of an answer, or `undefined` for plain text nobody asked more of (the fast path). A
 * request that asks for reasoning gets some (`Considering "<last user text>".`) unless the turn
 * brings its own.
 */
export function planTurn(
  answer: string | MockTurn,
  request: { reasoning?: boolean; messages: readonly { role: string; text: string }[] },
): MockTurn | undefined {
  if (typeof answer === "string" && request.reasoning !== true) return undefined;
  const turn = toTurn(answer);
  if (request.reasoning === true && turn.reasoning === undefined) {
    const last = request.messages.findLast((m) => m.role === "user")?.text ?? "";
    return { ...turn, reasoning: `Considering "${last.replace(/\s+/g, " ").trim().slice(0, 48)}".` };
  }
  return turn;
}
