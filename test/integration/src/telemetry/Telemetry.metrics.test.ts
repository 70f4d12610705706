/**
 * Metrics through the real `@opentelemetry/sdk-metrics` (in-memory exporter, collected on demand):
 * the GenAI client metrics and dspex's own, against the real mock server and real worker threads.
 */
import type { DataPoint, Histogram, ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { afterEach, describe, expect, it } from "vitest";
import type { MockServer } from "../../../../mock/index.js";
import type { ClientSpec } from "../../../../src/types.js";
import { type OtelEnv, otelEnv } from "./otelEnv.js";

const HELLO = [{ role: "user" as const, content: "Capital of France?" }];

function client(server: MockServer, name: string, extra: Partial<ClientSpec> = {}): ClientSpec {
  return {
    name,
    provider: "openai",
    model: "mock-model",
    baseURL: server.baseURL,
    apiKey: "sk-metrics-secret-0123456789",
    retry: { maxRetries: 0 },
    ...extra,
  };
}

const envs: OtelEnv[] = [];
afterEach(async () => {
  for (const env of envs.splice(0)) await env.close();
});

async function start(...args: Parameters<typeof otelEnv>): Promise<OtelEnv> {
  const env = await otelEnv(...args);
  envs.push(env);
  return env;
}

/** Collects now and returns the data points of metric `name`. */
async function points(env: OtelEnv, name: string): Promise<DataPoint<unknown>[]> {
  env.metrics.reset();
  await env.reader.forceFlush();
  const all: ResourceMetrics[] = env.metrics.getMetrics();
  const found = all
    .flatMap((r) => r.scopeMetrics)
    .flatMap((s) => s.metrics)
    .filter((m) => m.descriptor.name === name);
  return found.flatMap((m) => m.dataPoints as DataPoint<unknown>[]);
}

function histogramCount(point: DataPoint<unknown> | undefined): number {
  return (point?.value as Histogram | undefined)?.count ?? 0;
}

describe("GenAI client metrics", () => {
  it("operation duration per call, error.type on failures; tokens only where billed", async () => {
    const env = await start((s) => ({ children: [client(s, "gpt")] }));
    await env.system.call("gpt", HELLO);
    await env.system.call("gpt", HELLO); // a hit: timed, but no tokens billed
    env.server.fault({ kind: "status", status: 400 }, { times: 1 });
    await expect(env.system.call("gpt", [{ role: "user", content: "bad" }])).rejects.toMatchObject({
      code: "ERR_HTTP",
    });
    const durations = await points(env, "gen_ai.client.operation.duration");
    const ok = durations.filter((p) => p.attributes["error.type"] === undefined);
    const failed = durations.filter((p) => p.attributes["error.type"] === "ERR_HTTP");
    expect(ok.reduce((n, p) => n + histogramCount(p), 0)).toBe(2);
    expect(failed.map(histogramCount)).toEqual([1]);
    expect(ok[0]?.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "mock-model",
      "server.address": "127.0.0.1",
      "dspex.client": "gpt",
    });
    const tokens = await points(env, "gen_ai.client.token.usage");
    const byType = Object.fromEntries(tokens.map((p) => [p.attributes["gen_ai.token.type"], p]));
    expect(histogramCount(byType.input)).toBe(1);
    expect(histogramCount(byType.output)).toBe(1);
    expect((byType.output?.value as Histogram | undefined)?.sum).toBeGreaterThan(0);
  });

  it("streams: time to first chunk once, time per output chunk for the others", async () => {
    const env = await start((s) => ({ children: [client(s, "gpt")] }), { server: { chunkSize: 2 } });
    let chunks = 0;
    for await (const chunk of env.system.stream("gpt", HELLO)) if (chunk.text !== "") chunks++;
    expect(chunks).toBeGreaterThan(2);
    const first = await points(env, "gen_ai.client.operation.time_to_first_chunk");
    expect(first.map(histogramCount)).toEqual([1]);
    const perChunk = await points(env, "gen_ai.client.operation.time_per_output_chunk");
    expect(histogramCount(perChunk[0])).toBeGreaterThanOrEqual(chunks - 1);
    const durations = await points(env, "gen_ai.client.operation.duration");
    expect(durations.map(histogramCount)).toEqual([1]);
  });
});

describe("dspex metrics", () => {
  it("cache hit ratio, hits, misses, in flight and queue depth per client", async () => {
    const env = await start((s) => ({ children: [client(s, "gpt"), client(s, "idle")] }));
    await env.system.call("gpt", HELLO);
    await env.system.call("gpt", HELLO);
    await env.system.call("gpt", HELLO);
    await env.system.call("gpt", [{ role: "user", content: "other" }]);
    const ratio = await points(env, "dspex.cache.hit_ratio");
    const of = (name: string, list: DataPoint<unknown>[]) =>
      list.find((p) => p.attributes["dspex.client"] === name)?.value;
    expect(of("gpt", ratio)).toBe(0.5);
    expect(of("idle", ratio)).toBe(0);
    expect(of("gpt", await points(env, "dspex.cache.hits"))).toBe(2);
    expect(of("gpt", await points(env, "dspex.cache.misses"))).toBe(2);
    expect(of("gpt", await points(env, "dspex.in_flight"))).toBe(0);
    expect(of("gpt", await points(env, "dspex.queue.depth"))).toBe(0);
    // The figures are the ones inspect() shows.
    const stats = env.system.inspect().children?.find((c) => c.name === "gpt")?.stats;
    expect(stats).toMatchObject({ cacheHits: 2, cacheMisses: 2, inFlight: 0, queued: 0 });
  });

  it("in flight while calls wait upstream; restarts and redeliveries after a kill", async () => {
    const env = await start((s) => ({ children: [client(s, "gpt")] }));
    env.server.fault({ kind: "stall" }, { times: 2 });
    const calls = [
      env.system.call("gpt", [{ role: "user", content: "a" }]),
      env.system.call("gpt", [{ role: "user", content: "b" }]),
    ];
    await env.server.waitFor((s) => s.inFlight >= 2);
    const inFlight = await points(env, "dspex.in_flight");
    expect(inFlight.find((p) => p.attributes["dspex.client"] === "gpt")?.value).toBe(2);
    await env.system.kill("gpt");
    await Promise.all(calls);
    const restarts = await points(env, "dspex.restarts");
    expect(restarts.find((p) => p.attributes["dspex.child"] === "gpt")?.value).toBe(1);
    const redeliveries = await points(env, "dspex.redeliveries");
    expect(redeliveries.find((p) => p.attributes["dspex.client"] === "gpt")?.value).toBe(2);
  });

  it("breaker transitions are counted by state", async () => {
    const env = await start((s) => ({
      children: [client(s, "gpt", { breaker: { failures: 1, halfOpenAfterMs: 60_000 } })],
    }));
    env.server.fault({ kind: "status", status: 500 });
    await expect(env.system.call("gpt", HELLO)).rejects.toMatchObject({ code: "ERR_HTTP" });
    await expect(env.system.call("gpt", [{ role: "user", content: "x" }])).rejects.toMatchObject({
      code: "ERR_CIRCUIT_OPEN",
    });
    const transitions = await points(env, "dspex.breaker.transitions");
    expect(transitions.map((p) => [p.attributes["dspex.breaker.state"], p.value])).toEqual([["open", 1]]);
  });
});
