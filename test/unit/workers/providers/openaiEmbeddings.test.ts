import { describe, expect, it } from "vitest";
import { isDspexError } from "../../../../src/errors.js";
import type { WireEmbedRequest } from "../../../../src/protocol.js";
import {
  azureEmbeddings,
  azureEmbedUrl,
  openaiEmbeddings,
  parseOpenAIEmbeddings,
} from "../../../../workers/providers/openaiEmbeddings.js";
import { clientSpec } from "./fixtures.js";

function embedRequest(extra: Partial<WireEmbedRequest> = {}): WireEmbedRequest {
  return {
    inputs: ["a"],
    params: {},
    deadline: 0,
    attemptTimeoutMs: 1,
    maxRetries: 0,
    cache: "use",
    ...extra,
  };
}

function base64(values: number[]): string {
  return Buffer.from(new Float32Array(values).buffer).toString("base64");
}

describe("openaiEmbeddings", () => {
  it("builds POST {baseURL}/embeddings with base64, dimensions, extra last, the key as a bearer token", () => {
    const client = clientSpec({ apiKey: "sk-1", headers: { "OpenAI-Organization": "org" } });
    const req = openaiEmbeddings.buildEmbedRequest(
      client,
      ["a", "b"],
      embedRequest({ params: { dimensions: 8, extra: { encoding_format: "float", user: "u" } } }),
    );
    expect(req.url).toBe(`${client.baseURL}/embeddings`);
    expect(req.headers.authorization).toBe("Bearer sk-1");
    expect(req.headers["openai-organization"]).toBe("org");
    expect(JSON.parse(req.body)).toEqual({
      model: client.model,
      input: ["a", "b"],
      encoding_format: "float",
      dimensions: 8,
      user: "u",
    });
  });

  it("reads float and base64 vectors, placed by index, with usage and model", () => {
    const batch = parseOpenAIEmbeddings({
      object: "list",
      data: [
        { object: "embedding", index: 1, embedding: base64([0.5, -1]) },
        { object: "embedding", index: 0, embedding: [0.25, 2] },
      ],
      model: "text-embedding-3-small",
      usage: { prompt_tokens: 5, total_tokens: 5 },
    });
    expect(batch.vectors.map((v) => Array.from(v))).toEqual([
      [0.25, 2],
      [0.5, -1],
    ]);
    expect(batch.vectors[1]).toBeInstanceOf(Float32Array);
    expect([batch.promptTokens, batch.model]).toEqual([5, "text-embedding-3-small"]);
  });

  it("refuses what is not an embeddings answer with ERR_BAD_RESPONSE", () => {
    const bad = [
      {},
      { data: [{ index: 0, embedding: "abc" }] }, // 3 bytes: not float32s
      { data: [{ index: 0, embedding: ["x"] }] },
      { data: [{ index: 3, embedding: [1] }] },
      {
        data: [
          { index: 0, embedding: [1] },
          { index: 0, embedding: [2] },
        ],
      },
    ];
    for (const body of bad) {
      let caught: unknown;
      try {
        parseOpenAIEmbeddings(body);
      } catch (error) {
        caught = error;
      }
      expect(isDspexError(caught) && caught.code).toBe("ERR_BAD_RESPONSE");
    }
  });

  it("keeps OpenAI's limits: 2,048 inputs, 300,000 tokens", () => {
    expect([openaiEmbeddings.maxInputs, openaiEmbeddings.maxTokens]).toEqual([2048, 300_000]);
  });
});

describe("azureEmbeddings", () => {
  it("sends to the deployment with api-version and the key in api-key", () => {
    const client = clientSpec({
      provider: "azure",
      model: "emb",
      baseURL: "https://r.openai.azure.com",
      apiKey: "az",
    });
    const req = azureEmbeddings.buildEmbedRequest(client, ["a"], embedRequest());
    expect(req.url).toBe(
      "https://r.openai.azure.com/openai/deployments/emb/embeddings?api-version=2024-10-21",
    );
    expect(req.headers["api-key"]).toBe("az");
    expect(req.headers.authorization).toBeUndefined();
  });

  it("follows the base URL's form: a deployment, the v1 API, a query override", () => {
    const url = (baseURL: string, query?: Record<string, string>) =>
      azureEmbedUrl(clientSpec({ provider: "azure", model: "emb", baseURL, ...(query ? { query } : {}) }));
    expect(url("https://r.openai.azure.com/openai/deployments/other")).toBe(
      "https://r.openai.azure.com/openai/deployments/other/embeddings?api-version=2024-10-21",
    );
    expect(url("https://r.openai.azure.com/openai/v1")).toBe(
      "https://r.openai.azure.com/openai/v1/embeddings",
    );
    expect(url("https://r.openai.azure.com", { "api-version": "2025-01-01" })).toContain(
      "api-version=2025-01-01",
    );
  });
});
