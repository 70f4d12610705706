/**
 * Spans of routed calls, asserted with the real OpenTelemetry SDK (in-memory exporter) against the
 * real mock server and real worker threads: the router span (`chat {router}`, INTERNAL) under the
 * caller's span, one CLIENT span per member tried under it (each with its attempt spans), the
 * fallbacks as events on the router span, for `call`, `stream`, `embed`, a nested router and a routed
 * call that no member answers.
 */
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterEach, describe, expect, it } from "vitest";
import type { MockServer } from "../../../../mock/index.js";
import type { ChildSpec, ClientSpec, RouterSpec } from "../../../../src/types.js";
import { inRequest, type OtelEnv, otelEnv, parentOf, spansNamed } from "./otelEnv.js";

const HELLO = [{ role: "user" as const, content: "Capital of France?" }];

function member(server: MockServer, name: string, extra: Partial<ClientSpec> = {}): ClientSpec {
  return {
    name,
    provider: "openai",
    model: `model-${name}`,
    baseURL: server.baseURL,
    apiKey: `sk-router-secret-${name}-0123456789`,
    cache: false,
    retry: { maxRetries: 1, initialDelayMs: 1, maxDelayMs: 2 },
    breaker: { failures: 2, halfOpenAfterMs: 60_000 },
    ...extra,
  };
}

const envs: OtelEnv[] = [];
afterEach(async () => {
  for (const env of envs.splice(0)) await env.close();
});

async function start(routers: RouterSpec[]): Promise<OtelEnv> {
  const env = await otelEnv((s) => ({
    children: [member(s, "a"), member(s, "b"), member(s, "c"), ...(routers as ChildSpec[])],
  }));
  envs.push(env);
  return env;
}

const id = (span: ReadableSpan | undefined) => span?.spanContext().spanId;
/** The call spans (not attempts) of member `name`. */
const memberSpans = (env: OtelEnv, name: string) =>
  spansNamed(env, `chat model-${name}`).filter((s) => !s.name.endsWith("attempt"));
const attemptsOf = (env: OtelEnv, span: ReadableSpan | undefined) =>
  env.spans.getFinishedSpans().filter((s) => s.name.endsWith("attempt") && parentOf(s) === id(span));

describe("routed call spans", () => {
  it("a fallback: router span under the caller's, a CLIENT span per member under it, the fallback as its event", async () => {
    const env = await start([{ type: "router", name: "chat", members: ["a", "b"] }]);
    env.server.fault({ kind: "status", status: 503 }, { model: "model-a" });
    const reply = await inRequest(env, () => env.system.call("chat", HELLO, { temperature: 0 }));
    expect(reply.client).toBe("b");

    const [request] = spansNamed(env, "http request");
    const [router] = spansNamed(env, "chat chat");
    expect(router?.kind).toBe(SpanKind.INTERNAL);
    expect(parentOf(router)).toBe(id(request));
    expect(router?.status.code).toBe(SpanStatusCode.UNSET);
    expect(router?.attributes).toEqual({
      "dspex.router": "chat",
      "dspex.router.strategy": "fallback",
      "dspex.router.tried": ["a", "b"],
      "dspex.client.answered": "b",
    });
    // One fallback, a to b, because of a's 503s.
    expect(router?.events.map((e) => [e.name, e.attributes])).toEqual([
      ["dspex.fallback", { "dspex.fallback.from": "a", "dspex.fallback.to": "b", "error.type": "ERR_HTTP" }],
    ]);

    const [a] = memberSpans(env, "a");
    const [b] = memberSpans(env, "b");
    for (const span of [a, b]) {
      expect(span?.kind).toBe(SpanKind.CLIENT);
      expect(parentOf(span)).toBe(id(router));
      expect(span?.spanContext().traceId).toBe(request?.spanContext().traceId);
      expect(span?.attributes).toMatchObject({
        "gen_ai.operation.name": "chat",
        "gen_ai.request.temperature": 0,
        "dspex.router": "chat",
      });
    }
    expect(a?.status.code).toBe(SpanStatusCode.ERROR);
    expect(a?.attributes).toMatchObject({
      "dspex.client": "a",
      "error.type": "ERR_HTTP",
      "http.response.status_code": 503,
      "dspex.attempts": 2,
    });
    expect(b?.status.code).toBe(SpanStatusCode.UNSET);
    expect(b?.attributes).toMatchObject({ "dspex.client": "b", "dspex.attempts": 1 });
    expect(b?.attributes["gen_ai.usage.output_tokens"]).toBeGreaterThan(0);
    // Usage sits on the member that answered, never on the router span (no double count).
    expect(router?.attributes["gen_ai.usage.output_tokens"]).toBeUndefined();
    expect(attemptsOf(env, a).map((s) => s.attributes["http.response.status_code"])).toEqual([503, 503]);
    expect(attemptsOf(env, b)).toHaveLength(1);
    // The router span covers its members; the fallback happened between them.
    const t = (hr: [number, number] | undefined) =>
      hr === undefined ? Number.NaN : hr[0] * 1e3 + hr[1] / 1e6;
    expect(t(a?.startTime)).toBeGreaterThanOrEqual(t(router?.startTime));
    expect(t(b?.endTime)).toBeLessThanOrEqual(t(router?.endTime));
    const fellBackAt = t(router?.events[0]?.time);
    expect(fellBackAt).toBeGreaterThanOrEqual(t(a?.endTime) - 1);
    expect(fellBackAt).toBeLessThanOrEqual(t(b?.startTime) + 1);
    const all = JSON.stringify(env.spans.getFinishedSpans().map((s) => [s.attributes, s.events, s.status]));
    expect(all).not.toContain("sk-router-secret");
  });

  it("a member down (breaker open): skipped without a span, named on the router span and in its event", async () => {
    const env = await start([{ type: "router", name: "chat", members: ["a", "b"] }]);
    env.server.fault({ kind: "status", status: 503 }, { model: "model-a" });
    await env.system.call("chat", HELLO);
    env.spans.reset();
    await env.system.call("chat", [{ role: "user", content: "again" }]);
    const [router] = spansNamed(env, "chat chat");
    expect(router?.attributes).toMatchObject({
      "dspex.router.tried": ["b"],
      "dspex.router.skipped": ["a"],
      "dspex.client.answered": "b",
    });
    expect(router?.events.map((e) => e.attributes)).toEqual([
      { "dspex.fallback.from": "a", "dspex.fallback.to": "b", "error.type": "ERR_CIRCUIT_OPEN" },
    ]);
    expect(memberSpans(env, "a")).toHaveLength(0);
    expect(memberSpans(env, "b").map(parentOf)).toEqual([id(router)]);
  });

  it("no member answers: the router span fails with the last member's code", async () => {
    const env = await start([{ type: "router", name: "chat", members: ["a", "c"] }]);
    env.server.fault({ kind: "status", status: 500 });
    await expect(env.system.call("chat", HELLO)).rejects.toMatchObject({ code: "ERR_HTTP" });
    const [router] = spansNamed(env, "chat chat");
    expect(router?.status.code).toBe(SpanStatusCode.ERROR);
    expect(router?.attributes).toMatchObject({ "error.type": "ERR_HTTP", "dspex.router.tried": ["a", "c"] });
    expect(router?.attributes["dspex.client.answered"]).toBeUndefined();
    expect([...memberSpans(env, "a"), ...memberSpans(env, "c")].map(parentOf)).toEqual([
      id(router),
      id(router),
    ]);
  });

  it("a nested router: its span under the outer router's, its members under it", async () => {
    const env = await start([
      { type: "router", name: "inner", members: ["a", "b"] },
      { type: "router", name: "outer", members: ["inner", "c"] },
    ]);
    env.server.fault({ kind: "status", status: 503 }, { model: "model-a" });
    const reply = await inRequest(env, () => env.system.call("outer", HELLO));
    expect(reply.client).toBe("b");
    const [request] = spansNamed(env, "http request");
    const [outer] = spansNamed(env, "chat outer");
    const [inner] = spansNamed(env, "chat inner");
    expect(parentOf(outer)).toBe(id(request));
    expect(parentOf(inner)).toBe(id(outer));
    expect(inner?.attributes).toMatchObject({ "dspex.router.parent": "outer", "dspex.client.answered": "b" });
    expect(outer?.attributes).toMatchObject({ "dspex.client.answered": "b" });
    expect(inner?.events.map((e) => e.attributes?.["dspex.fallback.to"])).toEqual(["b"]);
    expect(outer?.events).toHaveLength(0);
    expect([...memberSpans(env, "a"), ...memberSpans(env, "b")].map(parentOf)).toEqual([
      id(inner),
      id(inner),
    ]);
    expect(memberSpans(env, "b")[0]?.attributes["dspex.router"]).toBe("inner");
  });
});

describe("routed stream spans", () => {
  it("falls back before the first chunk: one router span for the stream, both members' stream spans under it", async () => {
    const env = await start([{ type: "router", name: "chat", members: ["a", "b"] }]);
    env.server.fault({ kind: "status", status: 503 }, { model: "model-a" });
    let text = "";
    await inRequest(env, async () => {
      for await (const chunk of env.system.stream("chat", HELLO)) text += chunk.text;
    });
    expect(text.length).toBeGreaterThan(0);
    const [request] = spansNamed(env, "http request");
    const [router] = spansNamed(env, "chat chat");
    expect(parentOf(router)).toBe(id(request));
    expect(router?.attributes).toMatchObject({
      "dspex.router": "chat",
      "dspex.stream": true,
      "dspex.router.tried": ["a", "b"],
      "dspex.client.answered": "b",
    });
    expect(router?.events.map((e) => e.attributes)).toEqual([
      { "dspex.fallback.from": "a", "dspex.fallback.to": "b", "error.type": "ERR_HTTP" },
    ]);
    const [a] = memberSpans(env, "a");
    const [b] = memberSpans(env, "b");
    expect(a?.attributes).toMatchObject({ "dspex.stream": true, "error.type": "ERR_HTTP" });
    expect(b?.attributes).toMatchObject({ "dspex.stream": true, "gen_ai.response.finish_reasons": ["stop"] });
    expect([a, b].map(parentOf)).toEqual([id(router), id(router)]);
    expect(attemptsOf(env, b)).toHaveLength(1);
  });

  it("a routed stream the caller leaves early ends its router span, not as an error", async () => {
    const env = await start([{ type: "router", name: "chat", members: ["a", "b"] }]);
    for await (const _ of env.system.stream("chat", HELLO)) break;
    const [router] = spansNamed(env, "chat chat");
    expect(router?.status.code).toBe(SpanStatusCode.UNSET);
    expect(router?.attributes["dspex.stream.closed_early"]).toBe(true);
  });
});

describe("routed embed spans", () => {
  it("`embeddings {router}` over the members' embeddings spans, with the fallback", async () => {
    const env = await start([{ type: "router", name: "vectors", members: ["a", "c"] }]);
    env.server.fault({ kind: "status", status: 503 }, { model: "model-a" });
    const reply = await inRequest(env, () => env.system.embed("vectors", ["one", "two"]));
    expect(reply.client).toBe("c");
    const [request] = spansNamed(env, "http request");
    const [router] = spansNamed(env, "embeddings vectors");
    expect(parentOf(router)).toBe(id(request));
    expect(router?.attributes).toMatchObject({
      "dspex.router": "vectors",
      "dspex.router.tried": ["a", "c"],
      "dspex.client.answered": "c",
    });
    expect(router?.events.map((e) => e.attributes)).toEqual([
      { "dspex.fallback.from": "a", "dspex.fallback.to": "c", "error.type": "ERR_HTTP" },
    ]);
    const members = ["a", "c"].map(
      (n) => spansNamed(env, `embeddings model-${n}`).filter((s) => !s.name.endsWith("attempt"))[0],
    );
    expect(members.map(parentOf)).toEqual([id(router), id(router)]);
    expect(members[0]?.attributes).toMatchObject({
      "gen_ai.operation.name": "embeddings",
      "error.type": "ERR_HTTP",
    });
    expect(members[1]?.attributes).toMatchObject({ "dspex.router": "vectors", "dspex.embed.inputs": 2 });
  });
});
