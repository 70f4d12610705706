/**
 * The Anthropic provider through `system.call`, with real worker threads and a real mock server: what
 * goes on the wire (read back from the server's request log), how the answer maps into a reply, and
 * how Anthropic's errors (529 overloaded, 401, 429 with retry-after) travel through the pipeline.
 */
import { describe, expect, it } from "vitest";
import type { MockServerOptions } from "../../../mock/index.js";
import type { ClientSpec } from "../../../src/types.js";
import { ask, client, closedAfterEach, failure, record, statsOf } from "../pipelineEnv.js";

const makeEnv = closedAfterEach();

const KEY = "sk-ant-pipeline-KEY-77c1";

async function env(extra: Partial<ClientSpec> = {}, serverOptions: MockServerOptions = {}) {
  const e = await makeEnv(
    (s) => ({
      children: [
        client(s, "claude", { provider: "anthropic", model: "claude-mock", apiKey: KEY, ...extra }),
        client(s, "gpt"),
      ],
    }),
    serverOptions,
  );
  return e;
}

const CONVERSATION = [
  { role: "system" as const, content: "Be brief." },
  { role: "user" as const, content: "Capital of France?" },
];

describe("request mapping", () => {
  it("posts to /messages with x-api-key and anthropic-version, system lifted out, max_tokens defaulted", async () => {
    const { system, server } = await env();
    await system.call("claude", CONVERSATION, { temperature: 0.2, stop: "END" });
    const [request] = server.requests;
    expect(request?.path).toBe("/v1/messages");
    expect(request?.headers["x-api-key"]).toBe(KEY);
    expect(request?.headers["anthropic-version"]).toBe("2023-06-01");
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.body).toEqual({
      model: "claude-mock",
      max_tokens: 4_096,
      system: "Be brief.",
      messages: [{ role: "user", content: "Capital of France?" }],
      temperature: 0.2,
      stop_sequences: ["END"],
    });
  });

  it("sends the call's maxTokens, else the client's defaultMaxTokens", async () => {
    const { system, server } = await env({ defaultMaxTokens: 321 });
    await system.call("claude", ask("one"));
    await system.call("claude", ask("two"), { maxTokens: 12 });
    expect(server.requests.map((r) => (r.body as { max_tokens: number }).max_tokens)).toEqual([321, 12]);
  });
});

describe("response mapping", () => {
  it("gives the same text as the OpenAI client for the same conversation, with usage and 'stop'", async () => {
    const { system } = await env();
    const claude = await system.call("claude", CONVERSATION);
    const gpt = await system.call("gpt", CONVERSATION);
    expect(claude.text).toBe(gpt.text);
    expect(claude).toMatchObject({ cached: false, finishReason: "stop", model: "claude-mock" });
    // The mock counts words: 2 + 3 prompt words, and the answer's words.
    expect(claude.usage.promptTokens).toBe(5);
    expect(claude.usage.completionTokens).toBe(claude.text.split(/\s+/).filter(Boolean).length);
    expect(claude.usage.totalTokens).toBe(claude.usage.promptTokens + claude.usage.completionTokens);
  });

  it("maps max_tokens to finishReason 'length'", async () => {
    const { system } = await env();
    const reply = await system.call("claude", CONVERSATION, { maxTokens: 2 });
    expect(reply.finishReason).toBe("length");
    expect(reply.usage.completionTokens).toBe(2);
    expect(reply.text.trim().split(/\s+/)).toHaveLength(2);
  });

  it("caches Anthropic answers like any other", async () => {
    const { system, server } = await env();
    await system.call("claude", CONVERSATION);
    expect((await system.call("claude", CONVERSATION)).cached).toBe(true);
    expect(server.stats.requests).toBe(1);
  });
});

describe("error mapping", () => {
  it("a 529 (overloaded) is ERR_HTTP with status 529, and retried", async () => {
    const { system, server } = await env();
    const retries = record(system, "retry");
    server.fault({ kind: "status", status: 529 }, { times: 1, path: "/messages" });
    expect((await system.call("claude", ask("busy"))).cached).toBe(false);
    expect(retries).toMatchObject([{ client: "claude", attempt: 1, code: "ERR_HTTP", status: 529 }]);
    server.fault({ kind: "status", status: 529 }, { path: "/messages" });
    const error = await failure(system.call("claude", ask("very busy"), { maxRetries: 1 }));
    expect(error).toMatchObject({ code: "ERR_HTTP", status: 529, upstreamCode: "overloaded_error" });
    expect(server.stats.requests).toBe(4);
    expect(statsOf(system, "claude").upstreamErrors).toEqual({ ERR_HTTP: 3 });
  });

  it("a wrong key is ERR_HTTP 401 (authentication_error), not retried, and the key is not echoed", async () => {
    const e = await makeEnv(
      (s) => ({
        children: [client(s, "claude", { provider: "anthropic", model: "claude-mock", apiKey: KEY })],
      }),
      { apiKey: "sk-ant-the-right-one" },
    );
    const error = await failure(e.system.call("claude", ask("q")));
    expect(error).toMatchObject({ code: "ERR_HTTP", status: 401, upstreamCode: "authentication_error" });
    expect(e.server.stats.requests).toBe(1);
    expect(JSON.stringify({ error, message: error.message, stack: error.stack })).not.toContain(KEY);
  });

  it("a 429 with retry-after is waited out", async () => {
    const { system, server } = await env({ retry: { initialDelayMs: 5_000, maxDelayMs: 5_000 } });
    const retries = record(system, "retry");
    server.fault({ kind: "rate_limit", retryAfterMs: 30 }, { times: 1, path: "/messages" });
    expect((await system.call("claude", ask("q"))).cached).toBe(false);
    expect(retries).toMatchObject([{ attempt: 1, delayMs: 30, code: "ERR_RATE_LIMITED", status: 429 }]);
    expect(server.stats.requests).toBe(2);
  });

  it("a 429 that keeps coming is ERR_RATE_LIMITED with rate_limit_error and retryAfterMs", async () => {
    const { system, server } = await env();
    server.fault({ kind: "rate_limit", retryAfterMs: 2 }, { path: "/messages" });
    const error = await failure(system.call("claude", ask("q"), { maxRetries: 2 }));
    expect(error).toMatchObject({
      code: "ERR_RATE_LIMITED",
      status: 429,
      retryAfterMs: 2,
      upstreamCode: "rate_limit_error",
      client: "claude",
    });
    expect(server.stats.requests).toBe(3);
  });
});
