/**
 * The client actor in process against the mock server: what it sends, how it normalizes answers and
 * maps failures, its cache and coalescing, and every retry rule.
 */
import { createServer } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type MockServer, startMockServer } from "../../../mock/index.js";
import type { FromWorker } from "../../../src/protocol.js";
import { isRequest } from "../mock/openaiSchema.js";
import { everything, KEY, startActor, stopAll } from "./actorHarness.js";

let server: MockServer;

beforeAll(async () => {
  server = await startMockServer({ apiKey: KEY });
});
afterAll(async () => {
  await server.close();
  // Everything any actor posted in this file, serialized: the key must be nowhere.
  const text = JSON.stringify(everything);
  expect(everything.length).toBeGreaterThan(50);
  expect(text).not.toContain(KEY);
  expect(text).not.toContain(KEY.slice(3)); // not even without its prefix
});
beforeEach(() => {
  server.clearFaults();
  server.setLatency(0);
  server.resetStats();
});
afterEach(stopAll);

const retries = (posted: FromWorker[]) =>
  posted.flatMap((m) => (m.type === "event" && m.event.kind === "retry" ? [m.event] : []));

describe("a call", () => {
  it("sends a request OpenAI accepts, with the key, and normalizes the reply", async () => {
    const h = await startActor(server.baseURL);
    const answer = await h.call(1, "Capital of France?", { params: { temperature: 0, maxTokens: 50 } });
    expect(answer).toMatchObject({
      type: "reply",
      id: 1,
      reply: { cached: false, finishReason: "stop", model: "gpt-4o-mini" },
      meta: { attempts: 1, cacheEntries: 1 },
    });
    if (answer.type !== "reply") throw new Error("unreachable");
    expect(answer.reply.text).toContain("Capital of France?");
    expect(answer.reply.usage.totalTokens).toBe(
      answer.reply.usage.promptTokens + answer.reply.usage.completionTokens,
    );
    expect(answer.reply.usage.completionTokens).toBeGreaterThan(0);
    const [logged] = server.requests;
    expect(logged?.path).toBe("/v1/chat/completions");
    expect(logged?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(isRequest(logged?.body), isRequest.errorsText()).toBe(true);
    expect(logged?.body).toMatchObject({ model: "gpt-4o-mini", temperature: 0, max_tokens: 50 });
  });

  it("answers a repeat from the cache (cached, 0 attempts, no request); skip bypasses, refresh overwrites", async () => {
    const h = await startActor(server.baseURL);
    await h.call(1, "same question");
    expect(await h.call(2, "same question")).toMatchObject({
      type: "reply",
      reply: { cached: true },
      meta: { attempts: 0 },
    });
    expect(server.stats.requests).toBe(1);
    // Another parameter is another key.
    expect(await h.call(3, "same question", { params: { temperature: 1 } })).toMatchObject({
      reply: { cached: false },
    });
    expect(server.stats.requests).toBe(2);
    expect(await h.call(4, "same question", { cache: "skip" })).toMatchObject({ reply: { cached: false } });
    expect(await h.call(5, "never stored", { cache: "skip" })).toMatchObject({ reply: { cached: false } });
    expect(await h.call(6, "never stored")).toMatchObject({
      reply: { cached: false },
      meta: { attempts: 1 },
    });
    expect(await h.call(7, "same question", { cache: "refresh" })).toMatchObject({
      reply: { cached: false },
      meta: { attempts: 1 },
    });
    expect(server.stats.requests).toBe(6);
  });

  it("coalesces identical concurrent misses into one request (followers: 0 attempts)", async () => {
    const h = await startActor(server.baseURL);
    server.setLatency(100);
    for (let id = 1; id <= 5; id++) h.send(id, "shared");
    h.send(6, "different");
    const answers = await Promise.all([1, 2, 3, 4, 5, 6].map((id) => h.answer(id)));
    expect(server.stats.requests).toBe(2);
    const attempts = answers.slice(0, 5).map((a) => a.meta.attempts);
    expect(attempts.sort()).toEqual([0, 0, 0, 0, 1]);
    const texts = new Set(answers.slice(0, 5).map((a) => (a.type === "reply" ? a.reply.text : "")));
    expect(texts.size).toBe(1);
  });

  it("without a cache every call makes its own request", async () => {
    const h = await startActor(server.baseURL, { cache: false });
    server.setLatency(50);
    h.send(1, "q");
    h.send(2, "q");
    await Promise.all([h.answer(1), h.answer(2)]);
    await h.call(3, "q");
    expect(server.stats.requests).toBe(3);
  });
});

describe("error mapping", () => {
  it.each([400, 401, 403, 404, 422])("%i -> ERR_HTTP with its status, no retry", async (status) => {
    const h = await startActor(server.baseURL);
    server.fault({ kind: "status", status });
    const answer = await h.call(1, "x");
    expect(answer).toMatchObject({
      type: "error",
      error: { code: "ERR_HTTP", status },
      meta: { attempts: 1 },
    });
    expect(server.stats.requests).toBe(1);
  });

  it("a wrong key is a 401 whose message never shows the key", async () => {
    const wrong = `${KEY}-wrong`;
    const h = await startActor(server.baseURL, { apiKey: wrong });
    server.fault({
      kind: "status",
      status: 401,
      body: {
        error: {
          message: `Incorrect API key provided: ${wrong}.`,
          type: "invalid_request_error",
          param: null,
          code: "invalid_api_key",
        },
      },
    });
    const answer = await h.call(1, "x");
    expect(answer).toMatchObject({
      type: "error",
      error: { code: "ERR_HTTP", status: 401, upstreamCode: "invalid_api_key" },
    });
    if (answer.type !== "error") throw new Error("unreachable");
    expect(answer.error.message).toContain("[redacted]");
    expect(answer.error.message).not.toContain(wrong);
  });

  it("5xx -> ERR_HTTP after the retries, with every attempt's code", async () => {
    const h = await startActor(server.baseURL);
    server.fault({ kind: "status", status: 503 });
    const answer = await h.call(1, "x");
    expect(answer).toMatchObject({
      type: "error",
      error: { code: "ERR_HTTP", status: 503 },
      meta: { attempts: 3, upstreamErrors: ["ERR_HTTP", "ERR_HTTP", "ERR_HTTP"] },
    });
    expect(server.stats.requests).toBe(3);
    expect(retries(h.posted).map((e) => [e.id, e.attempt, e.code, e.status])).toEqual([
      [1, 1, "ERR_HTTP", 503],
      [1, 2, "ERR_HTTP", 503],
    ]);
  });

  it("a 2xx that is not the API's format -> ERR_BAD_RESPONSE, not retried", async () => {
    const h = await startActor(server.baseURL);
    server.fault({ kind: "malformed" });
    expect(await h.call(1, "x")).toMatchObject({
      type: "error",
      error: { code: "ERR_BAD_RESPONSE", status: 200 },
      meta: { attempts: 1 },
    });
    server.fault({ kind: "status", status: 200, body: { hello: "world" } });
    expect(await h.call(2, "y")).toMatchObject({ type: "error", error: { code: "ERR_BAD_RESPONSE" } });
    expect(server.stats.requests).toBe(2);
  });

  it("a dropped connection -> ERR_NETWORK, retried", async () => {
    const h = await startActor(server.baseURL);
    server.fault({ kind: "drop" }, { times: 1 });
    expect(await h.call(1, "x")).toMatchObject({
      type: "reply",
      meta: { attempts: 2, upstreamErrors: ["ERR_NETWORK"] },
    });
    server.fault({ kind: "drop" });
    expect(await h.call(2, "y")).toMatchObject({
      type: "error",
      error: { code: "ERR_NETWORK" },
      meta: { attempts: 3 },
    });
  });

  it("a refused connection -> ERR_NETWORK", async () => {
    const port = await freePort();
    const h = await startActor(`http://127.0.0.1:${port}/v1`, {
      retry: { maxRetries: 1, initialDelayMs: 1 },
    });
    expect(await h.call(1, "x")).toMatchObject({
      type: "error",
      error: { code: "ERR_NETWORK" },
      meta: { attempts: 2, upstreamErrors: ["ERR_NETWORK", "ERR_NETWORK"] },
    });
  });

  it("an attempt time-out -> ERR_TIMEOUT, retried, and the server sees each attempt closed", async () => {
    const h = await startActor(server.baseURL, { attemptTimeoutMs: 60 });
    server.fault({ kind: "stall" });
    expect(await h.call(1, "x")).toMatchObject({
      type: "error",
      error: { code: "ERR_TIMEOUT" },
      meta: { attempts: 3, upstreamErrors: ["ERR_TIMEOUT", "ERR_TIMEOUT", "ERR_TIMEOUT"] },
    });
    await server.waitFor((s) => s.closedEarly === 3);
  });
});

describe("retry rules", () => {
  it("waits retry-after-ms", async () => {
    const h = await startActor(server.baseURL);
    server.fault({ kind: "rate_limit", retryAfterMs: 30 }, { times: 1 });
    expect(await h.call(1, "x")).toMatchObject({
      type: "reply",
      meta: { attempts: 2, upstreamErrors: ["ERR_RATE_LIMITED"] },
    });
    expect(retries(h.posted)).toEqual([
      { kind: "retry", id: 1, attempt: 1, delayMs: 30, code: "ERR_RATE_LIMITED", status: 429 },
    ]);
    const [first, second] = server.requests;
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(25);
  });

  it("waits retry-after seconds", async () => {
    const h = await startActor(server.baseURL);
    server.fault({ kind: "rate_limit", retryAfterSeconds: 0.02 }, { times: 1 });
    expect(await h.call(1, "x")).toMatchObject({ type: "reply", meta: { attempts: 2 } });
    expect(retries(h.posted)[0]?.delayMs).toBe(20);
  });

  it("reads retry-after as an HTTP date (past: at once; beyond the cap: fails with the wait)", async () => {
    const h = await startActor(server.baseURL, { retry: { maxRetryAfterMs: 1_000, initialDelayMs: 1 } });
    server.fault({ kind: "rate_limit", retryAfterDate: new Date(Date.now() - 5_000) }, { times: 1 });
    expect(await h.call(1, "x")).toMatchObject({ type: "reply", meta: { attempts: 2 } });
    expect(retries(h.posted)[0]?.delayMs).toBe(0);
    server.fault({ kind: "rate_limit", retryAfterDate: new Date(Date.now() + 30_000) }, { times: 1 });
    const answer = await h.call(2, "y");
    expect(answer).toMatchObject({
      type: "error",
      error: { code: "ERR_RATE_LIMITED", status: 429 },
      meta: { attempts: 1 },
    });
    if (answer.type !== "error") throw new Error("unreachable");
    expect(answer.error.retryAfterMs).toBeGreaterThan(25_000);
  });

  it("a demand beyond maxRetryAfterMs fails at once with ERR_RATE_LIMITED carrying retryAfterMs", async () => {
    const h = await startActor(server.baseURL);
    server.fault({ kind: "rate_limit", retryAfterMs: 120_000 });
    expect(await h.call(1, "x")).toMatchObject({
      type: "error",
      error: { code: "ERR_RATE_LIMITED", status: 429, retryAfterMs: 120_000 },
      meta: { attempts: 1 },
    });
    expect(server.stats.requests).toBe(1);
  });

  it("a 429 insufficient_quota is never retried", async () => {
    const h = await startActor(server.baseURL);
    server.fault({ kind: "rate_limit", insufficientQuota: true, retryAfterMs: 1 });
    expect(await h.call(1, "x")).toMatchObject({
      type: "error",
      error: { code: "ERR_RATE_LIMITED", upstreamCode: "insufficient_quota" },
      meta: { attempts: 1 },
    });
    expect(server.stats.requests).toBe(1);
  });

  it("408 and 409 are retried", async () => {
    const h = await startActor(server.baseURL);
    server.fault({ kind: "status", status: 408 }, { times: 1 });
    server.fault({ kind: "status", status: 409 }, { times: 1 });
    expect(await h.call(1, "x")).toMatchObject({
      type: "reply",
      meta: { attempts: 3, upstreamErrors: ["ERR_HTTP", "ERR_HTTP"] },
    });
  });

  it("the deadline stops retries: the last error when the backoff would pass it", async () => {
    const h = await startActor(server.baseURL, { retry: { initialDelayMs: 5_000, maxRetries: 5 } });
    server.fault({ kind: "status", status: 503 });
    const started = Date.now();
    expect(await h.call(1, "x", { deadline: Date.now() + 1_000 })).toMatchObject({
      type: "error",
      error: { code: "ERR_HTTP", status: 503 },
      meta: { attempts: 1 },
    });
    expect(Date.now() - started).toBeLessThan(900);
    expect(server.stats.requests).toBe(1);
  });

  it("the deadline's owner (the proxy) cancels with reason timeout: the request is torn down, no answer", async () => {
    const h = await startActor(server.baseURL);
    server.fault({ kind: "stall" });
    h.send(1, "x", { deadline: Date.now() + 150 });
    await server.waitFor((s) => s.inFlight === 1);
    h.actor.handle({ type: "cancel", id: 1, reason: "timeout" });
    await server.waitFor((s) => s.closedEarly === 1);
    expect(server.stats.requests).toBe(1);
    expect(h.about(1)).toEqual([]);
    expect(h.actor.inFlight).toBe(0);
  });

  it("maxRetries 0 makes one attempt", async () => {
    const h = await startActor(server.baseURL);
    server.fault({ kind: "status", status: 500 });
    expect(await h.call(1, "x", { maxRetries: 0 })).toMatchObject({ type: "error", meta: { attempts: 1 } });
  });
});

describe("the worker protocol", () => {
  it("answers input that cannot be keyed or serialized with ERR_INVALID_ARGUMENT (never hangs)", async () => {
    const h = await startActor(server.baseURL);
    const cyclic: Record<string, unknown> = { role: "user", content: "x" };
    cyclic.self = cyclic;
    const messages = [cyclic] as unknown as Parameters<typeof h.call>[1];
    expect(await h.call(1, messages)).toMatchObject({
      type: "error",
      error: { code: "ERR_INVALID_ARGUMENT" },
    });
    expect(await h.call(2, messages, { cache: "skip" })).toMatchObject({
      type: "error",
      error: { code: "ERR_INVALID_ARGUMENT" },
      meta: { attempts: 0 },
    });
    expect(server.stats.requests).toBe(0);
    expect(h.actor.inFlight).toBe(0);
  });

  it("answers a stream request with ERR_INVALID_ARGUMENT until streaming is plugged in", async () => {
    const h = await startActor(server.baseURL);
    h.actor.handle({
      type: "stream",
      id: 9,
      credit: 8,
      request: {
        messages: [{ role: "user", content: "x" }],
        params: {},
        deadline: Date.now() + 1_000,
        attemptTimeoutMs: 1_000,
        maxRetries: 0,
        cache: "use",
        firstChunkTimeoutMs: 1_000,
        idleTimeoutMs: 1_000,
      },
    });
    expect(await h.answer(9)).toMatchObject({
      type: "error",
      error: { code: "ERR_INVALID_ARGUMENT", message: "streaming not available" },
    });
  });
});

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
