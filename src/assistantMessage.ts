/**
 * The assistant message that continues a conversation after a reply: what to push onto `messages`
 * before the tool results and the next call. It carries the reply's text, its tool calls in OpenAI's
 * shape and its `reasoning_details` (the signed or encrypted reasoning a vendor requires back:
 * Anthropic thinking blocks, Gemini thought signatures, OpenRouter's items), so a tool loop with
 * thinking on works on every provider without the caller knowing each vendor's rule.
 */
import type { AssistantMessage, Reply } from "./types.js";

/** What {@link assistantMessage} reads: a {@link Reply}, or a stream's joined text with its last chunk's fields. */
export type AssistantTurn = Pick<Reply, "text" | "toolCalls" | "reasoningDetails" | "refusal">;

/** The assistant message for `reply`; see the module comment. */
export function assistantMessage(reply: AssistantTurn): AssistantMessage {
  const calls = reply.toolCalls;
  const hasCalls = calls !== undefined && calls.length > 0;
  const message: AssistantMessage = {
    role: "assistant",
    content: reply.text === "" && hasCalls ? null : reply.text,
  };
  if (reply.text === "" && reply.refusal !== undefined && !hasCalls) message.content = reply.refusal;
  if (hasCalls) {
    message.tool_calls = calls.map((call) => ({
      id: call.id,
      type: "function",
      function: { name: call.name, arguments: call.arguments },
    }));
  }
  if (reply.reasoningDetails !== undefined && reply.reasoningDetails.length > 0) {
    message.reasoning_details = reply.reasoningDetails;
  }
  return message;
}
