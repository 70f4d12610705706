import { describe, expect, it } from "vitest";
import { assistantMessage } from "../../../../src/assistantMessage.js";
import { isDspexError } from "../../../../src/errors.js";
import type { StreamChunk } from "../../../../src/types.js";
import { geminiProvider } from "../../../../workers/providers/gemini.js";
import { createStreamDecoder } from "../../../../workers/providers/StreamDecoder.js";
import { SseReader } from "../../../../workers/stream/SseReader.js";
import { clientSpec, request } from "./fixtures.js";

const gemini = () =>
  clientSpec({ provider: "gemini", model: "gemini-2.5-flash", baseURL: "http://127.0.0.1:9/v1beta" });

const answer = {
  candidates: [
    {
      content: {
        role: "model",
        parts: [
          { text: "Weather needed.", thought: true },
          { functionCall: { name: "weather", args: { city: "Paris" } }, thoughtSignature: "sig-g" },
        ],
      },
      finishReason: "STOP",
      index: 0,
    },
  ],
  usageMetadata: {
    promptTokenCount: 120,
    cachedContentTokenCount: 100,
    candidatesTokenCount: 8,
    thoughtsTokenCount: 30,
    totalTokenCount: 158,
  },
  modelVersion: "gemini-2.5-flash",
  responseId: "resp-1",
};

describe("Gemini requests", () => {
  it("maps system instruction, parameters, tools, tool choice and a JSON schema", () => {
    const schema = { type: "object", properties: { a: { type: "string" } } };
    const r = geminiProvider.buildRequest(
      gemini(),
      request(
        {
          temperature: 0.2,
          maxTokens: 50,
          stop: "END",
          n: 2,
          responseFormat: { type: "json_schema", json_schema: { name: "x", schema } },
          tools: [{ type: "function", function: { name: "weather", parameters: { type: "object" } } }],
          toolChoice: "required",
          extra: { generationConfig: { thinkingConfig: { includeThoughts: true } } },
        },
        [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Hi" },
        ],
      ),
      false,
    );
    expect(r.url).toBe("http://127.0.0.1:9/v1beta/models/gemini-2.5-flash:generateContent");
    expect(r.headers["x-goog-api-key"]).toBe("sk-test");
    expect(JSON.parse(r.body)).toEqual({
      contents: [{ role: "user", parts: [{ text: "Hi" }] }],
      systemInstruction: { parts: [{ text: "Be brief." }] },
      tools: [{ functionDeclarations: [{ name: "weather", parametersJsonSchema: { type: "object" } }] }],
      toolConfig: { functionCallingConfig: { mode: "ANY" } },
      generationConfig: {
        temperature: 0.2,
        maxOutputTokens: 50,
        stopSequences: ["END"],
        candidateCount: 2,
        responseMimeType: "application/json",
        responseJsonSchema: schema,
        thinkingConfig: { includeThoughts: true },
      },
    });
    const streamed = geminiProvider.buildRequest(gemini(), request({}), true);
    expect(streamed.url).toBe(
      "http://127.0.0.1:9/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
    );
  });

  it("sends thought parts and the function call's signature back, and answers the call by name", () => {
    const reply = geminiProvider.parseReply(answer);
    const call = reply.toolCalls?.[0];
    const r = geminiProvider.buildRequest(
      gemini(),
      request({}, [
        { role: "user", content: "Weather?" },
        assistantMessage(reply),
        { role: "tool", tool_call_id: call?.id ?? "", content: '{"temp":21}' },
      ]),
      false,
    );
    expect(JSON.parse(r.body).contents).toEqual([
      { role: "user", parts: [{ text: "Weather?" }] },
      {
        role: "model",
        parts: [
          { text: "Weather needed.", thought: true },
          { functionCall: { name: "weather", args: { city: "Paris" } }, thoughtSignature: "sig-g" },
        ],
      },
      { role: "user", parts: [{ functionResponse: { name: "weather", response: { temp: 21 } } }] },
    ]);
  });
});

describe("Gemini answers", () => {
  it("reads thoughts, function calls, signatures, usage with cached and thought tokens", () => {
    const reply = geminiProvider.parseReply(answer);
    expect(reply).toMatchObject({
      text: "",
      reasoning: "Weather needed.",
      finishReason: "tool_calls",
      id: "resp-1",
      model: "gemini-2.5-flash",
      usage: {
        promptTokens: 120,
        completionTokens: 38,
        totalTokens: 158,
        cachedPromptTokens: 100,
        reasoningTokens: 30,
      },
    });
    expect(reply.toolCalls).toEqual([
      { id: "gemini-call-0", name: "weather", arguments: '{"city":"Paris"}' },
    ]);
    expect(reply.reasoningDetails).toContainEqual({
      type: "reasoning.encrypted",
      data: "sig-g",
      format: "google-gemini-v1",
      id: "gemini-call-0",
      index: 1,
    });
  });

  it("ends a filtered answer with content_filter, and a blocked prompt with ERR_CONTENT_FILTER", () => {
    const filtered = geminiProvider.parseReply({ candidates: [{ finishReason: "SAFETY", index: 0 }] });
    expect(filtered.finishReason).toBe("content_filter");
    let caught: unknown;
    try {
      geminiProvider.parseReply({
        promptFeedback: { blockReason: "SAFETY" },
        usageMetadata: { promptTokenCount: 3 },
      });
    } catch (error) {
      caught = error;
    }
    expect(isDspexError(caught, "ERR_CONTENT_FILTER")).toBe(true);
    expect(caught).toMatchObject({ upstreamCode: "SAFETY" });
  });

  it("maps error bodies: numeric code as status word, message", () => {
    const e = geminiProvider.parseError(
      400,
      {},
      JSON.stringify({ error: { code: 400, message: "API key not valid.", status: "INVALID_ARGUMENT" } }),
    );
    expect(e).toMatchObject({ code: "ERR_HTTP", status: 400, upstreamCode: "INVALID_ARGUMENT" });
    expect(e.message).toContain("API key not valid.");
  });

  it("streams thought parts as reasoning and text as text, ends at the body's end after a finish reason", () => {
    const piece = (parts: object[], extra: object = {}) =>
      `data: ${JSON.stringify({ candidates: [{ content: { role: "model", parts }, index: 0, ...extra }], modelVersion: "g", responseId: "r" })}\r\n\r\n`;
    const body =
      piece([{ text: "Think", thought: true }]) +
      piece([{ text: "ing.", thought: true }]) +
      piece([{ text: "Hé" }]) +
      piece([{ text: "llo", thoughtSignature: "s" }], { finishReason: "STOP" }).replace(
        '"responseId"',
        '"usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":2,"thoughtsTokenCount":3,"totalTokenCount":9},"responseId"',
      );
    const reader = new SseReader(createStreamDecoder("gemini"));
    const bytes = new TextEncoder().encode(body);
    const chunks: StreamChunk[] = [];
    for (let i = 0; i < bytes.length; i += 3) chunks.push(...reader.feed(bytes.subarray(i, i + 3)).deltas);
    expect(reader.end().error).toBeUndefined();
    expect(chunks.map((c) => c.text).join("")).toBe("Héllo");
    expect(chunks.map((c) => c.reasoning ?? "").join("")).toBe("Thinking.");
    const summary = reader.summary();
    expect(summary.usage).toEqual({
      promptTokens: 4,
      completionTokens: 5,
      totalTokens: 9,
      reasoningTokens: 3,
    });
    expect(summary.reasoningDetails).toEqual([
      { type: "reasoning.text", text: "Thinking.", format: "google-gemini-v1", index: 0 },
      { type: "reasoning.encrypted", data: "s", format: "google-gemini-v1", index: 1 },
    ]);
    // A body that ends before any finish reason is a dropped stream.
    const cut = new SseReader(createStreamDecoder("gemini"));
    cut.feed(new TextEncoder().encode(piece([{ text: "x" }])));
    expect(cut.end().error).toMatchObject({ code: "ERR_NETWORK" });
  });
});
