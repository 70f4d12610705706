/**
 * Scripted turns (reasoning, refusals, tool calls, cached tokens) as each wire format writes them:
 * valid against OpenAI's published schema, and read by the official `openai`, `@anthropic-ai/sdk` and
 * `@google/genai` clients.
 */
import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenAI } from "@google/genai";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type MockAnswerInput,
  type MockServer,
  type MockTurn,
  startMockServer,
} from "../../../mock/index.js";
import { isResponse, isStreamChunk } from "./openaiSchema.js";

let server: MockServer;

function script(input: MockAnswerInput): string | MockTurn {
  const last = input.messages.at(-1)?.text ?? "";
  if (last.includes("REFUSE")) return { text: "", refusal: "I can't help with that." };
  if (last.includes("TOOL")) {
    return {
      text: "",
      reasoning: "Need the tool.",
      toolCalls: [{ name: "weather", arguments: { city: "Paris" } }],
    };
  }
  return { text: "Paris is the capital.", reasoning: "Simple geography.", cachedPromptTokens: 2 };
}

beforeAll(async () => {
  server = await startMockServer({ answer: script });
});
afterAll(async () => {
  await server.close();
});

describe("OpenAI: scripted turns match the schema and the SDK reads them", () => {
  const client = () => new OpenAI({ apiKey: "k", baseURL: server.baseURL, maxRetries: 0 });

  it("reasoning, usage details, refusals and tool calls in answers and chunks", async () => {
    for (const content of ["Capital?", "REFUSE", "TOOL please"]) {
      const res = await fetch(`${server.baseURL}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "m", messages: [{ role: "user", content }] }),
      });
      const body = await res.json();
      expect(isResponse(body), isResponse.errorsText()).toBe(true);
      const streamed = await fetch(`${server.baseURL}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          model: "m",
          messages: [{ role: "user", content }],
          stream: true,
          stream_options: { include_usage: true },
        }),
      });
      const events = (await streamed.text()).split("\n\n").filter((e) => e.startsWith("data: {"));
      for (const e of events) {
        const chunk = JSON.parse(e.slice(6));
        expect(isStreamChunk(chunk), isStreamChunk.errorsText()).toBe(true);
      }
    }
    const answer = await client().chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "Hi" }],
    });
    expect(answer.choices[0]?.message.content).toBe("Paris is the capital.");
    expect(answer.usage?.prompt_tokens_details?.cached_tokens).toBe(2);
    expect(answer.usage?.completion_tokens_details?.reasoning_tokens).toBe(2);
    const refusal = await client().chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "REFUSE" }],
    });
    expect(refusal.choices[0]?.message.refusal).toBe("I can't help with that.");
    const tool = await client().chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "TOOL" }],
    });
    expect(tool.choices[0]?.message.tool_calls?.[0]).toMatchObject({ function: { name: "weather" } });
    expect(tool.choices[0]?.finish_reason).toBe("tool_calls");
  });
});

describe("Anthropic: the SDK reads thinking blocks with signatures", () => {
  it("in a message and in a stream", async () => {
    const client = new Anthropic({ apiKey: "k", baseURL: server.url, maxRetries: 0 });
    const params = {
      model: "claude-mock",
      max_tokens: 100,
      thinking: { type: "enabled" as const, budget_tokens: 1024 },
      messages: [{ role: "user" as const, content: "Capital?" }],
    };
    const message = await client.messages.create(params);
    const thinking = message.content.find((b) => b.type === "thinking");
    expect(thinking).toMatchObject({
      thinking: "Simple geography.",
      signature: expect.stringMatching(/^sig_/),
    });
    expect(message.usage.cache_read_input_tokens).toBe(2);
    const final = await client.messages.stream(params).finalMessage();
    expect(final.content).toEqual(message.content);
  });
});

describe("Gemini: the @google/genai SDK reads answers and streams", () => {
  it("text, thought parts and usage", async () => {
    const ai = new GoogleGenAI({ apiKey: "k", httpOptions: { baseUrl: server.url } });
    const config = { thinkingConfig: { includeThoughts: true } };
    const res = await ai.models.generateContent({ model: "gemini-mock", contents: "Capital?", config });
    expect(res.text).toBe("Paris is the capital.");
    expect(res.candidates?.[0]?.content?.parts?.some((p) => p.thought === true)).toBe(true);
    expect(res.usageMetadata).toMatchObject({ thoughtsTokenCount: 2, cachedContentTokenCount: 2 });
    let text = "";
    for await (const piece of await ai.models.generateContentStream({
      model: "gemini-mock",
      contents: "Capital?",
      config,
    })) {
      text += piece.text ?? "";
    }
    expect(text).toBe("Paris is the capital.");
  });
});
