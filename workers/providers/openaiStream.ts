/**
 * OpenAI chat-completions streams: one `data: <chunk JSON>` event per chunk, `data: [DONE]` at the end.
 * With `stream_options: {include_usage: true}` the last chunk before `[DONE]` has `choices: []` and the
 * usage. An error mid-stream arrives as `data: {"error": {...}}`. Only choice 0 is read (a stream with
 * `n > 1` is refused before it is sent).
 *
 * Compatible servers' variants read here: `delta.content` as an array of parts (Mistral: `thinking`
 * then `text`), reasoning deltas in `reasoning_content` / `reasoning` / `reasoning_details`,
 * `delta.refusal`, Azure's `prompt_filter_results` chunks with empty `choices`, `logprobs.content`.
 */
import type { EventSourceMessage } from "eventsource-parser";
import type { FinishReason, ReasoningDetail, TokenLogprob, ToolCall, Usage } from "../../src/types.js";
import {
  contentPieces,
  isRecord,
  logprobsOf,
  mergeReasoningDetails,
  openaiUsage,
  reasoningDetailsOf,
  reasoningField,
  reasoningTextOf,
} from "./openaiFields.js";
import type { StreamDecoder, StreamSummary } from "./StreamDecoder.js";
import { badStreamEvent, eventObject, streamErrorEvent } from "./streamError.js";

interface PartialToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** Decodes one OpenAI stream; see the module comment. */
export class OpenAIStreamDecoder implements StreamDecoder {
  #done = false;
  #progress = 0;
  #finishReason: FinishReason | undefined;
  #usage: Usage | undefined;
  #model = "";
  #id = "";
  /** Reasoning decoded since the last `takeReasoning`, and all of it. */
  #reasoningDelta = "";
  #reasoning = "";
  #refusal = "";
  #details: ReasoningDetail[] | undefined;
  #logprobs: TokenLogprob[] | undefined;
  /** Tool calls by their `index`, assembled from argument fragments. */
  readonly #tools = new Map<number, PartialToolCall>();

  get done(): boolean {
    return this.#done;
  }

  get complete(): boolean {
    return this.#done || this.#finishReason !== undefined;
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
    const data = event.data;
    if (data === "[DONE]") {
      this.#done = true;
      this.#progress++;
      return "";
    }
    if (this.#done) throw badStreamEvent("data after [DONE]");
    const c = eventObject(data);
    if (c.error !== undefined && c.error !== null) throw streamErrorEvent(c.error, c);
    if (typeof c.model === "string" && c.model !== "") this.#model = c.model;
    if (typeof c.id === "string" && c.id !== "" && this.#id === "") this.#id = c.id;
    if (c.usage !== undefined && c.usage !== null) this.#usage = usageOf(c.usage);
    if (!Array.isArray(c.choices)) throw badStreamEvent("a chunk without a choices array");
    let text = "";
    for (const choice of c.choices as unknown[]) {
      if (!isRecord(choice)) throw badStreamEvent("a choice that is not an object");
      if ((choice.index ?? 0) !== 0) continue;
      if (typeof choice.finish_reason === "string") {
        this.#finishReason = choice.finish_reason;
        this.#progress++;
      }
      const logprobs = logprobsOf(choice.logprobs);
      if (logprobs !== undefined && logprobs.length > 0) {
        this.#logprobs ??= [];
        this.#logprobs.push(...logprobs);
      }
      const d = choice.delta;
      if (!isRecord(d)) continue;
      text += this.#delta(d);
    }
    return text;
  }

  /** One choice's delta: returns its text, keeps the rest. */
  #delta(d: Record<string, unknown>): string {
    let text = "";
    let reasoning = reasoningField(d);
    const content = d.content;
    if (typeof content === "string") text = content;
    else if (content !== null && content !== undefined) {
      const pieces = contentPieces(content, "delta.content");
      text = pieces.text;
      reasoning += pieces.reasoning;
      this.#refusal += pieces.refusal;
    }
    const fragments = reasoningDetailsOf(d.reasoning_details);
    if (fragments !== undefined) {
      this.#details ??= [];
      mergeReasoningDetails(this.#details, fragments);
      // Servers that send only the items (no `reasoning` field) still stream readable reasoning.
      if (reasoning === "") reasoning = reasoningTextOf(fragments);
      this.#progress++;
    }
    if (reasoning !== "") {
      this.#reasoningDelta += reasoning;
      this.#reasoning += reasoning;
      this.#progress++;
    }
    if (typeof d.refusal === "string" && d.refusal !== "") {
      this.#refusal += d.refusal;
      this.#progress++;
    }
    if (text !== "") this.#progress++;
    if (Array.isArray(d.tool_calls) && d.tool_calls.length > 0) {
      this.#toolDeltas(d.tool_calls);
      this.#progress++;
    }
    return text;
  }

  #toolDeltas(deltas: unknown[]): void {
    for (const raw of deltas) {
      if (!isRecord(raw)) throw badStreamEvent("a tool-call delta that is not an object");
      const t = raw as { index?: unknown; id?: unknown; function?: { name?: unknown; arguments?: unknown } };
      const index = typeof t.index === "number" ? t.index : 0;
      let call = this.#tools.get(index);
      if (call === undefined) {
        call = { id: "", name: "", arguments: "" };
        this.#tools.set(index, call);
      }
      if (typeof t.id === "string") call.id = t.id;
      if (typeof t.function?.name === "string") call.name += t.function.name;
      if (typeof t.function?.arguments === "string") call.arguments += t.function.arguments;
    }
  }

  summary(): StreamSummary {
    const summary: StreamSummary = {
      finishReason: this.#finishReason ?? "stop",
      usage: this.#usage ?? { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
      model: this.#model,
    };
    if (this.#tools.size > 0) {
      summary.toolCalls = [...this.#tools.entries()]
        .sort(([a], [b]) => a - b)
        .map(([, call]): ToolCall => ({ id: call.id, name: call.name, arguments: call.arguments }));
    }
    if (this.#id !== "") summary.id = this.#id;
    if (this.#reasoning !== "") summary.reasoning = this.#reasoning;
    if (this.#details !== undefined) summary.reasoningDetails = this.#details;
    if (this.#refusal !== "") summary.refusal = this.#refusal;
    if (this.#logprobs !== undefined) summary.logprobs = this.#logprobs;
    return summary;
  }
}

/** OpenAI's `usage` object in the contract's shape; a stream's usage chunk must carry an object. */
function usageOf(raw: unknown): Usage {
  if (!isRecord(raw)) throw badStreamEvent("a usage that is not an object");
  return openaiUsage(raw);
}
