/**
 * OpenAI-shaped chat messages in the Gemini API's shape (`contents` and `systemInstruction`).
 *
 * - `system` / `developer` messages become `systemInstruction.parts` (text only).
 * - `user` -> role `user`; text parts as `{text}`, `image_url` data URLs as `inlineData`.
 * - `assistant` -> role `model`: its reasoning details made by Gemini first (thought parts with
 *   their `thoughtSignature`), its text, then one `functionCall` part per tool call, carrying the
 *   thought signature Gemini attached to that call (a `reasoning.encrypted` detail whose `id` is the
 *   call's id), as Gemini requires for function calling with thinking.
 * - `tool` -> a `functionResponse` part (in a `user` turn) named after the call it answers; the
 *   content is the response object when it is a JSON object, else `{ result: content }`.
 * - Adjacent messages of one role merge into one turn (parallel function responses go together).
 * Anything that cannot be expressed throws `ERR_INVALID_ARGUMENT` naming the field.
 */
import { invalidArgument } from "../../src/errors.js";
import type { Json, WireMessage } from "../../src/types.js";
import { systemText } from "./requestParts.js";

/** Reasoning details made by Gemini carry this `format`. */
export const GEMINI_FORMAT = "google-gemini-v1";

type Part = { [key: string]: Json };

/** One Gemini turn. */
export interface GeminiContent {
  role: "user" | "model";
  parts: Part[];
}

/** Splits `messages` into Gemini's `systemInstruction` and `contents`. */
export function toGeminiContents(messages: WireMessage[]): {
  systemInstruction: { parts: Part[] } | undefined;
  contents: GeminiContent[];
} {
  const system: Part[] = [];
  const contents: GeminiContent[] = [];
  /** Tool-call ids to function names, for the `tool` messages that answer them. */
  const names = new Map<string, string>();
  messages.forEach((message, i) => {
    const path = `messages[${i}]`;
    switch (message.role) {
      case "system":
      case "developer":
        system.push({ text: systemText(message.content, `${path}.content`) });
        break;
      case "user":
        push(contents, "user", userParts(message.content, `${path}.content`));
        break;
      case "assistant":
        push(contents, "model", modelParts(message, path, names));
        break;
      case "tool":
        push(contents, "user", [functionResponse(message, path, names)]);
        break;
      default:
        throw invalidArgument(`${path}.role`, "must be system, developer, user, assistant or tool");
    }
  });
  if (contents.length === 0)
    throw invalidArgument("messages", "Gemini needs at least one user or assistant message");
  return { systemInstruction: system.length === 0 ? undefined : { parts: system }, contents };
}

function push(contents: GeminiContent[], role: "user" | "model", parts: Part[]): void {
  const last = contents.at(-1);
  if (last !== undefined && last.role === role) last.parts.push(...parts);
  else contents.push({ role, parts });
}

function userParts(content: WireMessage["content"], path: string): Part[] {
  if (typeof content === "string") return [{ text: content }];
  if (!Array.isArray(content)) throw invalidArgument(path, "must be text or an array of content parts");
  return content.map((part, j) => contentPart(part, `${path}[${j}]`));
}

const DATA_URL = /^data:([^;,]+);base64,(.*)$/s;

function contentPart(part: Json, path: string): Part {
  if (!isRecord(part) || typeof part.type !== "string")
    throw invalidArgument(`${path}.type`, "must be a string");
  switch (part.type) {
    case "text":
      if (typeof part.text !== "string") throw invalidArgument(`${path}.text`, "must be a string");
      return { text: part.text };
    case "refusal":
      if (typeof part.refusal !== "string") throw invalidArgument(`${path}.refusal`, "must be a string");
      return { text: part.refusal };
    case "image_url": {
      const image = part.image_url;
      const url = isRecord(image) ? image.url : image;
      const data = typeof url === "string" ? DATA_URL.exec(url) : null;
      if (data === null) {
        throw invalidArgument(
          `${path}.image_url.url`,
          "must be a base64 data URL for Gemini (upload files with the Files API)",
        );
      }
      return { inlineData: { mimeType: data[1] ?? "", data: data[2] ?? "" } };
    }
    default:
      throw invalidArgument(`${path}.type`, `"${part.type.slice(0, 40)}" parts cannot be sent to Gemini`);
  }
}

function modelParts(message: WireMessage, path: string, names: Map<string, string>): Part[] {
  const parts: Part[] = [];
  /** Thought signatures of function calls, by tool-call id. */
  const signatures = new Map<string, string>();
  let textSignature: string | undefined;
  const details = message.reasoning_details;
  if (Array.isArray(details)) {
    for (const d of details) {
      if (!isRecord(d) || d.format !== GEMINI_FORMAT) continue;
      if (d.type === "reasoning.text" && typeof d.text === "string") {
        const thought: Part = { text: d.text, thought: true };
        if (typeof d.signature === "string") thought.thoughtSignature = d.signature;
        parts.push(thought);
      } else if (d.type === "reasoning.encrypted" && typeof d.data === "string") {
        if (typeof d.id === "string") signatures.set(d.id, d.data);
        else textSignature = d.data;
      }
    }
  }
  const content = message.content;
  if (typeof content === "string") {
    if (content !== "") parts.push({ text: content });
  } else if (Array.isArray(content)) {
    content.forEach((part, j) => {
      parts.push(contentPart(part, `${path}.content[${j}]`));
    });
  } else if (content !== null && content !== undefined) {
    throw invalidArgument(`${path}.content`, "must be text, content parts or null");
  }
  if (textSignature !== undefined) {
    const lastText = parts.findLast((p) => typeof p.text === "string" && p.thought !== true);
    if (lastText !== undefined) lastText.thoughtSignature = textSignature;
  }
  const calls = message.tool_calls;
  if (calls !== undefined && calls !== null) {
    if (!Array.isArray(calls)) throw invalidArgument(`${path}.tool_calls`, "must be an array");
    calls.forEach((call, j) => {
      const at = `${path}.tool_calls[${j}]`;
      if (!isRecord(call) || !isRecord(call.function))
        throw invalidArgument(`${at}.function`, "must be an object");
      const { name, arguments: args } = call.function;
      if (typeof name !== "string") throw invalidArgument(`${at}.function.name`, "must be a string");
      let input: Json = {};
      if (typeof args === "string" && args !== "") {
        try {
          input = JSON.parse(args) as Json;
        } catch {
          throw invalidArgument(`${at}.function.arguments`, "must be JSON text");
        }
      }
      const fc: Part = { name, args: input };
      const id = typeof call.id === "string" ? call.id : undefined;
      if (id !== undefined) {
        names.set(id, name);
        if (!id.startsWith(SYNTHETIC_ID)) fc.id = id;
      }
      const part: Part = { functionCall: fc };
      const signature = id === undefined ? undefined : signatures.get(id);
      if (signature !== undefined) part.thoughtSignature = signature;
      parts.push(part);
    });
  }
  if (parts.length === 0) parts.push({ text: "" });
  return parts;
}

/** Prefix of the ids dspex gives function calls that Gemini sent without one (not sent back). */
export const SYNTHETIC_ID = "gemini-call-";

function functionResponse(message: WireMessage, path: string, names: Map<string, string>): Part {
  const id = message.tool_call_id;
  if (typeof id !== "string") throw invalidArgument(`${path}.tool_call_id`, "must be a string");
  const name = names.get(id) ?? (typeof message.name === "string" ? message.name : undefined);
  if (name === undefined) {
    throw invalidArgument(
      `${path}.tool_call_id`,
      "answers no tool call of an earlier assistant message (Gemini needs its name)",
    );
  }
  const content = message.content;
  let text: string;
  if (typeof content === "string") text = content;
  else if (Array.isArray(content)) {
    text = content.map((part) => (isRecord(part) && typeof part.text === "string" ? part.text : "")).join("");
  } else text = "";
  let response: Json = { result: text };
  try {
    const parsed = JSON.parse(text) as Json;
    if (isRecord(parsed)) response = parsed;
  } catch {
    // plain text: kept as `result`
  }
  const fr: Part = { name, response };
  if (!id.startsWith(SYNTHETIC_ID)) fr.id = id;
  return { functionResponse: fr };
}

function isRecord(value: unknown): value is { [key: string]: Json } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
