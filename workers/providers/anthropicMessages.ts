/**
 * OpenAI-shaped chat messages in Anthropic's shape.
 *
 * - `system` and `developer` messages, wherever they stand, become the top-level `system` text
 *   (several joined with a blank line; content parts contribute their text).
 * - `user` and `assistant` keep string content as it is; OpenAI content parts are translated
 *   (`text` as is, `image_url` to an `image` block with a base64 or URL source) and Anthropic's own
 *   blocks (`image`, `document`, `tool_use`, `tool_result`, ...) pass through.
 * - An assistant's `tool_calls` become `tool_use` blocks (`arguments` parsed into `input`); a `tool`
 *   message becomes a user `tool_result` block for its `tool_call_id`.
 * - Adjacent messages of one role are merged into one (Anthropic wants the tool results answering one
 *   assistant turn in a single user message).
 * - Fields Anthropic has no place for (`name`, ...) are dropped. Anything that cannot be expressed
 *   throws `ERR_INVALID_ARGUMENT` naming the field (`messages[2].content[0].type`).
 */
import { invalidArgument } from "../../src/errors.js";
import type { Json, WireMessage } from "../../src/types.js";
import { anthropicThinkingBlocks } from "./anthropicFields.js";
import { systemText } from "./requestParts.js";

/** A content block of Anthropic's messages API. */
export type AnthropicBlock = { [key: string]: Json };

/** One message of Anthropic's messages API. */
export interface AnthropicMessage {
  role: "user" | "assistant";
  content: string | AnthropicBlock[];
}

/** Blocks of Anthropic's own that pass through untouched. */
const NATIVE_BLOCKS = new Set([
  "image",
  "document",
  "search_result",
  "tool_use",
  "tool_result",
  "thinking",
  "redacted_thinking",
  "server_tool_use",
  "web_search_tool_result",
]);

/** Splits OpenAI-shaped `messages` into Anthropic's top-level `system` and its `messages`. */
export function toAnthropicMessages(messages: WireMessage[]): {
  system: string | undefined;
  messages: AnthropicMessage[];
} {
  const system: string[] = [];
  const out: AnthropicMessage[] = [];
  messages.forEach((message, i) => {
    const path = `messages[${i}]`;
    switch (message.role) {
      case "system":
      case "developer":
        system.push(systemText(message.content, `${path}.content`));
        break;
      case "user":
        append(out, { role: "user", content: userContent(message.content, `${path}.content`) });
        break;
      case "assistant":
        append(out, { role: "assistant", content: assistantContent(message, path) });
        break;
      case "tool":
        append(out, { role: "user", content: [toolResult(message, path)] });
        break;
      default:
        throw invalidArgument(`${path}.role`, "must be system, developer, user, assistant or tool");
    }
  });
  if (out.length === 0) {
    throw invalidArgument("messages", "Anthropic needs at least one user or assistant message");
  }
  return { system: system.length === 0 ? undefined : system.join("\n\n"), messages: out };
}

/** OpenAI function tools (`{ type: "function", function: {...} }`) as Anthropic tools; others as they are. */
export function toAnthropicTools(tools: Json[]): Json[] {
  return tools.map((tool, i) => {
    if (!isRecord(tool)) throw invalidArgument(`tools[${i}]`, "must be an object");
    const fn = tool.function;
    if (tool.type !== "function" || !isRecord(fn)) return tool;
    if (typeof fn.name !== "string") throw invalidArgument(`tools[${i}].function.name`, "must be a string");
    const out: AnthropicBlock = {
      name: fn.name,
      input_schema: isRecord(fn.parameters) ? fn.parameters : { type: "object", properties: {} },
    };
    if (typeof fn.description === "string") out.description = fn.description;
    return out;
  });
}

/** OpenAI's tool choice words (`auto`, `required`, `none`, a named function) in Anthropic's shape. */
export function toAnthropicToolChoice(choice: Json): Json {
  if (choice === "auto") return { type: "auto" };
  if (choice === "required") return { type: "any" };
  if (choice === "none") return { type: "none" };
  if (isRecord(choice)) {
    const fn = choice.function;
    if (choice.type === "function" && isRecord(fn) && typeof fn.name === "string") {
      return { type: "tool", name: fn.name };
    }
    return choice; // already Anthropic's shape
  }
  throw invalidArgument("toolChoice", "must be auto, required, none or an object");
}

function userContent(content: WireMessage["content"], path: string): string | AnthropicBlock[] {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((part, j) => block(part, `${path}[${j}]`));
  throw invalidArgument(path, "must be text or an array of content parts");
}

function assistantContent(message: WireMessage, path: string): string | AnthropicBlock[] {
  const calls = message.tool_calls;
  const content = message.content;
  const thinking = anthropicThinkingBlocks(message.reasoning_details);
  if ((calls === undefined || calls === null) && thinking.length === 0) {
    if (typeof content === "string") return content;
    if (Array.isArray(content)) return content.map((part, j) => block(part, `${path}.content[${j}]`));
    throw invalidArgument(`${path}.content`, "must be text or content parts when there are no tool_calls");
  }
  if (calls !== undefined && calls !== null && !Array.isArray(calls)) {
    throw invalidArgument(`${path}.tool_calls`, "must be an array");
  }
  const blocks: AnthropicBlock[] = [...thinking];
  if (typeof content === "string") {
    if (content !== "") blocks.push({ type: "text", text: content });
  } else if (Array.isArray(content)) {
    content.forEach((part, j) => {
      blocks.push(block(part, `${path}.content[${j}]`));
    });
  } else if (content !== null && content !== undefined) {
    throw invalidArgument(`${path}.content`, "must be text, content parts or null");
  }
  if (Array.isArray(calls)) {
    calls.forEach((call, j) => {
      blocks.push(toolUse(call, `${path}.tool_calls[${j}]`));
    });
  }
  return blocks;
}

function toolUse(call: Json, path: string): AnthropicBlock {
  if (!isRecord(call) || !isRecord(call.function))
    throw invalidArgument(`${path}.function`, "must be an object");
  const { name, arguments: args } = call.function;
  if (typeof call.id !== "string") throw invalidArgument(`${path}.id`, "must be a string");
  if (typeof name !== "string") throw invalidArgument(`${path}.function.name`, "must be a string");
  let input: unknown = {};
  if (args !== undefined && args !== null && args !== "") {
    if (typeof args !== "string") throw invalidArgument(`${path}.function.arguments`, "must be JSON text");
    try {
      input = JSON.parse(args);
    } catch {
      throw invalidArgument(`${path}.function.arguments`, "must be JSON text");
    }
  }
  if (!isRecord(input)) throw invalidArgument(`${path}.function.arguments`, "must be a JSON object");
  return { type: "tool_use", id: call.id, name, input };
}

function toolResult(message: WireMessage, path: string): AnthropicBlock {
  const id = message.tool_call_id;
  if (typeof id !== "string") throw invalidArgument(`${path}.tool_call_id`, "must be a string");
  const content = message.content;
  let result: Json;
  if (typeof content === "string") result = content;
  else if (content === null) result = "";
  else if (Array.isArray(content)) result = content.map((part, j) => block(part, `${path}.content[${j}]`));
  else throw invalidArgument(`${path}.content`, "must be text or content parts");
  return { type: "tool_result", tool_use_id: id, content: result };
}

/** One content part in Anthropic's shape. */
function block(part: Json, path: string): AnthropicBlock {
  if (!isRecord(part) || typeof part.type !== "string")
    throw invalidArgument(`${path}.type`, "must be a string");
  switch (part.type) {
    case "text":
      if (typeof part.text !== "string") throw invalidArgument(`${path}.text`, "must be a string");
      return part;
    case "refusal":
      // An assistant's refusal in OpenAI's history: to Anthropic it is just what the assistant said.
      if (typeof part.refusal !== "string") throw invalidArgument(`${path}.refusal`, "must be a string");
      return { type: "text", text: part.refusal };
    case "image_url":
      return image(part.image_url, `${path}.image_url`);
    default:
      if (NATIVE_BLOCKS.has(part.type)) return part;
      throw invalidArgument(`${path}.type`, `"${part.type.slice(0, 40)}" parts cannot be sent to Anthropic`);
  }
}

const DATA_URL = /^data:([^;,]+);base64,(.*)$/s;

/** `image_url` (`{ url }` or a bare URL): a data URL becomes a base64 source, anything else a URL source. */
function image(imageUrl: Json | undefined, path: string): AnthropicBlock {
  const url = isRecord(imageUrl) ? imageUrl.url : imageUrl;
  if (typeof url !== "string") throw invalidArgument(`${path}.url`, "must be a string");
  const data = DATA_URL.exec(url);
  if (data !== null) {
    return { type: "image", source: { type: "base64", media_type: data[1] ?? "", data: data[2] ?? "" } };
  }
  if (url.startsWith("data:"))
    throw invalidArgument(`${path}.url`, "must be a base64 data URL or an http(s) URL");
  return { type: "image", source: { type: "url", url } };
}

/** Pushes `message`, merging it into the previous one when both have the same role. */
function append(out: AnthropicMessage[], message: AnthropicMessage): void {
  const last = out[out.length - 1];
  if (last === undefined || last.role !== message.role) {
    out.push(message);
    return;
  }
  last.content = [...blocksOf(last.content), ...blocksOf(message.content)];
}

function blocksOf(content: string | AnthropicBlock[]): AnthropicBlock[] {
  if (typeof content !== "string") return content;
  // Anthropic rejects empty text blocks; an empty string adds nothing to a merged message.
  return content === "" ? [] : [{ type: "text", text: content }];
}

function isRecord(value: unknown): value is { [key: string]: Json } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
