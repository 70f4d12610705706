/**
 * The span of an `embed`, asserted with the real OpenTelemetry SDK (in-memory exporter) against the
 * real mock server and real worker threads: one CLIENT span named `embeddings {model}` under the
 * caller's span, the GenAI attributes of an embeddings operation, its attempt spans, and a hit.
 */
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import type { OtelEnv } from "./otelEnv.js";
import { inRequest, otelEnv, parentOf, spansNamed } from "./otelEnv.js";

const envs: OtelEnv[] = [];
afterEach(async () => {
  for (const env of envs.splice(0)) await env.close();
});

describe("embed spans", () => {
  it("a miss with a retry, then a hit: GenAI embeddings attributes, attempts as child spans", async () => {
    const env = await otelEnv((s) => ({
      children: [
        {
          name: "emb",
          provider: "openai",
          model: "text-embedding-3-small",
          baseURL: s.baseURL,
          apiKey: "sk-embed-secret-0123456789",
          retry: { maxRetries: 2, initialDelayMs: 1, maxDelayMs: 5 },
        },
      ],
    }));
    envs.push(env);
    env.server.fault({ kind: "status", status: 503 }, { times: 1 });
    await inRequest(env, async () => {
      await env.system.embed("emb", ["one two", "three"], { dimensions: 8 });
      await env.system.embed("emb", ["one two", "three"], { dimensions: 8 });
    });
    const [request] = spansNamed(env, "http request");
    const spans = spansNamed(env, "embeddings text-embedding-3-small").filter(
      (s) => !s.name.endsWith("attempt"),
    );
    const [miss, hit] = spans as [(typeof spans)[0], (typeof spans)[0]];
    expect(spans).toHaveLength(2);
    for (const span of [miss, hit]) {
      expect(span.kind).toBe(SpanKind.CLIENT);
      expect(parentOf(span)).toBe(request?.spanContext().spanId);
      expect(span.status.code).not.toBe(SpanStatusCode.ERROR);
      expect(span.attributes).toMatchObject({
        "gen_ai.operation.name": "embeddings",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "text-embedding-3-small",
        "gen_ai.embeddings.dimension.count": 8,
        "server.address": "127.0.0.1",
        "dspex.client": "emb",
        "dspex.embed.inputs": 2,
      });
    }
    expect(miss.attributes).toMatchObject({
      "gen_ai.usage.input_tokens": 3,
      "gen_ai.response.model": "text-embedding-3-small",
      "dspex.cache.hit": false,
      "dspex.attempts": 2,
      "dspex.embed.cached_inputs": 0,
      "dspex.embed.requests": 2,
    });
    expect(hit.attributes).toMatchObject({
      "dspex.cache.hit": true,
      "dspex.attempts": 0,
      "dspex.embed.cached_inputs": 2,
    });
    const attempts = spansNamed(env, "embeddings text-embedding-3-small attempt");
    expect(attempts).toHaveLength(2);
    for (const attempt of attempts) expect(parentOf(attempt)).toBe(miss.spanContext().spanId);
    expect(attempts.map((a) => a.attributes["error.type"])).toEqual(["ERR_HTTP", undefined]);
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain("sk-embed-secret");
  });

  it("a failed embed: error.type on the span", async () => {
    const env = await otelEnv((s) => ({
      children: [
        {
          name: "emb",
          provider: "openai",
          model: "m",
          baseURL: s.baseURL,
          apiKey: "k",
          retry: { maxRetries: 0 },
        },
      ],
    }));
    envs.push(env);
    env.server.fault({ kind: "status", status: 500 });
    await expect(env.system.embed("emb", ["a"])).rejects.toMatchObject({ code: "ERR_HTTP" });
    const [span] = spansNamed(env, "embeddings m").filter((s) => !s.name.endsWith("attempt"));
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.attributes["error.type"]).toBe("ERR_HTTP");
  });
});
