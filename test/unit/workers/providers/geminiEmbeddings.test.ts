import { describe, expect, it } from "vitest";
import { isDspexError } from "../../../../src/errors.js";
import type { WireEmbedRequest } from "../../../../src/protocol.js";
import {
  buildGeminiEmbedRequest,
  geminiEmbeddings,
  parseGeminiEmbeddings,
} from "../../../../workers/providers/geminiEmbeddings.js";
import { clientSpec } from "./fixtures.js";

const client = clientSpec({
  provider: "gemini",
  model: "gemini-embedding-001",
  baseURL: "http://127.0.0.1:9/v1beta",
  apiKey: "g-key",
});

function embedRequest(params: WireEmbedRequest["params"] = {}): WireEmbedRequest {
  return { inputs: [], params, deadline: 0, attemptTimeoutMs: 1, maxRetries: 0, cache: "use" };
}

describe("geminiEmbeddings", () => {
  it("sends one input to :embedContent", () => {
    const req = buildGeminiEmbedRequest(client, ["hello"], embedRequest({ dimensions: 8 }));
    expect(req.url).toBe("http://127.0.0.1:9/v1beta/models/gemini-embedding-001:embedContent");
    expect(req.headers["x-goog-api-key"]).toBe("g-key");
    expect(JSON.parse(req.body)).toEqual({
      model: "models/gemini-embedding-001",
      content: { parts: [{ text: "hello" }] },
      outputDimensionality: 8,
    });
  });

  it("sends several to :batchEmbedContents, extra merged into each request", () => {
    const req = buildGeminiEmbedRequest(
      client,
      ["a", "b"],
      embedRequest({ extra: { taskType: "RETRIEVAL_QUERY" } }),
    );
    expect(req.url).toBe("http://127.0.0.1:9/v1beta/models/gemini-embedding-001:batchEmbedContents");
    expect(JSON.parse(req.body)).toEqual({
      requests: ["a", "b"].map((text) => ({
        model: "models/gemini-embedding-001",
        content: { parts: [{ text }] },
        taskType: "RETRIEVAL_QUERY",
      })),
    });
  });

  it("reads both answers; reports no tokens (Gemini sends none)", () => {
    const one = parseGeminiEmbeddings({ embedding: { values: [1, 2] } });
    expect(one.vectors.map((v) => Array.from(v))).toEqual([[1, 2]]);
    const many = parseGeminiEmbeddings({ embeddings: [{ values: [1] }, { values: [2] }] });
    expect(many.vectors.map((v) => Array.from(v))).toEqual([[1], [2]]);
    expect(many.promptTokens).toBe(0);
  });

  it("refuses another shape with ERR_BAD_RESPONSE, and keeps the 100-per-batch limit", () => {
    for (const body of [[], {}, { embeddings: [{ values: "x" }] }]) {
      let caught: unknown;
      try {
        parseGeminiEmbeddings(body);
      } catch (error) {
        caught = error;
      }
      expect(isDspexError(caught) && caught.code).toBe("ERR_BAD_RESPONSE");
    }
    expect(geminiEmbeddings.maxInputs).toBe(100);
  });
});
