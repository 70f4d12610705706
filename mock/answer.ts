/**
 * The mock's answer text: deterministic, different for every conversation, and the same through both
 * providers. Tokens are counted as whitespace-separated words, which is all the mock needs.
 */
import { requestedSchema, sampleJson } from "./jsonSample.js";
import type { MockAnswerInput, MockMessage } from "./types.js";

const QUOTE_LIMIT = 48;

/** The plain text of an OpenAI or Anthropic `content` value (a string, or an array of text parts). */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let text = "";
  for (const part of content) {
    if (typeof part === "string") text += (text ? "\n" : "") + part;
    else if (
      part !== null &&
      typeof part === "object" &&
      typeof (part as { text?: unknown }).text === "string"
    ) {
      text += (text ? "\n" : "") + (part as { text: string }).text;
    } else if (
      part !== null &&
      typeof part === "object" &&
      (part as { type?: unknown }).type === "tool_result"
    ) {
      // Anthropic's tool results: what the tool said is the turn's text.
      const inner = contentText((part as { content?: unknown }).content);
      if (inner !== "") text += (text ? "\n" : "") + inner;
    }
  }
  return text;
}

/** FNV-1a 32-bit: cheap, and stable across runs and processes (unlike anything seeded). */
export function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0");
}

/**
 * The default answer: `Mock answer <hash> to "<last user text>"`. The hash covers every message (role and
 * text, system prompt included), so two conversations that differ anywhere get different answers.
 */
export function defaultAnswer(messages: readonly MockMessage[]): string {
  let digestInput = "";
  let lastUser = "";
  for (const message of messages) {
    digestInput += `${message.role}\u0000${message.text}\u0001`;
    if (message.role === "user") lastUser = message.text;
  }
  let quoted = lastUser.replace(/\s+/g, " ").trim();
  if (quoted.length > QUOTE_LIMIT) quoted = `${quoted.slice(0, QUOTE_LIMIT)}...`;
  return `Mock answer ${fnv1a(digestInput)} to "${quoted}"`;
}

/** How many whitespace-separated words `text` holds: the mock's token count. */
export function countWords(text: string): number {
  let count = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const space = code === 32 || (code >= 9 && code <= 13);
    if (!space && !inWord) count++;
    inWord = !space;
  }
  return count;
}

/** Splits `text` into pieces of `size` words; each piece keeps its trailing whitespace, so joining them gives `text` back. */
export function splitWords(text: string, size: number): string[] {
  const words = text.match(/\s*\S+\s*/g) ?? [];
  if (size <= 1) return words;
  const pieces: string[] = [];
  for (let i = 0; i < words.length; i += size) pieces.push(words.slice(i, i + size).join(""));
  return pieces;
}

/** The answer cut to at most `maxWords` words, and whether it was cut (finish reason "length"). */
export function limitWords(text: string, maxWords: number | undefined): { text: string; truncated: boolean } {
  if (maxWords === undefined || !Number.isFinite(maxWords)) return { text, truncated: false };
  const words = text.match(/\s*\S+\s*/g) ?? [];
  if (words.length <= maxWords) return { text, truncated: false };
  return { text: words.slice(0, Math.max(0, maxWords)).join("").trimEnd(), truncated: true };
}

/** The built-in answer: a JSON value valid against the request's schema when it asks for one, else text. */
export function builtInAnswer(input: MockAnswerInput): string {
  const schema = requestedSchema(input.body);
  return schema === undefined ? defaultAnswer(input.messages) : JSON.stringify(sampleJson(schema));
}
