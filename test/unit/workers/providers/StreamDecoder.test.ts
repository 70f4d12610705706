import { describe, expect, it } from "vitest";
import type { StreamChunk } from "../../../../src/types.js";
import { createStreamDecoder } from "../../../../workers/providers/StreamDecoder.js";
import { SseReader } from "../../../../workers/stream/SseReader.js";

const enc = new TextEncoder();

/** Feeds `body` to a fresh reader in pieces of `size` bytes; returns the deltas and the summary. */
function readAll(provider: "openai" | "anthropic" | "gemini", body: string, size = 7) {
  const reader = new SseReader(createStreamDecoder(provider));
  const bytes = enc.encode(body);
  const chunks: StreamChunk[] = [];
  for (let i = 0; i < bytes.length; i += size)
    chunks.push(...reader.feed(bytes.subarray(i, i + size)).deltas);
  const last = reader.end();
  expect(last.error).toBeUndefined();
  chunks.push(...last.deltas);
  const deltas = chunks.map((c) => c.text).filter((t) => t !== "");
  const reasoning = chunks.map((c) => c.reasoning ?? "").join("");
  return { deltas, reasoning, chunks, summary: reader.summary() };
}

/** The texts of chunks, in order. */
const texts = (chunks: StreamChunk[]) => chunks.map((c) => c.text);

const sse = (data: unknown) => `data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;
const named = (event: string, data: object) =>
  `event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`;

const openaiChunk = (delta: object, finish: string | null = null) => ({
  id: "c1",
  object: "chat.completion.chunk",
  created: 1,
  model: "gpt-4o-mini",
  choices: [{ index: 0, delta, finish_reason: finish }],
});

const openaiBody = [
  sse(openaiChunk({ role: "assistant", content: "" })),
  sse(openaiChunk({ content: "Héllo" })),
  sse(openaiChunk({ content: " wörld 🌍" })),
  sse(openaiChunk({}, "stop")),
  sse({
    id: "c1",
    object: "chat.completion.chunk",
    created: 1,
    model: "gpt-4o-mini",
    choices: [],
    usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
  }),
  sse("[DONE]"),
].join("");

const anthropicBody = [
  named("message_start", {
    message: {
      id: "m1",
      type: "message",
      role: "assistant",
      content: [],
      model: "claude-x",
      stop_reason: null,
      usage: { input_tokens: 7, output_tokens: 1 },
    },
  }),
  named("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
  named("ping", {}),
  named("content_block_delta", { index: 0, delta: { type: "text_delta", text: "Héllo" } }),
  named("content_block_delta", { index: 0, delta: { type: "text_delta", text: " wörld 🌍" } }),
  named("content_block_stop", { index: 0 }),
  named("message_delta", {
    delta: { stop_reason: "max_tokens", stop_sequence: null },
    usage: { output_tokens: 4 },
  }),
  named("message_stop", {}),
].join("");

describe("OpenAI stream decoding", () => {
  it.each([1, 3, 7, 4096])(
    "joins deltas across reads of %i bytes, multi-byte characters included",
    (size) => {
      const { deltas, summary } = readAll("openai", openaiBody, size);
      expect(deltas.join("")).toBe("Héllo wörld 🌍");
      expect(summary).toEqual({
        finishReason: "stop",
        usage: { promptTokens: 5, completionTokens: 3, totalTokens: 8 },
        model: "gpt-4o-mini",
        id: "c1",
      });
    },
  );

  it("assembles tool calls from fragments", () => {
    const body = [
      sse(
        openaiChunk({
          tool_calls: [{ index: 0, id: "t1", type: "function", function: { name: "get", arguments: "" } }],
        }),
      ),
      sse(openaiChunk({ tool_calls: [{ index: 0, function: { arguments: '{"a":' } }] })),
      sse(openaiChunk({ tool_calls: [{ index: 0, function: { arguments: "1}" } }] })),
      sse(openaiChunk({}, "tool_calls")),
      sse("[DONE]"),
    ].join("");
    const { summary } = readAll("openai", body);
    expect(summary.finishReason).toBe("tool_calls");
    expect(summary.toolCalls).toEqual([{ id: "t1", name: "get", arguments: '{"a":1}' }]);
  });

  it("turns an error event into a typed error that keeps the upstream code", () => {
    const reader = new SseReader(createStreamDecoder("openai"));
    reader.feed(enc.encode(sse(openaiChunk({ content: "Hi" }))));
    expect(
      reader.feed(enc.encode(sse({ error: { message: "boom", type: "server_error", code: null } }))).error,
    ).toEqual(expect.objectContaining({ code: "ERR_HTTP", upstreamCode: "server_error" }));
    const limited = new SseReader(createStreamDecoder("openai"));
    expect(
      limited.feed(
        enc.encode(sse({ error: { message: "slow down", type: "requests", code: "rate_limit_exceeded" } })),
      ).error,
    ).toEqual(expect.objectContaining({ code: "ERR_RATE_LIMITED", upstreamCode: "rate_limit_exceeded" }));
  });

  it("keeps the text read before an error event in the same read", () => {
    const reader = new SseReader(createStreamDecoder("openai"));
    const body =
      sse(openaiChunk({ content: "a" })) +
      sse(openaiChunk({ content: "b" })) +
      sse({ error: { message: "x" } });
    const result = reader.feed(enc.encode(body));
    expect(texts(result.deltas)).toEqual(["a", "b"]);
    expect(result.error?.code).toBe("ERR_HTTP");
    expect(texts(reader.feed(enc.encode(sse(openaiChunk({ content: "c" })))).deltas)).toEqual([]);
  });

  it("rejects data that is not JSON with ERR_BAD_RESPONSE", () => {
    const reader = new SseReader(createStreamDecoder("openai"));
    expect(reader.feed(enc.encode("data: {not json\n\n")).error).toEqual(
      expect.objectContaining({ code: "ERR_BAD_RESPONSE" }),
    );
  });

  it("reports a body that ends before [DONE] as ERR_NETWORK", () => {
    const reader = new SseReader(createStreamDecoder("openai"));
    expect(texts(reader.feed(enc.encode(sse(openaiChunk({ content: "Hi" })))).deltas)).toEqual(["Hi"]);
    expect(reader.end().error).toEqual(expect.objectContaining({ code: "ERR_NETWORK" }));
  });

  it("accepts a body that ends after the finish reason without [DONE] (some compatible servers)", () => {
    const body = sse(openaiChunk({ content: "Hi" })) + sse(openaiChunk({}, "length"));
    const { deltas, summary } = readAll("openai", body);
    expect(deltas).toEqual(["Hi"]);
    expect(summary.finishReason).toBe("length");
  });

  it("counts progress only for events that carry the answer", () => {
    const reader = new SseReader(createStreamDecoder("openai"));
    expect(reader.feed(enc.encode(sse(openaiChunk({ role: "assistant", content: "" })))).progressed).toBe(
      false,
    );
    expect(reader.feed(enc.encode(sse(openaiChunk({ content: "x" })))).progressed).toBe(true);
  });
});

describe("Anthropic stream decoding", () => {
  it.each([1, 5, 4096])("joins text deltas across reads of %i bytes and maps the stop reason", (size) => {
    const { deltas, summary } = readAll("anthropic", anthropicBody, size);
    expect(deltas).toEqual(["Héllo", " wörld 🌍"]);
    expect(summary).toEqual({
      finishReason: "length",
      usage: { promptTokens: 7, completionTokens: 4, totalTokens: 11 },
      model: "claude-x",
      id: "m1",
    });
  });

  it("assembles tool input as compact JSON", () => {
    const body = [
      named("message_start", {
        message: { model: "claude-x", usage: { input_tokens: 1, output_tokens: 0 } },
      }),
      named("content_block_start", {
        index: 0,
        content_block: { type: "tool_use", id: "tu1", name: "get", input: {} },
      }),
      named("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: '{"a": ' } }),
      named("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: "1}" } }),
      named("message_delta", { delta: { stop_reason: "tool_use" }, usage: { output_tokens: 9 } }),
      named("message_stop", {}),
    ].join("");
    const { summary } = readAll("anthropic", body);
    expect(summary.finishReason).toBe("tool_calls");
    expect(summary.toolCalls).toEqual([{ id: "tu1", name: "get", arguments: '{"a":1}' }]);
  });

  it("turns an error event into a typed error", () => {
    const reader = new SseReader(createStreamDecoder("anthropic"));
    const body = named("error", { error: { type: "overloaded_error", message: "Overloaded" } });
    expect(reader.feed(enc.encode(body)).error).toEqual(
      expect.objectContaining({ code: "ERR_HTTP", status: 529, upstreamCode: "overloaded_error" }),
    );
    const limited = new SseReader(createStreamDecoder("anthropic"));
    const rate = named("error", { error: { type: "rate_limit_error", message: "slow" } });
    expect(limited.feed(enc.encode(rate)).error).toEqual(
      expect.objectContaining({ code: "ERR_RATE_LIMITED" }),
    );
  });

  it("reports a body that ends before message_stop as ERR_NETWORK", () => {
    const cut = anthropicBody.slice(0, anthropicBody.indexOf("event: message_delta"));
    const reader = new SseReader(createStreamDecoder("anthropic"));
    expect(texts(reader.feed(enc.encode(cut)).deltas).join("")).toBe("Héllo wörld 🌍");
    expect(reader.end().error).toEqual(expect.objectContaining({ code: "ERR_NETWORK" }));
  });
});
