/**
 * The mock's embeddings endpoints as the official SDKs read them: `openai` (`embeddings.create`, which
 * asks for base64 by default, and with `encoding_format: "float"`), `AzureOpenAI` (deployment URL,
 * `api-version`, `api-key`) and `@google/genai` (`models.embedContent`, which the Gemini API serves
 * with `batchEmbedContents`). Each vector must be the mock's deterministic vector of its input.
 */
import { GoogleGenAI } from "@google/genai";
import OpenAI, { AzureOpenAI } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MockServer, mockVector, startMockServer } from "../../../mock/index.js";

let server: MockServer;
beforeAll(async () => {
  server = await startMockServer();
});
afterAll(() => server.close());

const INPUTS = ["first input", "second", "a third one"];

function expected(text: string, dims: number): number[] {
  return Array.from(mockVector(text, dims));
}

describe("mock embeddings, read by the official SDKs", () => {
  it("openai: base64 (the SDK's default), decoded by the SDK", async () => {
    const openai = new OpenAI({ apiKey: "k", baseURL: server.baseURL });
    const res = await openai.embeddings.create({
      model: "text-embedding-3-small",
      input: INPUTS,
      dimensions: 16,
    });
    expect(res.data.map((d) => d.index)).toEqual([0, 1, 2]);
    res.data.forEach((d, i) => {
      expect(d.embedding).toHaveLength(16);
      d.embedding.forEach((x, j) => {
        expect(x).toBeCloseTo(expected(INPUTS[i] as string, 16)[j] as number, 6);
      });
    });
    expect(res.usage).toEqual({ prompt_tokens: 6, total_tokens: 6 });
    expect(res.model).toBe("text-embedding-3-small");
  });

  it("openai: float vectors, and the default length of 1,536", async () => {
    const openai = new OpenAI({ apiKey: "k", baseURL: server.baseURL });
    const res = await openai.embeddings.create({ model: "m", input: "one", encoding_format: "float" });
    expect(res.data[0]?.embedding).toHaveLength(1536);
    expect(res.data[0]?.embedding.slice(0, 4)).toEqual(expected("one", 1536).slice(0, 4));
  });

  it("openai: refuses an empty input and more than 2,048 inputs, as OpenAI does", async () => {
    const openai = new OpenAI({ apiKey: "k", baseURL: server.baseURL, maxRetries: 0 });
    await expect(openai.embeddings.create({ model: "m", input: ["a", ""] })).rejects.toMatchObject({
      status: 400,
    });
    const many = Array.from({ length: 2049 }, (_, i) => `t${i}`);
    await expect(openai.embeddings.create({ model: "m", input: many, dimensions: 1 })).rejects.toMatchObject({
      status: 400,
    });
  });

  it("Azure OpenAI: deployment URL with api-version", async () => {
    const azure = new AzureOpenAI({
      apiKey: "azure-key",
      endpoint: server.url,
      apiVersion: "2024-10-21",
      deployment: "emb",
    });
    const res = await azure.embeddings.create({ model: "emb", input: INPUTS, dimensions: 8 });
    expect(res.data[2]?.embedding[0]).toBeCloseTo(expected("a third one", 8)[0] as number, 6);
    const logged = server.requests.at(-1);
    expect(logged?.path).toBe("/openai/deployments/emb/embeddings");
    expect(logged?.headers["api-key"]).toBe("azure-key");
  });

  it("@google/genai: embedContent of several texts (batchEmbedContents)", async () => {
    const ai = new GoogleGenAI({ apiKey: "k", httpOptions: { baseUrl: server.url } });
    const res = await ai.models.embedContent({
      model: "gemini-embedding-001",
      contents: INPUTS,
      config: { outputDimensionality: 8 },
    });
    expect(res.embeddings?.map((e) => e.values)).toEqual(INPUTS.map((t) => expected(t, 8)));
    expect(server.requests.at(-1)?.path).toBe("/v1beta/models/gemini-embedding-001:batchEmbedContents");
  });
});
