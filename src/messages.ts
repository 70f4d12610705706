/**
 * The messages of a conversation, typed per role in OpenAI's chat shape (providers translate them), so a
 * wrong shape is a compile error. `validateMessages` (src/validate.ts) checks the same at run time for
 * JavaScript callers; what crosses to the worker is the looser {@link WireMessage} below.
 */

import type { Json } from "./json.js";
import type { ReasoningDetail } from "./replyTypes.js";

/** The roles of OpenAI's chat shape. */
export type Role = "system" | "developer" | "user" | "assistant" | "tool";

/** A piece of text in a message's content. */
export interface TextPart {
  type: "text";
  text: string;
  /** Anthropic prompt caching: mark the end of a cacheable prefix. */
  cache_control?: { type: "ephemeral"; ttl?: "5m" | "1h" };
}

/** An image by URL or `data:` URL (OpenAI's shape; providers translate it). */
export interface ImagePart {
  type: "image_url";
  image_url: { url: string; detail?: "auto" | "low" | "high" };
}

/** Audio input, base64 (OpenAI's shape). */
export interface AudioPart {
  type: "input_audio";
  input_audio: { data: string; format: "wav" | "mp3" };
}

/** A file, by id or inline base64 data (OpenAI's shape). */
export interface FilePart {
  type: "file";
  file: { file_id?: string; file_data?: string; filename?: string };
}

/**
 * The model's reasoning from an earlier turn, given back (Anthropic requires its thinking blocks, with
 * their `signature`, back on the next turn of a tool loop with thinking on).
 */
export interface ThinkingPart {
  type: "thinking";
  thinking: string;
  signature?: string;
}

/** Reasoning the vendor returned encrypted (Anthropic `redacted_thinking`), given back as it came. */
export interface RedactedThinkingPart {
  type: "redacted_thinking";
  data: string;
}

/** The content parts a user message may hold. */
export type UserContentPart = TextPart | ImagePart | AudioPart | FilePart;

/** The content parts an assistant message may hold. */
export type AssistantContentPart =
  | TextPart
  | ThinkingPart
  | RedactedThinkingPart
  | { type: "refusal"; refusal: string };

/** A tool call the assistant made, as it is given back in the conversation (OpenAI's shape). */
export interface AssistantToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** Instructions: `system`, or `developer` (OpenAI's name for it on newer models). */
export interface SystemMessage {
  role: "system" | "developer";
  content: string | readonly TextPart[];
  name?: string;
}

/** What the user said: text, or parts (text, images, audio, files). */
export interface UserMessage {
  role: "user";
  content: string | readonly UserContentPart[];
  name?: string;
}

/** What the model said on an earlier turn: text or parts, and the tool calls it made. */
export interface AssistantMessage {
  role: "assistant";
  /** `null` (or absent content) when the turn was only tool calls. */
  content: string | readonly AssistantContentPart[] | null;
  tool_calls?: readonly AssistantToolCall[];
  refusal?: string | null;
  name?: string;
  /** The reasoning text of that turn, for OpenAI-compatible servers that take it back. */
  reasoning_content?: string;
  /**
   * The reply's `reasoningDetails` (signed or encrypted reasoning the vendor requires back: Anthropic
   * thinking, Gemini thought signatures); `assistantMessage(reply)` fills it in.
   */
  reasoning_details?: readonly ReasoningDetail[];
}

/** A tool's result, answering the assistant's tool call `tool_call_id`. */
export interface ToolMessage {
  role: "tool";
  content: string | readonly TextPart[];
  tool_call_id: string;
}

/**
 * One message in OpenAI's chat shape, typed per role so that a wrong shape is a compile error. The
 * runtime check (`ERR_INVALID_ARGUMENT`) stays for JavaScript callers.
 */
export type ChatMessage = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

/**
 * A message as it crosses to the worker: any role's fields, validated at run time by
 * `validateMessages` (callers write the stricter {@link ChatMessage}); extra fields ride along.
 */
export interface WireMessage {
  role: Role;
  /** Text, or an array of content parts (`{ type: "text", text }`, ...); `null` for an assistant tool call. */
  content: string | Json[] | null;
  [extra: string]: Json | undefined;
}
