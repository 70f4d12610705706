/**
 * OpenAI chat-completions streams: one `data: <chunk JSON>` event per chunk, `data: [DONE]` at the end.
 * With `stream_options: {include_usage: true}` the last chunk before `[DONE]` has `choices: []` and the
 * usage. An error mid-stream arrives as `data: {"error": {...}}`. Only choice 0 is read (we never ask
 * for `n > 1`).
 */
import type { EventSourceMessage } from "eventsource-parser";
import type { FinishReason, ToolCall, Usage } from "../../src/types.js";
import { openaiUsage } from "./openai.js";
import type { StreamDecoder, StreamSummary } from "./StreamDecoder.js";
import { badStreamEvent, streamErrorEvent } from "./streamError.js";

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

  decode(event: EventSourceMessage): string {
    const data = event.data;
    if (data === "[DONE]") {
      this.#done = true;
      this.#progress++;
      return "";
    }
    if (this.#done) throw badStreamEvent("data after [DONE]");
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      throw badStreamEvent("an event whose data is not JSON");
    }
    if (typeof chunk !== "object" || chunk === null || Array.isArray(chunk)) {
      throw badStreamEvent("an event whose data is not a JSON object");
    }
    const c = chunk as Record<string, unknown>;
    if (c.error !== undefined && c.error !== null) throw streamErrorEvent(c.error);
    if (typeof c.model === "string" && c.model !== "") this.#model = c.model;
    if (c.usage !== undefined && c.usage !== null) this.#usage = usageOf(c.usage);
    if (!Array.isArray(c.choices)) throw badStreamEvent("a chunk without a choices array");
    let text = "";
    for (const choice of c.choices as unknown[]) {
      if (typeof choice !== "object" || choice === null)
        throw badStreamEvent("a choice that is not an object");
      const ch = choice as Record<string, unknown>;
      if ((ch.index ?? 0) !== 0) continue;
      if (typeof ch.finish_reason === "string") {
        this.#finishReason = ch.finish_reason;
        this.#progress++;
      }
      const delta = ch.delta;
      if (typeof delta !== "object" || delta === null) continue;
      const d = delta as Record<string, unknown>;
      if (typeof d.content === "string" && d.content !== "") {
        text += d.content;
        this.#progress++;
      }
      if (Array.isArray(d.tool_calls) && d.tool_calls.length > 0) {
        this.#toolDeltas(d.tool_calls);
        this.#progress++;
      }
    }
    return text;
  }

  #toolDeltas(deltas: unknown[]): void {
    for (const raw of deltas) {
      if (typeof raw !== "object" || raw === null)
        throw badStreamEvent("a tool-call delta that is not an object");
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
    return summary;
  }
}

/** OpenAI's `usage` object in the contract's shape; a stream's usage chunk must carry an object. */
function usageOf(raw: unknown): Usage {
  if (typeof raw !== "object" || raw === null) throw badStreamEvent("a usage that is not an object");
  return openaiUsage(raw as Record<string, unknown>);
}
