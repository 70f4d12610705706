/**
 * Spans of dspex calls, asserted with the real OpenTelemetry SDK (in-memory exporter, async-hooks
 * context manager) against the real mock server and real worker threads: a cache hit, a miss with
 * two retries, a stream, a crash with redelivery; the span tree (caller's span -> call span ->
 * attempt spans) and the GenAI attributes.
 */
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import type { MockServer } from "../../../../mock/index.js";
import type { ClientSpec } from "../../../../src/types.js";
import { inRequest, type OtelEnv, otelEnv, parentOf, spansNamed } from "./otelEnv.js";

const HELLO = [{ role: "user" as const, content: "Capital of France?" }];
const KEY = "sk-telemetry-secret-0123456789";

function client(server: MockServer, name: string, extra: Partial<ClientSpec> = {}): ClientSpec {
  return {
    name,
    provider: "openai",
    model: "mock-model",
    baseURL: server.baseURL,
    apiKey: KEY,
    retry: { maxRetries: 3, initialDelayMs: 5, maxDelayMs: 10 },
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

describe("call spans", () => {
  it("a miss then a hit: one CLIENT span each, child of the caller's span, GenAI attributes", async () => {
    const env = await start((s) => ({ children: [client(s, "gpt")] }));
    const port = env.server.port;
    await inRequest(env, async () => {
      await env.system.call("gpt", HELLO, { temperature: 0, maxTokens: 50, seed: 7, stop: "END" });
      await env.system.call("gpt", HELLO, { temperature: 0, maxTokens: 50, seed: 7, stop: "END" });
    });
    const [request] = spansNamed(env, "http request");
    const calls = spansNamed(env, "chat mock-model").filter((s) => !s.name.endsWith("attempt"));
    expect(calls).toHaveLength(2);
    const [miss, hit] = calls as [(typeof calls)[0], (typeof calls)[0]];
    for (const span of [miss, hit]) {
      expect(span.kind).toBe(SpanKind.CLIENT);
      expect(parentOf(span)).toBe(request?.spanContext().spanId);
      expect(span.spanContext().traceId).toBe(request?.spanContext().traceId);
      expect(span.attributes).toMatchObject({
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "mock-model",
        "gen_ai.request.temperature": 0,
        "gen_ai.request.max_tokens": 50,
        "gen_ai.request.seed": 7,
        "gen_ai.request.stop_sequences": ["END"],
        "gen_ai.response.finish_reasons": ["stop"],
        "server.address": "127.0.0.1",
        "server.port": port,
        "dspex.client": "gpt",
      });
      expect(span.attributes["gen_ai.response.model"]).toBeTypeOf("string");
      expect(span.attributes["gen_ai.usage.input_tokens"]).toBeGreaterThan(0);
      expect(span.attributes["gen_ai.usage.output_tokens"]).toBeGreaterThan(0);
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
    }
    expect(miss.attributes).toMatchObject({ "dspex.cache.hit": false, "dspex.attempts": 1 });
    expect(hit.attributes).toMatchObject({ "dspex.cache.hit": true, "dspex.attempts": 0 });
    // The miss made one upstream attempt: one child span inside the call span; the hit made none.
    const attempts = spansNamed(env, "chat mock-model attempt");
    expect(attempts).toHaveLength(1);
    expect(parentOf(attempts[0])).toBe(miss.spanContext().spanId);
    expect(attempts.some((a) => parentOf(a) === hit.spanContext().spanId)).toBe(false);
    // No message contents unless asked.
    expect(miss.attributes["gen_ai.input.messages"]).toBeUndefined();
    expect(JSON.stringify(env.spans.getFinishedSpans().map((s) => s.attributes))).not.toContain(KEY);
  });

  it("a miss with two retries: the call span covers three attempt spans, timed by the worker", async () => {
    const env = await start((s) => ({ children: [client(s, "gpt")] }));
    env.server.fault({ kind: "status", status: 503 }, { times: 2 });
    const reply = await env.system.call("gpt", HELLO);
    expect(reply.cached).toBe(false);
    const [call] = spansNamed(env, "chat mock-model").filter((s) => !s.name.endsWith("attempt"));
    const attempts = spansNamed(env, "chat mock-model attempt").sort(
      (a, b) => (a.attributes["dspex.attempt"] as number) - (b.attributes["dspex.attempt"] as number),
    );
    expect(call?.attributes).toMatchObject({ "dspex.attempts": 3, "dspex.cache.hit": false });
    expect(call?.status.code).toBe(SpanStatusCode.UNSET);
    expect(attempts.map((a) => a.attributes["dspex.attempt"])).toEqual([1, 2, 3]);
    expect(attempts.map((a) => a.attributes["http.response.status_code"])).toEqual([503, 503, undefined]);
    expect(attempts.map((a) => a.attributes["error.type"])).toEqual(["ERR_HTTP", "ERR_HTTP", undefined]);
    expect(attempts.map((a) => a.status.code)).toEqual([
      SpanStatusCode.ERROR,
      SpanStatusCode.ERROR,
      SpanStatusCode.UNSET,
    ]);
    expect(attempts[0]?.attributes["dspex.retry.delay_ms"]).toBeGreaterThan(0);
    expect(attempts[1]?.attributes["dspex.retry.delay_ms"]).toBeGreaterThan(0);
    const t = (hr: [number, number] | undefined) =>
      hr === undefined ? Number.NaN : hr[0] * 1e3 + hr[1] / 1e6;
    for (const attempt of attempts) {
      expect(parentOf(attempt)).toBe(call?.spanContext().spanId);
      expect(t(attempt.startTime)).toBeGreaterThanOrEqual(t(call?.startTime) - 1);
      expect(t(attempt.endTime)).toBeLessThanOrEqual(t(call?.endTime) + 1);
    }
    // The retry delay sits between one attempt's end and the next one's start.
    const [first, second] = attempts;
    expect(t(second?.startTime) - t(first?.endTime)).toBeGreaterThanOrEqual(
      (first?.attributes["dspex.retry.delay_ms"] as number) - 1,
    );
  });

  it("a failed call: error.type is the dspex code, the status an error, no key anywhere", async () => {
    const env = await start((s) => ({ children: [client(s, "gpt", { retry: { maxRetries: 0 } })] }));
    env.server.fault({ kind: "status", status: 400 }, { times: 1 });
    await expect(env.system.call("gpt", HELLO)).rejects.toMatchObject({ code: "ERR_HTTP" });
    const [call] = spansNamed(env, "chat mock-model").filter((s) => !s.name.endsWith("attempt"));
    expect(call?.attributes).toMatchObject({ "error.type": "ERR_HTTP", "http.response.status_code": 400 });
    expect(call?.status.code).toBe(SpanStatusCode.ERROR);
    const all = JSON.stringify(env.spans.getFinishedSpans().map((s) => [s.attributes, s.status, s.events]));
    expect(all).not.toContain(KEY);
  });

  it("a breaker rejection shows as an event and ERR_CIRCUIT_OPEN", async () => {
    const env = await start((s) => ({
      children: [
        client(s, "gpt", { retry: { maxRetries: 0 }, breaker: { failures: 1, halfOpenAfterMs: 60_000 } }),
      ],
    }));
    env.server.fault({ kind: "status", status: 500 });
    await expect(env.system.call("gpt", HELLO)).rejects.toMatchObject({ code: "ERR_HTTP" });
    await expect(env.system.call("gpt", [{ role: "user", content: "other" }])).rejects.toMatchObject({
      code: "ERR_CIRCUIT_OPEN",
    });
    const rejected = spansNamed(env, "chat mock-model").find(
      (s) => s.attributes["error.type"] === "ERR_CIRCUIT_OPEN",
    );
    expect(rejected?.events.map((e) => e.name)).toContain("dspex.breaker.rejected");
    expect(rejected?.attributes["dspex.attempts"]).toBe(0);
  });

  it("coalesced joins are marked; message contents only when asked", async () => {
    const env = await start((s) => ({ children: [client(s, "gpt")] }), {
      server: { latencyMs: 50 },
      captureContent: true,
    });
    const [a, b] = await Promise.all([env.system.call("gpt", HELLO), env.system.call("gpt", HELLO)]);
    expect(a.text).toBe(b.text);
    const calls = spansNamed(env, "chat mock-model").filter((s) => !s.name.endsWith("attempt"));
    expect(calls.map((s) => s.attributes["dspex.coalesced"]).sort()).toEqual([false, true]);
    const input = JSON.parse(calls[0]?.attributes["gen_ai.input.messages"] as string);
    expect(input).toEqual(HELLO);
    const output = JSON.parse(calls[0]?.attributes["gen_ai.output.messages"] as string);
    expect(output[0].parts[0].content).toBe(a.text);
  });
});

describe("trace context upstream", () => {
  it("sends the call span's traceparent only when propagateContext is on", async () => {
    const on = await start((s) => ({ children: [client(s, "gpt")] }), { propagateContext: true });
    await on.system.call("gpt", HELLO);
    for await (const _ of on.system.stream("gpt", [{ role: "user", content: "streamed" }])) {
      // drain
    }
    const spans = spansNamed(on, "chat mock-model").filter((s) => !s.name.endsWith("attempt"));
    const sent = on.server.requests.map((r) => r.headers.traceparent);
    expect(sent).toHaveLength(2);
    expect(sent.sort()).toEqual(
      spans.map((s) => `00-${s.spanContext().traceId}-${s.spanContext().spanId}-01`).sort(),
    );
    const off = await start((s) => ({ children: [client(s, "gpt")] }));
    await off.system.call("gpt", HELLO);
    expect(off.server.requests.map((r) => r.headers.traceparent)).toEqual([undefined]);
  });
});

describe("stream spans", () => {
  it("one span for the whole stream, with its attempt and the last chunk's usage", async () => {
    const env = await start((s) => ({ children: [client(s, "gpt")] }), {
      server: { chunkSize: 3 },
    });
    let text = "";
    await inRequest(env, async () => {
      for await (const chunk of env.system.stream("gpt", HELLO, { temperature: 0 })) text += chunk.text;
    });
    expect(text.length).toBeGreaterThan(0);
    const [request] = spansNamed(env, "http request");
    const [stream] = spansNamed(env, "chat mock-model").filter((s) => !s.name.endsWith("attempt"));
    expect(parentOf(stream)).toBe(request?.spanContext().spanId);
    expect(stream?.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "dspex.stream": true,
      "dspex.attempts": 1,
      "gen_ai.response.finish_reasons": ["stop"],
      "gen_ai.request.temperature": 0,
    });
    expect(stream?.attributes["gen_ai.usage.output_tokens"]).toBeGreaterThan(0);
    const attempts = spansNamed(env, "chat mock-model attempt");
    expect(attempts).toHaveLength(1);
    expect(parentOf(attempts[0])).toBe(stream?.spanContext().spanId);
  });
});

describe("crash and redelivery", () => {
  it("a call in flight when its worker is killed: one span, a redelivery event, the attempt of the new worker", async () => {
    const env = await start((s) => ({ children: [client(s, "gpt")] }));
    env.server.fault({ kind: "stall" }, { times: 1 });
    const reply = env.system.call("gpt", HELLO);
    await env.server.waitFor((s) => s.inFlight >= 1);
    await env.system.kill("gpt");
    await expect(reply).resolves.toMatchObject({ cached: false });
    const calls = spansNamed(env, "chat mock-model").filter((s) => !s.name.endsWith("attempt"));
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call?.events.map((e) => e.name)).toEqual(["dspex.redelivery"]);
    expect(call?.events[0]?.attributes).toEqual({ "dspex.deliveries": 2 });
    expect(call?.attributes).toMatchObject({ "dspex.redeliveries": 1, "dspex.attempts": 1 });
    expect(call?.status.code).toBe(SpanStatusCode.UNSET);
    // The killed worker's attempt was never reported; the new worker's is.
    const attempts = spansNamed(env, "chat mock-model attempt");
    expect(attempts).toHaveLength(1);
    expect(parentOf(attempts[0])).toBe(call?.spanContext().spanId);
  });
});
