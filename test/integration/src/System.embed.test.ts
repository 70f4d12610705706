/**
 * `system.embed` through real worker threads and the real mock server: vectors in input order (the
 * mock's vectors are a function of the input, so each one is checked), the per-input cache, coalescing
 * of identical inputs in flight, batch splitting, errors, deadlines and aborts, and the Azure and
 * Gemini endpoints. Upstream requests are counted by the server.
 */
import { describe, expect, it } from "vitest";
import { mockVector } from "../../../mock/index.js";
import type { ClientSpec } from "../../../src/types.js";
import { client, closedAfterEach, failure, oneClientEnv, statsOf } from "../pipelineEnv.js";

const makeEnv = closedAfterEach();
const env = oneClientEnv("emb", makeEnv);

const DIMS = 8;

/** The inputs `0..n-1` as texts. */
function texts(n: number, prefix = "text"): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix} ${i}`);
}

/** Asserts `vectors[i]` is the mock's vector of `inputs[i]`. */
function expectVectors(vectors: Float32Array[], inputs: readonly string[], dims = DIMS): void {
  expect(vectors).toHaveLength(inputs.length);
  vectors.forEach((v, i) => {
    expect(v).toBeInstanceOf(Float32Array);
    expect(Array.from(v)).toEqual(Array.from(mockVector(inputs[i] as string, dims)));
  });
}

/** The inputs of the `n`th request the server logged. */
function sentInputs(server: { requests: { body: unknown }[] }, n: number): string[] {
  return (server.requests[n]?.body as { input?: string[] } | undefined)?.input ?? [];
}

function embedRequests(server: { stats: { byPath: Record<string, number> } }): number {
  return server.stats.byPath["/v1/embeddings"] ?? 0;
}

describe("embed: vectors", () => {
  it("returns one Float32Array per input, in order, with usage, model and client", async () => {
    const { system, server } = await env();
    const inputs = ["the quick brown fox", "jumps", "over the lazy dog"];
    const reply = await system.embed("emb", inputs, { dimensions: DIMS });
    expectVectors(reply.vectors, inputs);
    expect(reply.usage).toEqual({ promptTokens: 9, totalTokens: 9 });
    expect(reply.model).toBe("mock-model");
    expect(reply.client).toBe("emb");
    expect(reply.cachedInputs).toBe(0);
    expect(reply.requests).toBe(1);
    expect(reply.deliveries).toBe(1);
    expect(embedRequests(server)).toBe(1);
    // Sent as the official SDKs send it: base64 vectors, the dimensions asked for.
    const body = server.requests[0]?.body as Record<string, unknown>;
    expect(body).toEqual({ model: "mock-model", input: inputs, encoding_format: "base64", dimensions: DIMS });
  });

  it("reads float vectors too (`extra: { encoding_format: 'float' }`)", async () => {
    const { system } = await env();
    const inputs = texts(3);
    const reply = await system.embed("emb", inputs, {
      dimensions: DIMS,
      extra: { encoding_format: "float" },
    });
    expectVectors(reply.vectors, inputs);
  });

  it("gives each caller vectors of its own (views of one transferred buffer per reply)", async () => {
    const { system } = await env();
    const a = await system.embed("emb", ["same"], { dimensions: DIMS });
    const b = await system.embed("emb", ["same"], { dimensions: DIMS });
    expect(b.cachedInputs).toBe(1);
    (a.vectors[0] as Float32Array)[0] = 42;
    expect((b.vectors[0] as Float32Array)[0]).not.toBe(42);
    const c = await system.embed("emb", ["same"], { dimensions: DIMS });
    expectVectors(c.vectors, ["same"]);
  });
});

describe("embed: per-input cache", () => {
  it("sends only the inputs not cached: 3 cached of 10 sends 7", async () => {
    const { system, server } = await env();
    const all = texts(10);
    await system.embed("emb", [all[2], all[5], all[7]] as string[], { dimensions: DIMS });
    server.resetStats();
    const reply = await system.embed("emb", all, { dimensions: DIMS });
    expectVectors(reply.vectors, all);
    expect(reply.cachedInputs).toBe(3);
    expect(embedRequests(server)).toBe(1);
    const sent = sentInputs(server, 0);
    expect(sent).toEqual(all.filter((_, i) => i !== 2 && i !== 5 && i !== 7));
    expect(reply.usage.promptTokens).toBe(14);
  });

  it("answers a fully cached request with no request at all", async () => {
    const { system, server } = await env();
    const inputs = texts(4);
    await system.embed("emb", inputs, { dimensions: DIMS });
    server.resetStats();
    const reply = await system.embed("emb", [...inputs].reverse(), { dimensions: DIMS });
    expectVectors(reply.vectors, [...inputs].reverse());
    expect(reply.cachedInputs).toBe(4);
    expect(reply.requests).toBe(0);
    expect(reply.usage.promptTokens).toBe(0);
    expect(server.stats.requests).toBe(0);
    expect(statsOf(system, "emb").cacheHits).toBe(1);
  });

  it("keys by dimensions and extra, and not by controls; skip and refresh bypass reading", async () => {
    const { system, server } = await env();
    await system.embed("emb", ["x"], { dimensions: DIMS });
    await system.embed("emb", ["x"], { dimensions: DIMS, timeoutMs: 5_000, maxRetries: 1 });
    expect(embedRequests(server)).toBe(1);
    await system.embed("emb", ["x"], { dimensions: 4 });
    await system.embed("emb", ["x"], { dimensions: DIMS, extra: { user: "u" } });
    expect(embedRequests(server)).toBe(3);
    const skipped = await system.embed("emb", ["x"], { dimensions: DIMS, cache: "skip" });
    const refreshed = await system.embed("emb", ["x"], { dimensions: DIMS, cache: "refresh" });
    expect([skipped.cachedInputs, refreshed.cachedInputs]).toEqual([0, 0]);
    expect(embedRequests(server)).toBe(5);
  });

  it("sends an input repeated within one request once", async () => {
    const { system, server } = await env();
    const inputs = ["a", "b", "a", "a", "b"];
    const reply = await system.embed("emb", inputs, { dimensions: DIMS });
    expectVectors(reply.vectors, inputs);
    expect(sentInputs(server, 0)).toEqual(["a", "b"]);
  });

  it("with the cache off, sends every input", async () => {
    const { system, server } = await env({ cache: false });
    const inputs = ["a", "a"];
    expectVectors((await system.embed("emb", inputs, { dimensions: DIMS })).vectors, inputs);
    expectVectors((await system.embed("emb", inputs, { dimensions: DIMS })).vectors, inputs);
    expect(embedRequests(server)).toBe(2);
  });
});

describe("embed: coalescing", () => {
  it("shares identical inputs in flight between requests", async () => {
    const { system, server } = await env({}, { latencyMs: 100 });
    const first = system.embed("emb", ["a", "b", "c"], { dimensions: DIMS });
    await server.waitFor((s) => s.inFlight === 1);
    const second = system.embed("emb", ["b", "c", "d"], { dimensions: DIMS });
    const [one, two] = await Promise.all([first, second]);
    expectVectors(one.vectors, ["a", "b", "c"]);
    expectVectors(two.vectors, ["b", "c", "d"]);
    expect(embedRequests(server)).toBe(2);
    expect(sentInputs(server, 1)).toEqual(["d"]);
    // The joined inputs were billed to the request that sent them.
    expect(one.usage.promptTokens).toBe(3);
    expect(two.usage.promptTokens).toBe(1);
  });

  it("keeps a shared input's request alive when its first caller leaves", async () => {
    const { system, server } = await env({}, { latencyMs: 150 });
    const controller = new AbortController();
    const first = system.embed("emb", ["shared"], { dimensions: DIMS, signal: controller.signal });
    await server.waitFor((s) => s.inFlight === 1);
    const second = system.embed("emb", ["shared"], { dimensions: DIMS });
    controller.abort();
    expect((await failure(first)).code).toBe("ERR_ABORTED");
    expectVectors((await second).vectors, ["shared"]);
    expect(server.stats.closedEarly).toBe(0);
    expect(embedRequests(server)).toBe(1);
  });
});

describe("embed: batches", () => {
  it("splits into batches of batchSize, sent concurrently, in order", async () => {
    const { system, server } = await env({}, { latencyMs: 50 });
    const inputs = texts(25);
    const reply = await system.embed("emb", inputs, { dimensions: DIMS, batchSize: 10 });
    expectVectors(reply.vectors, inputs);
    expect(embedRequests(server)).toBe(3);
    expect(server.stats.maxInFlight).toBe(3);
    expect(reply.requests).toBe(3);
    const sizes = server.requests.map((r) => (r.body as { input: string[] }).input.length).sort();
    expect(sizes).toEqual([10, 10, 5]);
  });

  it("keeps to the provider's limit: 2,049 inputs make two OpenAI requests", async () => {
    const { system, server } = await env();
    const inputs = texts(2049);
    const reply = await system.embed("emb", inputs, { dimensions: 2 });
    expect(reply.vectors).toHaveLength(2049);
    expect(Array.from(reply.vectors[2048] as Float32Array)).toEqual(Array.from(mockVector("text 2048", 2)));
    expect(embedRequests(server)).toBe(2);
  });

  it("sends at most maxConcurrency batches at once", async () => {
    const { system, server } = await env({ maxConcurrency: 2 }, { latencyMs: 30 });
    const reply = await system.embed("emb", texts(6), { dimensions: DIMS, batchSize: 1 });
    expect(reply.vectors).toHaveLength(6);
    expect(server.stats.maxInFlight).toBe(2);
  });
});

describe("embed: failures", () => {
  it("retries a failed batch and answers", async () => {
    const { system, server } = await env();
    server.fault({ kind: "status", status: 503 }, { times: 1 });
    const reply = await system.embed("emb", ["a"], { dimensions: DIMS });
    expectVectors(reply.vectors, ["a"]);
    expect(reply.requests).toBe(2);
    expect(statsOf(system, "emb").upstreamErrors).toEqual({ ERR_HTTP: 1 });
  });

  it("rejects with the upstream error when retries run out, and a bad request at once", async () => {
    const { system, server } = await env();
    server.fault({ kind: "status", status: 500 }, { times: 3 });
    const error = await failure(system.embed("emb", ["a"], { dimensions: DIMS, maxRetries: 2 }));
    expect(error.code).toBe("ERR_HTTP");
    expect(error.status).toBe(500);
    server.clearFaults();
    server.resetStats();
    const bad = await failure(system.embed("emb", ["a"], { extra: { encoding_format: "int8" } }));
    expect([bad.code, bad.status]).toEqual(["ERR_HTTP", 400]);
    expect(embedRequests(server)).toBe(1);
  });

  it("rejects a malformed answer with ERR_BAD_RESPONSE", async () => {
    const { system, server } = await env({ retry: { maxRetries: 0 } });
    server.fault({ kind: "malformed" });
    expect((await failure(system.embed("emb", ["a"]))).code).toBe("ERR_BAD_RESPONSE");
  });

  it("times out at its deadline and tears the upstream request down", async () => {
    const { system, server } = await env();
    await system.embed("emb", ["warm"], { dimensions: DIMS }); // the worker's client is built
    server.setLatency(5_000);
    const completed = server.stats.completed;
    const error = await failure(system.embed("emb", ["slow"], { dimensions: DIMS, timeoutMs: 300 }));
    expect(error.code).toBe("ERR_TIMEOUT");
    // Torn down (or, on a slow machine, never sent): nothing waits out the server's 5 s.
    await server.waitFor((s) => s.inFlight === 0, 4_000);
    expect(server.stats.completed).toBe(completed);
  });

  it("rejects at once on abort and tears the upstream request down", async () => {
    const { system, server } = await env({}, { latencyMs: 5_000 });
    const controller = new AbortController();
    const pending = system.embed("emb", ["slow"], { dimensions: DIMS, signal: controller.signal });
    await server.waitFor((s) => s.inFlight === 1);
    controller.abort();
    expect((await failure(pending)).code).toBe("ERR_ABORTED");
    await server.waitFor((s) => s.closedEarly === 1, 15_000);
  });

  it("refuses bad inputs and options before any worker is touched", async () => {
    const { system, server } = await env();
    const codes = async (p: Promise<unknown>) => {
      const e = await failure(p);
      return [e.code, e.field];
    };
    expect(await codes(system.embed("emb", []))).toEqual(["ERR_INVALID_ARGUMENT", "inputs"]);
    expect(await codes(system.embed("emb", "text" as unknown as string[]))).toEqual([
      "ERR_INVALID_ARGUMENT",
      "inputs",
    ]);
    expect(await codes(system.embed("emb", ["a", 3 as unknown as string]))).toEqual([
      "ERR_INVALID_ARGUMENT",
      "inputs[1]",
    ]);
    expect(await codes(system.embed("emb", ["a", ""]))).toEqual(["ERR_INVALID_ARGUMENT", "inputs[1]"]);
    const typo = await failure(system.embed("emb", ["a"], { dimension: 3 } as never));
    expect(typo.field).toBe("options.dimension");
    expect(typo.message).toContain("did you mean dimensions?");
    expect(await codes(system.embed("emb", ["a"], { dimensions: 0 }))).toEqual([
      "ERR_INVALID_ARGUMENT",
      "options.dimensions",
    ]);
    expect((await failure(system.embed("nobody" as never, ["a"]))).code).toBe("ERR_UNKNOWN_CLIENT");
    expect(server.stats.requests).toBe(0);
  });
});

describe("embed: Azure and Gemini", () => {
  it("speaks Azure: deployment URL, api-version, api-key", async () => {
    const e = await makeEnv((s) => ({
      children: [
        client(s, "az", { provider: "azure", model: "emb-deployment", baseURL: s.url, apiKey: "azure-key" }),
      ],
    }));
    const inputs = texts(3);
    const reply = await e.system.embed("az", inputs, { dimensions: DIMS });
    expectVectors(reply.vectors, inputs);
    const logged = e.server.requests[0];
    expect(logged?.path).toBe("/openai/deployments/emb-deployment/embeddings");
    expect(logged?.headers["api-key"]).toBe("azure-key");
    expect(logged?.headers.authorization).toBeUndefined();
  });

  it("speaks Gemini: embedContent for one input, batchEmbedContents of at most 100 for more", async () => {
    const e = await makeEnv((s) => ({
      children: [
        client(s, "gem", { provider: "gemini", model: "gemini-embedding-001", baseURL: `${s.url}/v1beta` }),
      ],
    }));
    const one = await e.system.embed("gem", ["alone"], { dimensions: DIMS });
    expectVectors(one.vectors, ["alone"]);
    const inputs = texts(150);
    const many = await e.system.embed("gem", inputs, { dimensions: DIMS });
    expectVectors(many.vectors, inputs);
    expect(e.server.stats.byPath).toEqual({
      "/v1beta/models/gemini-embedding-001:embedContent": 1,
      "/v1beta/models/gemini-embedding-001:batchEmbedContents": 2,
    });
    expect(e.server.requests[0]?.headers["x-goog-api-key"]).toBe("sk-test-pipeline");
  });

  it("refuses an Anthropic client: it has no embeddings API", async () => {
    const e = await makeEnv((s) => ({
      children: [client(s, "claude", { provider: "anthropic", model: "c" })],
    }));
    const error = await failure(e.system.embed("claude", ["a"]));
    expect(error.code).toBe("ERR_INVALID_ARGUMENT");
  });
});

describe("embed: through a router", () => {
  async function routed() {
    const member = (s: Parameters<typeof client>[0], name: string, more: Partial<ClientSpec> = {}) =>
      client(s, name, { model: `model-${name}`, retry: { maxRetries: 0 }, ...more });
    const e = await makeEnv((s) => ({
      children: [
        member(s, "a"),
        member(s, "claude", { provider: "anthropic" }),
        member(s, "g", { provider: "gemini", baseURL: `${s.url}/v1beta` }),
        { type: "router", name: "vectors", strategy: "fallback", members: ["claude", "a", "g"] },
      ],
    }));
    return e;
  }

  it("goes to the first member that can embed, skipping one that cannot (Anthropic)", async () => {
    const { system } = await routed();
    const reply = await system.embed("vectors", ["x", "y"], { dimensions: DIMS });
    expectVectors(reply.vectors, ["x", "y"]);
    expect(reply.client).toBe("a");
    expect(reply.attempts).toEqual([{ client: "a" }]);
  });

  it("falls back to a member of another provider on a 5xx, with a fallback event", async () => {
    const { system, server } = await routed();
    const fallbacks: unknown[] = [];
    system.on("fallback", (event) => fallbacks.push(event));
    server.fault({ kind: "status", status: 503 }, { model: "model-a" });
    const reply = await system.embed("vectors", ["x", "y"], { dimensions: DIMS });
    expectVectors(reply.vectors, ["x", "y"]);
    expect(reply.client).toBe("g");
    expect(reply.attempts).toEqual([{ client: "a", code: "ERR_HTTP" }, { client: "g" }]);
    expect(fallbacks).toEqual([
      { type: "fallback", router: "vectors", from: "a", to: "g", code: "ERR_HTTP" },
    ]);
  });

  it("does not fall back on a bad request", async () => {
    const { system, server } = await routed();
    server.fault({ kind: "status", status: 400 }, { model: "model-a" });
    const error = await failure(system.embed("vectors", ["x"]));
    expect(error.code).toBe("ERR_HTTP");
    expect(error.attempts).toEqual([{ client: "a", code: "ERR_HTTP" }]);
  });
});

describe("embed: admin", () => {
  it("clearCache() clears the cached vectors too: the next embed goes upstream again", async () => {
    const { system, server } = await env();
    const inputs = texts(3, "clear me");
    await system.embed("emb", inputs, { dimensions: DIMS });
    expect((await system.embed("emb", inputs, { dimensions: DIMS })).cachedInputs).toBe(3);
    expect(embedRequests(server)).toBe(1);
    expect(await system.admin("emb").clearCache()).toBe(3);
    const again = await system.embed("emb", inputs, { dimensions: DIMS });
    expect(again.cachedInputs).toBe(0);
    expectVectors(again.vectors, inputs);
    expect(embedRequests(server)).toBe(2);
  });
});
