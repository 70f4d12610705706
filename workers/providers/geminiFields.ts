/**
 * Reading the Gemini API's `GenerateContentResponse` (whole, or one streamed piece of it):
 * candidates' parts (text, thought parts, function calls, thought signatures), finish reasons,
 * `usageMetadata`, `logprobsResult`, and a prompt blocked by `promptFeedback.blockReason`.
 *
 * Usage: `promptTokenCount` already counts cached tokens (`cachedContentTokenCount` is part of it);
 * `toolUsePromptTokenCount` is added to `promptTokens`; `completionTokens` is
 * `candidatesTokenCount + thoughtsTokenCount` (OpenAI counts reasoning in completion tokens too);
 * `totalTokens` is Gemini's `totalTokenCount` when sent.
 */
import { type DspexError, dspexError } from "../../src/errors.js";
import type { FinishReason, ReasoningDetail, TokenLogprob, ToolCall, Usage } from "../../src/types.js";
import { GEMINI_FORMAT, SYNTHETIC_ID } from "./geminiMessages.js";

/** What one candidate (or one streamed piece of it) holds. */
export interface CandidatePieces {
  text: string;
  reasoning: string;
  toolCalls: ToolCall[];
  details: ReasoningDetail[];
  finishReason: FinishReason | undefined;
  logprobs: TokenLogprob[] | undefined;
}

/** Finish reasons that mean a safety or policy filter stopped the answer. */
const FILTERED = new Set(["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"]);

/**
 * Reads one candidate. `callCount` numbers function calls that come without an id (ids must be
 * unique across a stream's pieces); `detailCount` likewise numbers reasoning details.
 */
export function candidatePieces(
  candidate: unknown,
  where: string,
  callCount = 0,
  detailCount = 0,
): CandidatePieces {
  if (!isRecord(candidate)) throw bad(`${where} is not an object`);
  const pieces: CandidatePieces = {
    text: "",
    reasoning: "",
    toolCalls: [],
    details: [],
    finishReason: undefined,
    logprobs: undefined,
  };
  const content = candidate.content;
  const parts = isRecord(content) ? content.parts : undefined;
  if (parts !== undefined && !Array.isArray(parts)) throw bad(`${where}.content.parts is not an array`);
  for (const [j, part] of (parts ?? []).entries()) {
    if (!isRecord(part)) throw bad(`${where}.content.parts[${j}] is not an object`);
    const signature = typeof part.thoughtSignature === "string" ? part.thoughtSignature : undefined;
    if (typeof part.text === "string") {
      if (part.thought === true) {
        pieces.reasoning += part.text;
        const detail: ReasoningDetail = {
          type: "reasoning.text",
          text: part.text,
          format: GEMINI_FORMAT,
          index: detailCount + pieces.details.length,
        };
        if (signature !== undefined) detail.signature = signature;
        pieces.details.push(detail);
        continue;
      }
      pieces.text += part.text;
      if (signature !== undefined)
        pieces.details.push(encrypted(signature, undefined, detailCount + pieces.details.length));
    } else if (isRecord(part.functionCall)) {
      const fc = part.functionCall;
      if (typeof fc.name !== "string") throw bad(`${where}.content.parts[${j}].functionCall has no name`);
      const id =
        typeof fc.id === "string" && fc.id !== ""
          ? fc.id
          : `${SYNTHETIC_ID}${callCount + pieces.toolCalls.length}`;
      pieces.toolCalls.push({ id, name: fc.name, arguments: JSON.stringify(fc.args ?? {}) });
      if (signature !== undefined)
        pieces.details.push(encrypted(signature, id, detailCount + pieces.details.length));
    } else if (signature !== undefined) {
      // A signature on a part of its own (an empty text part at the end of a stream).
      pieces.details.push(encrypted(signature, undefined, detailCount + pieces.details.length));
    }
    // inlineData, executableCode, ...: no answer text.
  }
  const reason = candidate.finishReason;
  if (typeof reason === "string")
    pieces.finishReason = geminiFinishReason(reason, pieces.toolCalls.length > 0);
  pieces.logprobs = logprobsOf(candidate.logprobsResult);
  return pieces;
}

function encrypted(data: string, id: string | undefined, index: number): ReasoningDetail {
  const detail: ReasoningDetail = { type: "reasoning.encrypted", data, format: GEMINI_FORMAT, index };
  if (id !== undefined) detail.id = id;
  return detail;
}

/** Gemini's finish reasons in OpenAI's words; others lower-cased (`malformed_function_call`, ...). */
export function geminiFinishReason(reason: string, calledTools: boolean): FinishReason {
  if (reason === "STOP" || reason === "FINISH_REASON_UNSPECIFIED") return calledTools ? "tool_calls" : "stop";
  if (reason === "MAX_TOKENS") return "length";
  if (FILTERED.has(reason)) return "content_filter";
  return reason.toLowerCase();
}

/** `usageMetadata` as a {@link Usage}; see the module comment. `undefined` when absent. */
export function geminiUsage(meta: unknown): Usage | undefined {
  if (!isRecord(meta)) return undefined;
  const promptTokens = count(meta.promptTokenCount) + count(meta.toolUsePromptTokenCount);
  const thoughts = meta.thoughtsTokenCount;
  const completionTokens = count(meta.candidatesTokenCount) + count(thoughts);
  const usage: Usage = {
    promptTokens,
    completionTokens,
    totalTokens:
      typeof meta.totalTokenCount === "number" ? meta.totalTokenCount : promptTokens + completionTokens,
  };
  if (typeof meta.cachedContentTokenCount === "number")
    usage.cachedPromptTokens = meta.cachedContentTokenCount;
  if (typeof thoughts === "number") usage.reasoningTokens = thoughts;
  return usage;
}

/** The error for a prompt Gemini refused outright, or `undefined` when it was not blocked. */
export function blockedPrompt(body: Record<string, unknown>): DspexError | undefined {
  const feedback = body.promptFeedback;
  if (!isRecord(feedback) || typeof feedback.blockReason !== "string") return undefined;
  const reason = feedback.blockReason;
  const detail = typeof feedback.blockReasonMessage === "string" ? `: ${feedback.blockReasonMessage}` : "";
  return dspexError("ERR_CONTENT_FILTER", `Gemini blocked the prompt (${reason})${detail}`, {
    upstreamCode: reason,
  });
}

/** `logprobsResult` (chosen candidates, with top candidates beside them) as token logprobs. */
function logprobsOf(result: unknown): TokenLogprob[] | undefined {
  if (!isRecord(result) || !Array.isArray(result.chosenCandidates)) return undefined;
  const tops = Array.isArray(result.topCandidates) ? result.topCandidates : [];
  return result.chosenCandidates.map((c: unknown, i): TokenLogprob => {
    const chosen = isRecord(c) ? c : {};
    const out: TokenLogprob = {
      token: typeof chosen.token === "string" ? chosen.token : "",
      logprob: typeof chosen.logProbability === "number" ? chosen.logProbability : 0,
    };
    const top = tops[i];
    if (isRecord(top) && Array.isArray(top.candidates)) {
      out.topLogprobs = top.candidates.map((t: unknown) => {
        const alt = isRecord(t) ? t : {};
        return {
          token: typeof alt.token === "string" ? alt.token : "",
          logprob: typeof alt.logProbability === "number" ? alt.logProbability : 0,
        };
      });
    }
    return out;
  });
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

/** `ERR_BAD_RESPONSE` naming what is wrong with a Gemini answer. */
export function bad(message: string): DspexError {
  return dspexError("ERR_BAD_RESPONSE", `not a Gemini GenerateContentResponse: ${message}`);
}

/** True for a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
