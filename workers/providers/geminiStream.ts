/**
 * Gemini streams (`:streamGenerateContent?alt=sse`): each event's data is a piece of a
 * `GenerateContentResponse` (text, thought parts, whole function calls); the piece with the
 * candidate's `finishReason` carries the usage, and the body then ends (there is no `[DONE]`), so a
 * stream is complete once a finish reason was seen. An error mid-stream is `data: {"error": ...}`;
 * a blocked prompt is a piece with `promptFeedback.blockReason` and no candidate (`ERR_CONTENT_FILTER`).
 */
import type { EventSourceMessage } from "eventsource-parser";
import type { FinishReason, ReasoningDetail, TokenLogprob, ToolCall, Usage } from "../../src/types.js";
import { blockedPrompt, candidatePieces, geminiUsage, isRecord } from "./geminiFields.js";
import type { StreamDecoder, StreamSummary } from "./StreamDecoder.js";
import { eventObject, streamErrorEvent } from "./streamError.js";

/** Decodes one Gemini stream; see the module comment. */
export class GeminiStreamDecoder implements StreamDecoder {
  #progress = 0;
  #finishReason: FinishReason | undefined;
  #usage: Usage | undefined;
  #model = "";
  #id = "";
  #reasoningDelta = "";
  #reasoning = "";
  readonly #toolCalls: ToolCall[] = [];
  readonly #details: ReasoningDetail[] = [];
  #logprobs: TokenLogprob[] | undefined;

  /** Gemini has no terminal event: the body's end is the end. */
  get done(): boolean {
    return false;
  }

  get complete(): boolean {
    return this.#finishReason !== undefined;
  }

  get progress(): number {
    return this.#progress;
  }

  takeReasoning(): string {
    const delta = this.#reasoningDelta;
    if (delta !== "") this.#reasoningDelta = "";
    return delta;
  }

  decode(event: EventSourceMessage): string {
    const payload = eventObject(event.data, true);
    if (payload.error !== undefined && payload.error !== null) throw streamErrorEvent(payload.error, payload);
    if (typeof payload.modelVersion === "string") this.#model = payload.modelVersion;
    if (typeof payload.responseId === "string" && this.#id === "") this.#id = payload.responseId;
    const usage = geminiUsage(payload.usageMetadata);
    if (usage !== undefined) this.#usage = usage;
    const candidates = payload.candidates;
    if (!Array.isArray(candidates) || candidates.length === 0) {
      const blocked = blockedPrompt(payload);
      if (blocked !== undefined) throw blocked;
      return ""; // a usage-only piece
    }
    const candidate = candidates.find((c) => !isRecord(c) || (c.index ?? 0) === 0);
    if (candidate === undefined) return "";
    const pieces = candidatePieces(candidate, "candidates[0]", this.#toolCalls.length, this.#details.length);
    if (pieces.text !== "") this.#progress++;
    if (pieces.reasoning !== "") {
      this.#reasoningDelta += pieces.reasoning;
      this.#reasoning += pieces.reasoning;
      this.#progress++;
    }
    if (pieces.toolCalls.length > 0) {
      this.#toolCalls.push(...pieces.toolCalls);
      this.#progress++;
    }
    this.#details.push(...pieces.details);
    if (pieces.logprobs !== undefined) {
      this.#logprobs ??= [];
      this.#logprobs.push(...pieces.logprobs);
    }
    if (pieces.finishReason !== undefined) {
      this.#finishReason = pieces.finishReason;
      this.#progress++;
    }
    return pieces.text;
  }

  summary(): StreamSummary {
    let finishReason = this.#finishReason ?? "stop";
    // Function calls may come in an earlier piece than the finish reason.
    if (finishReason === "stop" && this.#toolCalls.length > 0) finishReason = "tool_calls";
    const summary: StreamSummary = {
      finishReason,
      usage: this.#usage ?? { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
      model: this.#model,
    };
    if (this.#toolCalls.length > 0) summary.toolCalls = this.#toolCalls;
    if (this.#id !== "") summary.id = this.#id;
    if (this.#reasoning !== "") summary.reasoning = this.#reasoning;
    if (this.#details.length > 0) summary.reasoningDetails = mergeThoughts(this.#details);
    if (this.#logprobs !== undefined) summary.logprobs = this.#logprobs;
    return summary;
  }
}

/** Streamed thought pieces joined into one item per run of thoughts (as a reply has them). */
function mergeThoughts(details: ReasoningDetail[]): ReasoningDetail[] {
  const out: ReasoningDetail[] = [];
  for (const d of details) {
    const last = out.at(-1);
    if (last?.type === "reasoning.text" && d.type === "reasoning.text" && last.signature === undefined) {
      last.text += d.text;
      if (d.signature !== undefined) last.signature = d.signature;
    } else out.push({ ...d, index: out.length });
  }
  return out;
}
