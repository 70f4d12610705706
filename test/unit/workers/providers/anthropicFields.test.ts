import { describe, expect, it } from "vitest";
import { assistantMessage } from "../../../../src/assistantMessage.js";
import type { StreamChunk } from "../../../../src/types.js";
import { anthropicProvider } from "../../../../workers/providers/anthropic.js";
import { createStreamDecoder } from "../../../../workers/providers/StreamDecoder.js";
import { SseReader } from "../../../../workers/stream/SseReader.js";
import { clientSpec, request } from "./fixtures.js";

const claude = () => clientSpec({ provider: "anthropic", model: "claude-x" });
const named = (event: string, data: object) =>
  `event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`;

const message = {
  id: "msg_1",
  type: "message",
  role: "assistant",
  model: "claude-x",
  content: [
    { type: "thinking", thinking: "The user wants weather.", signature: "sig-1" },
    { type: "redacted_thinking", data: "opaque" },
    { type: "tool_use", id: "toolu_1", name: "weather", input: { city: "Paris" } },
  ],
  stop_reason: "tool_use",
  usage: {
    input_tokens: 10,
    cache_read_input_tokens: 100,
    cache_creation_input_tokens: 20,
    output_tokens: 7,
  },
};

describe("Anthropic thinking, signatures and usage", () => {
  it("keeps thinking as reasoning and signed reasoning details; counts every prompt token", () => {
    const reply = anthropicProvider.parseReply(message);
    expect(reply.reasoning).toBe("The user wants weather.");
    expect(reply.reasoningDetails).toEqual([
      {
        type: "reasoning.text",
        text: "The user wants weather.",
        signature: "sig-1",
        format: "anthropic-claude-v1",
        index: 0,
      },
      { type: "reasoning.encrypted", data: "opaque", format: "anthropic-claude-v1", index: 1 },
    ]);
    expect(reply.usage).toEqual({
      promptTokens: 130,
      completionTokens: 7,
      totalTokens: 137,
      cachedPromptTokens: 100,
      cacheWriteTokens: 20,
    });
    expect(reply.id).toBe("msg_1");
  });

  it("sends the thinking blocks back first, unchanged, in the next turn", () => {
    const reply = anthropicProvider.parseReply(message);
    const next = anthropicProvider.buildRequest(
      claude(),
      request({}, [
        { role: "user", content: "Weather in Paris?" },
        assistantMessage(reply),
        { role: "tool", tool_call_id: "toolu_1", content: "sunny" },
      ]),
      false,
    );
    const body = JSON.parse(next.body);
    expect(body.messages[1]).toEqual({
      role: "assistant",
      content: [
        { type: "thinking", thinking: "The user wants weather.", signature: "sig-1" },
        { type: "redacted_thinking", data: "opaque" },
        { type: "tool_use", id: "toolu_1", name: "weather", input: { city: "Paris" } },
      ],
    });
    // Another vendor's items mean nothing to Anthropic: left out.
    const foreign = anthropicProvider.buildRequest(
      claude(),
      request({}, [
        { role: "user", content: "x" },
        {
          role: "assistant",
          content: "y",
          reasoning_details: [{ type: "reasoning.encrypted", data: "g", format: "google-gemini-v1" }],
        },
        { role: "user", content: "z" },
      ]),
      false,
    );
    expect(JSON.parse(foreign.body).messages[1]).toEqual({ role: "assistant", content: "y" });
  });

  it("streams thinking deltas as reasoning, completes signatures, keeps redacted blocks", () => {
    const body = [
      named("message_start", {
        message: {
          id: "msg_2",
          model: "claude-x",
          usage: { input_tokens: 5, cache_read_input_tokens: 50, output_tokens: 1 },
        },
      }),
      named("content_block_start", { index: 0, content_block: { type: "thinking", thinking: "" } }),
      named("content_block_delta", { index: 0, delta: { type: "thinking_delta", thinking: "Hmm, " } }),
      named("content_block_delta", { index: 0, delta: { type: "thinking_delta", thinking: "sunny?" } }),
      named("content_block_delta", { index: 0, delta: { type: "signature_delta", signature: "sig-2" } }),
      named("content_block_stop", { index: 0 }),
      named("content_block_start", {
        index: 1,
        content_block: { type: "redacted_thinking", data: "opaque2" },
      }),
      named("content_block_stop", { index: 1 }),
      named("content_block_start", { index: 2, content_block: { type: "text", text: "" } }),
      named("content_block_delta", { index: 2, delta: { type: "text_delta", text: "Sunny." } }),
      named("message_delta", { delta: { stop_reason: "end_turn" }, usage: { output_tokens: 12 } }),
      named("message_stop", {}),
    ].join("");
    const reader = new SseReader(createStreamDecoder("anthropic"));
    const chunks: StreamChunk[] = [];
    const bytes = new TextEncoder().encode(body);
    for (let i = 0; i < bytes.length; i += 9) chunks.push(...reader.feed(bytes.subarray(i, i + 9)).deltas);
    expect(reader.end().error).toBeUndefined();
    expect(chunks.map((c) => c.reasoning ?? "").join("")).toBe("Hmm, sunny?");
    expect(chunks.map((c) => c.text).join("")).toBe("Sunny.");
    const summary = reader.summary();
    expect(summary.reasoningDetails).toEqual([
      {
        type: "reasoning.text",
        text: "Hmm, sunny?",
        signature: "sig-2",
        format: "anthropic-claude-v1",
        index: 0,
      },
      { type: "reasoning.encrypted", data: "opaque2", format: "anthropic-claude-v1", index: 1 },
    ]);
    expect(summary.usage).toEqual({
      promptTokens: 55,
      completionTokens: 12,
      totalTokens: 67,
      cachedPromptTokens: 50,
    });
    expect(summary.id).toBe("msg_2");
  });
});

describe("Anthropic requests", () => {
  it("sends a JSON schema response format as output_config.format, merged with extra's output_config", () => {
    const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
    const r = anthropicProvider.buildRequest(
      claude(),
      request({
        responseFormat: { type: "json_schema", json_schema: { name: "place", schema } },
        extra: { output_config: { effort: "low" } },
      }),
      false,
    );
    expect(JSON.parse(r.body).output_config).toEqual({
      effort: "low",
      format: { type: "json_schema", schema },
    });
  });

  it("refuses what Anthropic cannot do: n > 1, logprobs, JSON without a schema", () => {
    for (const params of [{ n: 2 }, { logprobs: true }, { responseFormat: { type: "json_object" } }]) {
      expect(
        () => anthropicProvider.buildRequest(claude(), request(params), false),
        JSON.stringify(params),
      ).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARGUMENT" }));
    }
  });

  it("sends anthropic-beta from client and call headers", () => {
    const client = clientSpec({
      provider: "anthropic",
      model: "claude-x",
      headers: { "anthropic-beta": "a" },
    });
    const r = anthropicProvider.buildRequest(
      client,
      { ...request({}), headers: { "anthropic-beta": "b" } },
      false,
    );
    expect(r.headers["anthropic-beta"]).toBe("b");
    expect(r.headers["x-api-key"]).toBe("sk-test");
  });
});
