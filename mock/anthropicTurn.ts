/**
 * Anthropic answers for a scripted {@link MockTurn}: a `thinking` block with its `signature` first,
 * then text, then `tool_use` blocks; usage with `cache_read_input_tokens` and
 * `cache_creation_input_tokens` (`input_tokens` is then the uncached rest); `stop_reason` `tool_use`
 * or `refusal`. Streams send `thinking_delta`s and a `signature_delta`, then text, then tool input as
 * `input_json_delta`s.
 *
 * {@link thinkingProblem} checks a request's history the way Anthropic does when thinking is on: an
 * assistant turn that used tools must start with its thinking block, signature unchanged.
 */
import { signatureOf } from "./turn.js";
import type { PlannedAnswer, RequestProblem, StreamFrames } from "./wire.js";

type Obj = Record<string, unknown>;

function event(name: string, data: Obj): string {
  return `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;
}

function stopReason(answer: PlannedAnswer): string {
  const turn = answer.turn;
  if (turn?.refusal !== undefined) return "refusal";
  if (turn?.toolCalls !== undefined && turn.toolCalls.length > 0) return "tool_use";
  return answer.truncated ? "max_tokens" : "end_turn";
}

function usage(answer: PlannedAnswer, output: number): Obj {
  const read = answer.turn?.cachedPromptTokens ?? 0;
  const write = answer.turn?.cacheWriteTokens ?? 0;
  return {
    input_tokens: Math.max(0, answer.promptTokens - read - write),
    cache_read_input_tokens: read,
    cache_creation_input_tokens: write,
    output_tokens: output,
  };
}

function outputTokens(answer: PlannedAnswer): number {
  const reasoning = answer.turn?.reasoning;
  return answer.completionTokens + (reasoning === undefined ? 0 : (reasoning.match(/\S+/g) ?? []).length);
}

function toolId(answer: PlannedAnswer, i: number): string {
  return answer.turn?.toolCalls?.[i]?.id ?? `toolu_mock${i}`;
}

/** The message body of a turn. */
export function turnMessage(answer: PlannedAnswer): string {
  const turn = answer.turn ?? { text: answer.text };
  const content: Obj[] = [];
  if (turn.reasoning !== undefined) {
    content.push({ type: "thinking", thinking: turn.reasoning, signature: signatureOf(turn.reasoning) });
  }
  const text = turn.refusal ?? answer.text;
  if (text !== "") content.push({ type: "text", text });
  turn.toolCalls?.forEach((call, i) => {
    content.push({ type: "tool_use", id: toolId(answer, i), name: call.name, input: call.arguments });
  });
  return JSON.stringify({
    id: answer.id,
    type: "message",
    role: "assistant",
    model: answer.model,
    content,
    stop_reason: stopReason(answer),
    stop_sequence: null,
    usage: usage(answer, outputTokens(answer)),
  });
}

/** The stream of a turn; `pieces` are the text's chunks (the ones stream faults count). */
export function turnStream(answer: PlannedAnswer, pieces: readonly string[]): StreamFrames {
  const turn = answer.turn ?? { text: answer.text };
  const start = {
    message: {
      id: answer.id,
      type: "message",
      role: "assistant",
      model: answer.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: usage(answer, 1),
    },
  };
  let preamble = event("message_start", start);
  let index = 0;
  if (turn.reasoning !== undefined) {
    preamble += event("content_block_start", {
      index,
      content_block: { type: "thinking", thinking: "", signature: "" },
    });
    for (const piece of turn.reasoning.match(/\s*\S+\s*/g) ?? []) {
      preamble += event("content_block_delta", { index, delta: { type: "thinking_delta", thinking: piece } });
    }
    preamble += event("content_block_delta", {
      index,
      delta: { type: "signature_delta", signature: signatureOf(turn.reasoning) },
    });
    preamble += event("content_block_stop", { index });
    index++;
  }
  const textPieces = turn.refusal !== undefined ? (turn.refusal.match(/\s*\S+\s*/g) ?? []) : pieces;
  const textIndex = index;
  preamble += event("content_block_start", { index: textIndex, content_block: { type: "text", text: "" } });
  preamble += event("ping", {});
  const chunks = textPieces.map((piece) =>
    event("content_block_delta", { index: textIndex, delta: { type: "text_delta", text: piece } }),
  );
  let trailer = event("content_block_stop", { index: textIndex });
  index++;
  turn.toolCalls?.forEach((call, i) => {
    const json = JSON.stringify(call.arguments);
    const half = Math.ceil(json.length / 2);
    trailer += event("content_block_start", {
      index,
      content_block: { type: "tool_use", id: toolId(answer, i), name: call.name, input: {} },
    });
    trailer += event("content_block_delta", {
      index,
      delta: { type: "input_json_delta", partial_json: json.slice(0, half) },
    });
    trailer += event("content_block_delta", {
      index,
      delta: { type: "input_json_delta", partial_json: json.slice(half) },
    });
    trailer += event("content_block_stop", { index });
    index++;
  });
  trailer += event("message_delta", {
    delta: { stop_reason: stopReason(answer), stop_sequence: null },
    usage: { output_tokens: outputTokens(answer) },
  });
  trailer += event("message_stop", {});
  return { preamble, chunks, trailer };
}

/**
 * With thinking on, every assistant turn that used tools must begin with its thinking block, and a
 * thinking block's signature must be the one the mock gave it. `undefined` when the history is fine.
 */
export function thinkingProblem(body: Obj): RequestProblem | undefined {
  const thinking = body.thinking as { type?: unknown } | undefined;
  if (thinking?.type !== "enabled" && thinking?.type !== "adaptive") return undefined;
  const messages = body.messages as { role?: unknown; content?: unknown }[];
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (m?.role !== "assistant" || !Array.isArray(m.content)) continue;
    const blocks = m.content as Obj[];
    for (let j = 0; j < blocks.length; j++) {
      const b = blocks[j] as Obj;
      if (b.type === "thinking" && b.signature !== signatureOf(String(b.thinking ?? ""))) {
        return {
          problem: `messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`,
          param: null,
        };
      }
    }
    const usesTools = blocks.some((b) => b.type === "tool_use");
    const first = blocks[0]?.type;
    if (usesTools && first !== "thinking" && first !== "redacted_thinking") {
      return {
        problem: `messages.${i}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${String(first)}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block.`,
        param: null,
      };
    }
  }
  return undefined;
}
