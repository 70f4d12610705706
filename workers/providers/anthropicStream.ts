/**
 * Anthropic messages streams: named events `message_start`, `content_block_start`,
 * `content_block_delta` (`text_delta`, `input_json_delta`, `thinking_delta`, `signature_delta`),
 * `content_block_stop`, `message_delta`
 * (stop reason, usage), `message_stop`, plus `ping` and `error`. There is no `[DONE]`: `message_stop`
 * ends the stream. Unknown event names are skipped (Anthropic may add some; its docs ask clients to).
 */
import type { EventSourceMessage } from "eventsource-parser";
import type { FinishReason, ReasoningDetail, ToolCall } from "../../src/types.js";
import {
  type AnthropicCounts,
  readAnthropicCounts,
  redactedDetail,
  thinkingDetail,
  usageFromCounts,
} from "./anthropicFields.js";
import type { StreamDecoder, StreamSummary } from "./StreamDecoder.js";
import { badStreamEvent, eventObject, streamErrorEvent } from "./streamError.js";

interface ToolBlock {
  id: string;
  name: string;
  /** `input_json_delta` fragments, joined. */
  json: string;
}

/** Decodes one Anthropic stream; see the module comment. */
export class AnthropicStreamDecoder implements StreamDecoder {
  #done = false;
  #progress = 0;
  #stopReason: string | undefined;
  readonly #counts: AnthropicCounts = { input: 0, output: 0, cacheRead: undefined, cacheWrite: undefined };
  #model = "";
  #id = "";
  #reasoningDelta = "";
  #reasoning = "";
  /** Tool-use blocks by content-block index. */
  readonly #tools = new Map<number, ToolBlock>();
  /** Thinking and redacted-thinking blocks by content-block index (signatures complete them). */
  readonly #thinking = new Map<number, ReasoningDetail>();

  takeReasoning(): string {
    const delta = this.#reasoningDelta;
    if (delta !== "") this.#reasoningDelta = "";
    return delta;
  }

  get done(): boolean {
    return this.#done;
  }

  get complete(): boolean {
    return this.#done;
  }

  get progress(): number {
    return this.#progress;
  }

  decode(event: EventSourceMessage): string {
    const p = eventObject(event.data);
    const name = event.event ?? (typeof p.type === "string" ? p.type : "");
    if (this.#done && name !== "ping") throw badStreamEvent(`a "${name}" event after message_stop`);
    switch (name) {
      case "message_start":
        this.#messageStart(p.message);
        return "";
      case "content_block_start":
        this.#blockStart(p.index, p.content_block);
        return "";
      case "content_block_delta":
        return this.#blockDelta(p.index, p.delta);
      case "message_delta":
        this.#messageDelta(p.delta, p.usage);
        this.#progress++;
        return "";
      case "message_stop":
        this.#done = true;
        this.#progress++;
        return "";
      case "error":
        throw streamErrorEvent(p.error, p);
      default:
        // ping, content_block_stop, and event types added after this was written.
        return "";
    }
  }

  #messageStart(message: unknown): void {
    if (typeof message !== "object" || message === null)
      throw badStreamEvent("message_start without a message");
    const m = message as { model?: unknown; usage?: unknown; id?: unknown };
    if (typeof m.model === "string") this.#model = m.model;
    if (typeof m.id === "string") this.#id = m.id;
    readAnthropicCounts(this.#counts, m.usage);
  }

  #blockStart(index: unknown, block: unknown): void {
    if (typeof block !== "object" || block === null)
      throw badStreamEvent("content_block_start without a block");
    const b = block as { type?: unknown; id?: unknown; name?: unknown; thinking?: unknown; data?: unknown };
    if (typeof index !== "number") return;
    if (b.type === "thinking") {
      const text = typeof b.thinking === "string" ? b.thinking : "";
      this.#thinking.set(index, thinkingDetail(text, undefined, this.#thinking.size));
      this.#addReasoning(text);
      return;
    }
    if (b.type === "redacted_thinking" && typeof b.data === "string") {
      this.#thinking.set(index, redactedDetail(b.data, this.#thinking.size));
      this.#progress++;
      return;
    }
    if (b.type === "tool_use") {
      this.#tools.set(index, {
        id: typeof b.id === "string" ? b.id : "",
        name: typeof b.name === "string" ? b.name : "",
        json: "",
      });
    }
  }

  #blockDelta(index: unknown, delta: unknown): string {
    if (typeof delta !== "object" || delta === null)
      throw badStreamEvent("content_block_delta without a delta");
    const d = delta as {
      type?: unknown;
      text?: unknown;
      partial_json?: unknown;
      thinking?: unknown;
      signature?: unknown;
    };
    if (d.type === "text_delta") {
      if (typeof d.text !== "string") throw badStreamEvent("a text_delta without text");
      this.#progress++;
      return d.text;
    }
    if (d.type === "thinking_delta") {
      if (typeof d.thinking !== "string") throw badStreamEvent("a thinking_delta without thinking");
      const item = typeof index === "number" ? this.#thinking.get(index) : undefined;
      if (item?.type === "reasoning.text") item.text += d.thinking;
      this.#addReasoning(d.thinking);
      return "";
    }
    if (d.type === "signature_delta") {
      if (typeof d.signature !== "string") throw badStreamEvent("a signature_delta without signature");
      const item = typeof index === "number" ? this.#thinking.get(index) : undefined;
      if (item?.type === "reasoning.text") item.signature = (item.signature ?? "") + d.signature;
      this.#progress++;
      return "";
    }
    if (d.type === "input_json_delta" && typeof index === "number" && typeof d.partial_json === "string") {
      const tool = this.#tools.get(index);
      if (tool !== undefined) tool.json += d.partial_json;
      this.#progress++;
    }
    return ""; // citations and deltas added after this was written carry no answer text
  }

  #addReasoning(text: string): void {
    if (text === "") return;
    this.#reasoningDelta += text;
    this.#reasoning += text;
    this.#progress++;
  }

  #messageDelta(delta: unknown, usage: unknown): void {
    if (typeof delta === "object" && delta !== null) {
      const reason = (delta as { stop_reason?: unknown }).stop_reason;
      if (typeof reason === "string") this.#stopReason = reason;
    }
    readAnthropicCounts(this.#counts, usage);
  }

  summary(): StreamSummary {
    const summary: StreamSummary = {
      finishReason: anthropicFinishReason(this.#stopReason),
      usage: usageFromCounts(this.#counts),
      model: this.#model,
    };
    if (this.#id !== "") summary.id = this.#id;
    if (this.#reasoning !== "") summary.reasoning = this.#reasoning;
    if (this.#thinking.size > 0) {
      summary.reasoningDetails = [...this.#thinking.entries()].sort(([a], [b]) => a - b).map(([, d]) => d);
    }
    if (this.#tools.size > 0) {
      summary.toolCalls = [...this.#tools.entries()]
        .sort(([a], [b]) => a - b)
        .map(([, t]): ToolCall => ({ id: t.id, name: t.name, arguments: normalizeJson(t.json) }));
    }
    return summary;
  }
}

/** Anthropic's stop reasons in OpenAI's words, as the non-streaming reply maps them. */
export function anthropicFinishReason(stopReason: string | undefined): FinishReason {
  switch (stopReason) {
    case undefined:
    case "end_turn":
    case "stop_sequence":
      return "stop";
    case "max_tokens":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "refusal":
      return "content_filter";
    default:
      return stopReason;
  }
}

/**
 * Streamed tool input as the non-streaming reply renders it (`JSON.stringify(input)`), so a cached
 * stream and a call agree; text that is not JSON is kept as it came.
 */
function normalizeJson(json: string): string {
  if (json === "") return "{}";
  try {
    return JSON.stringify(JSON.parse(json));
  } catch {
    return json;
  }
}
