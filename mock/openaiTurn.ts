/**
 * OpenAI-compatible answers for a scripted {@link MockTurn}: the completion and the stream chunks
 * with `reasoning_content`, `refusal`, `tool_calls`, content as parts (Mistral), and usage with
 * `prompt_tokens_details.cached_tokens` and `completion_tokens_details.reasoning_tokens`. Plain
 * answers keep the fast templates of `openaiWire.ts`; these are built with `JSON.stringify`.
 */
import { reasoningTokens } from "./turn.js";
import type { PlannedAnswer, StreamFrames } from "./wire.js";

type Obj = Record<string, unknown>;

function finishReason(answer: PlannedAnswer): string {
  if (answer.turn?.toolCalls !== undefined && answer.turn.toolCalls.length > 0) return "tool_calls";
  return answer.truncated ? "length" : "stop";
}

/** The usage object, details included. */
export function turnUsage(answer: PlannedAnswer): Obj {
  const reasoning = reasoningTokens(answer.turn);
  const completion = answer.completionTokens + reasoning;
  return {
    prompt_tokens: answer.promptTokens,
    completion_tokens: completion,
    total_tokens: answer.promptTokens + completion,
    prompt_tokens_details: { cached_tokens: answer.turn?.cachedPromptTokens ?? 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: reasoning,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function toolCalls(answer: PlannedAnswer): Obj[] | undefined {
  const calls = answer.turn?.toolCalls;
  if (calls === undefined || calls.length === 0) return undefined;
  return calls.map((call, i) => ({
    id: call.id ?? `call_mock${i}`,
    type: "function",
    function: { name: call.name, arguments: JSON.stringify(call.arguments) },
  }));
}

/** The assistant message of a turn. */
function message(answer: PlannedAnswer): Obj {
  const turn = answer.turn ?? { text: answer.text };
  const out: Obj = { role: "assistant" };
  if (turn.refusal !== undefined) {
    out.content = null;
    out.refusal = turn.refusal;
  } else if (turn.contentParts === true) {
    const parts: Obj[] = [];
    if (turn.reasoning !== undefined)
      parts.push({ type: "thinking", thinking: [{ type: "text", text: turn.reasoning }] });
    parts.push({ type: "text", text: answer.text });
    out.content = parts;
    out.refusal = null;
  } else {
    out.content = answer.text === "" && turn.toolCalls !== undefined ? null : answer.text;
    out.refusal = null;
    if (turn.reasoning !== undefined) out.reasoning_content = turn.reasoning;
  }
  const calls = toolCalls(answer);
  if (calls !== undefined) out.tool_calls = calls;
  out.annotations = [];
  return out;
}

/** The completion body of a turn. */
export function turnCompletion(answer: PlannedAnswer, created: number, extra: Obj = {}): string {
  return JSON.stringify({
    id: answer.id,
    object: "chat.completion",
    created,
    model: answer.model,
    choices: [
      { index: 0, message: message(answer), logprobs: null, finish_reason: finishReason(answer), ...extra },
    ],
    usage: turnUsage(answer),
    service_tier: "default",
    system_fingerprint: "fp_mock",
  });
}

/** The stream of a turn: reasoning deltas first, then text (or refusal) pieces, tool calls, finish, usage. */
export function turnStream(
  answer: PlannedAnswer,
  pieces: readonly string[],
  includeUsage: boolean,
  created: number,
): StreamFrames {
  const turn = answer.turn ?? { text: answer.text };
  const base = {
    id: answer.id,
    object: "chat.completion.chunk",
    created,
    model: answer.model,
    service_tier: "default",
    system_fingerprint: "fp_mock",
  };
  const frame = (delta: Obj, finish: string | null = null): string =>
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(includeUsage ? { usage: null } : {}) })}\n\n`;
  const parts = turn.contentParts === true;
  let preamble = frame({ role: "assistant", content: "", refusal: null });
  if (turn.reasoning !== undefined) {
    for (const piece of turn.reasoning.match(/\s*\S+\s*/g) ?? []) {
      preamble += frame(
        parts
          ? { content: [{ type: "thinking", thinking: [{ type: "text", text: piece }] }] }
          : { reasoning_content: piece },
      );
    }
  }
  const chunks =
    turn.refusal !== undefined
      ? (turn.refusal.match(/\s*\S+\s*/g) ?? []).map((piece) => frame({ refusal: piece }))
      : pieces.map((piece) =>
          frame(parts ? { content: [{ type: "text", text: piece }] } : { content: piece }),
        );
  let trailer = "";
  const calls = toolCalls(answer);
  if (calls !== undefined) {
    calls.forEach((call, index) => {
      const fn = call.function as { name: string; arguments: string };
      trailer += frame({
        tool_calls: [{ index, id: call.id, type: "function", function: { name: fn.name, arguments: "" } }],
      });
      const half = Math.ceil(fn.arguments.length / 2);
      trailer += frame({ tool_calls: [{ index, function: { arguments: fn.arguments.slice(0, half) } }] });
      trailer += frame({ tool_calls: [{ index, function: { arguments: fn.arguments.slice(half) } }] });
    });
  }
  trailer += frame({}, finishReason(answer));
  if (includeUsage)
    trailer += `data: ${JSON.stringify({ ...base, choices: [], usage: turnUsage(answer) })}\n\n`;
  trailer += "data: [DONE]\n\n";
  return { preamble, chunks, trailer };
}
