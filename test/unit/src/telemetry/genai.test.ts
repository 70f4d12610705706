import { describe, expect, it } from "vitest";
import {
  type Attributes,
  providerName,
  requestAttributes,
  responseAttributes,
  serverOf,
  spanName,
} from "../../../../src/telemetry/genai.js";

describe("GenAI conventions", () => {
  it("names spans `{operation} {model}` and providers as the conventions do", () => {
    expect(spanName("chat", "gpt-4o-mini")).toBe("chat gpt-4o-mini");
    expect(spanName("embeddings", "text-embedding-3-small")).toBe("embeddings text-embedding-3-small");
    expect(["openai", "anthropic", "azure", "gemini", "other"].map(providerName)).toEqual([
      "openai",
      "anthropic",
      "azure.ai.openai",
      "gcp.gemini",
      "other",
    ]);
  });

  it("server.address and server.port, the port from the scheme when absent", () => {
    expect(serverOf("https://api.openai.com/v1")).toEqual({ address: "api.openai.com", port: 443 });
    expect(serverOf("http://127.0.0.1:8080/v1")).toEqual({ address: "127.0.0.1", port: 8080 });
    expect(serverOf("http://localhost/v1")).toEqual({ address: "localhost", port: 80 });
    expect(serverOf("not a url")).toBeUndefined();
  });

  it("gen_ai.request.* from the parameters given, nothing for those absent", () => {
    const a: Attributes = {};
    requestAttributes(
      { temperature: 0.2, maxTokens: 10, topP: 0.9, stop: ["a", "b"], responseFormat: {} },
      a,
    );
    expect(a).toEqual({
      "gen_ai.request.temperature": 0.2,
      "gen_ai.request.max_tokens": 10,
      "gen_ai.request.top_p": 0.9,
      "gen_ai.request.stop_sequences": ["a", "b"],
      "gen_ai.output.type": "json",
    });
    const none: Attributes = {};
    requestAttributes({}, none);
    expect(none).toEqual({});
  });

  it("gen_ai.response.* and gen_ai.usage.* (cache and reasoning counts when present), cost", () => {
    const a: Attributes = {};
    responseAttributes(
      {
        id: "chatcmpl-1",
        model: "gpt-4o-mini-2024",
        finishReason: "length",
        usage: { promptTokens: 100, completionTokens: 20, cachedPromptTokens: 64, reasoningTokens: 5 },
        cost: 0.0012,
      },
      a,
    );
    expect(a).toEqual({
      "gen_ai.response.id": "chatcmpl-1",
      "gen_ai.response.model": "gpt-4o-mini-2024",
      "gen_ai.response.finish_reasons": ["length"],
      "gen_ai.usage.input_tokens": 100,
      "gen_ai.usage.output_tokens": 20,
      "gen_ai.usage.cache_read.input_tokens": 64,
      "gen_ai.usage.reasoning.output_tokens": 5,
      "dspex.cost.usd": 0.0012,
    });
  });
});
