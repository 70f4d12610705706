import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type MockServer, startMockServer } from "../../../mock/index.js";
import { ANTHROPIC_HEADERS, chat, json, message, post, readUntil, sseEvents } from "./http.js";

let server: MockServer;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  server = await startMockServer();
  openai = new OpenAI({ apiKey: "k", baseURL: server.baseURL, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: "k", baseURL: server.url, maxRetries: 0 });
});
afterEach(() => {
  server.clearFaults();
  server.setLatency(0);
  server.setChunkDelay(0);
  server.resetStats();
});
afterAll(() => server.close());

const COMPLETIONS = "/v1/chat/completions";
const dataEvents = (text: string) => sseEvents(text).length;

describe("status and rate_limit faults", () => {
  it("sends the scripted status with a custom body, headers and error code", async () => {
    server.fault(
      { kind: "status", status: 418, body: { teapot: true }, headers: { "x-should-retry": "false" } },
      { times: 1 },
    );
    const custom = await post(server, COMPLETIONS, chat("x"));
    expect(custom.status).toBe(418);
    expect(custom.headers.get("x-should-retry")).toBe("false");
    expect(await json(custom)).toEqual({ teapot: true });

    server.fault({ kind: "status", status: 503, errorCode: "engine_overloaded" }, { times: 1 });
    const built = await json(await post(server, COMPLETIONS, chat("x")));
    expect(built.error).toMatchObject({ type: "server_error", code: "engine_overloaded", param: null });

    server.fault({ kind: "status", status: 500 }, { times: 1 });
    const anthropicBody = await json(await post(server, "/v1/messages", message("x"), ANTHROPIC_HEADERS));
    expect(anthropicBody).toEqual({
      type: "error",
      error: { type: "api_error", message: expect.any(String) },
    });
    expect(server.stats.byStatus).toEqual({ 418: 1, 503: 1, 500: 1 });
    expect(server.stats.faulted).toBe(3);
  });

  it("sends 429 with exactly the requested retry headers and quota code", async () => {
    const date = new Date("2030-01-01T00:00:00Z");
    server.fault({ kind: "rate_limit", retryAfterMs: 250, retryAfterSeconds: 1 }, { times: 1 });
    server.fault({ kind: "rate_limit", retryAfterDate: date }, { times: 1 });
    server.fault({ kind: "rate_limit", insufficientQuota: true }, { times: 1 });
    const first = await post(server, COMPLETIONS, chat("x"));
    expect(first.status).toBe(429);
    expect(first.headers.get("retry-after-ms")).toBe("250");
    expect(first.headers.get("retry-after")).toBe("1");
    expect((await json(first)).error.code).toBe("rate_limit_exceeded");
    const second = await post(server, COMPLETIONS, chat("x"));
    expect(second.headers.get("retry-after")).toBe(date.toUTCString());
    expect(second.headers.get("retry-after-ms")).toBeNull();
    const third = await post(server, COMPLETIONS, chat("x"));
    expect(third.headers.get("retry-after")).toBeNull();
    expect((await json(third)).error).toMatchObject({
      type: "insufficient_quota",
      code: "insufficient_quota",
    });

    server.fault({ kind: "rate_limit" }, { times: 1 });
    const viaAnthropic = await post(server, "/v1/messages", message("x"), ANTHROPIC_HEADERS);
    expect(viaAnthropic.status).toBe(429);
    expect((await json(viaAnthropic)).error.type).toBe("rate_limit_error");
  });

  it("uses a fault `times` times, only on matching model and path, then answers normally", async () => {
    server.fault({ kind: "status", status: 500 }, { times: 2, model: "flaky" });
    server.fault({ kind: "status", status: 502 }, { path: "/v1/messages" });
    expect((await post(server, COMPLETIONS, chat("x"))).status).toBe(200);
    expect((await post(server, COMPLETIONS, chat("x", { model: "flaky" }))).status).toBe(500);
    expect((await post(server, COMPLETIONS, chat("x", { model: "flaky" }))).status).toBe(500);
    expect((await post(server, COMPLETIONS, chat("x", { model: "flaky" }))).status).toBe(200);
    for (let i = 0; i < 3; i++)
      expect((await post(server, "/v1/messages", message("x"), ANTHROPIC_HEADERS)).status).toBe(502);
    server.clearFaults();
    expect((await post(server, "/v1/messages", message("x"), ANTHROPIC_HEADERS)).status).toBe(200);
  });
});

describe("connection faults", () => {
  it("drop: the client sees a connection error, counted as dropped not closedEarly", async () => {
    server.fault({ kind: "drop" }, { times: 1 });
    await expect(post(server, COMPLETIONS, chat("x"))).rejects.toThrow(TypeError);
    server.fault({ kind: "drop" }, { times: 1 });
    const dropped = await openai.chat.completions
      .create({ model: "m", messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect(dropped).toBeInstanceOf(OpenAI.APIConnectionError);
    await server.waitFor((s) => s.inFlight === 0);
    expect(server.stats.dropped).toBe(2);
    expect(server.stats.closedEarly).toBe(0);
  });

  it("malformed: 200 whose body is not the API's format", async () => {
    server.fault({ kind: "malformed" }, { times: 2 });
    const plain = await post(server, COMPLETIONS, chat("x"));
    expect(plain.status).toBe(200);
    expect(() => JSON.parse(plain.headers.get("content-type") === "application/json" ? "{" : "")).toThrow();
    await expect(plain.json()).rejects.toThrow(SyntaxError);
    const streamed = await post(server, "/v1/messages", message("x", { stream: true }), ANTHROPIC_HEADERS);
    expect(streamed.status).toBe(200);
    const events = sseEvents(await streamed.text());
    expect(() => JSON.parse(events[0]?.data ?? "")).toThrow(SyntaxError);
  });

  it("stall: never answers; the client's abort is counted in closedEarly", async () => {
    server.fault({ kind: "stall" }, { times: 1 });
    const controller = new AbortController();
    const pending = post(server, COMPLETIONS, chat("x"), {}, controller.signal);
    await server.waitFor((s) => s.faulted === 1 && s.inFlight === 1);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await server.waitFor((s) => s.closedEarly === 1 && s.inFlight === 0);
    expect(server.stats.completed).toBe(0);
  });

  it("an abort during the latency wait is counted in closedEarly and answers nothing", async () => {
    server.setLatency(60_000);
    const controller = new AbortController();
    const pending = post(server, COMPLETIONS, chat("x"), {}, controller.signal);
    await server.waitFor((s) => s.inFlight === 1 && s.requests === 1);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await server.waitFor((s) => s.closedEarly === 1 && s.inFlight === 0);
    expect(server.stats.byStatus).toEqual({});
  });

  it("delay: adds latency to one request only", async () => {
    server.fault({ kind: "delay", ms: 150 }, { times: 1 });
    const started = performance.now();
    expect((await post(server, COMPLETIONS, chat("x"))).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(server.stats.faulted).toBe(1);
  });
});

describe("stream faults", () => {
  const streamBody = chat("one two three four", { stream: true });

  it("are kept for streaming requests: a plain call does not use them up", async () => {
    server.fault({ kind: "stream_error", afterChunks: 0 }, { times: 1 });
    expect((await post(server, COMPLETIONS, chat("x"))).status).toBe(200);
    const text = await (await post(server, COMPLETIONS, streamBody)).text();
    expect(JSON.parse(sseEvents(text).at(-1)?.data ?? "{}").error.type).toBe("server_error");
    expect(server.stats.faulted).toBe(1);
  });

  it("stream_stall: sends N chunks then stays open until the client leaves", async () => {
    server.fault({ kind: "stream_stall", afterChunks: 2 }, { times: 1 });
    const controller = new AbortController();
    const response = await post(server, COMPLETIONS, streamBody, {}, controller.signal);
    const text = await readUntil(response, (t) => dataEvents(t) >= 3);
    expect(dataEvents(text)).toBe(3); // the role chunk and two text chunks, nothing more
    expect(text).not.toContain('finish_reason":"stop');
    expect(server.stats.inFlight).toBe(1);
    controller.abort();
    await server.waitFor((s) => s.closedEarly === 1 && s.inFlight === 0);
  });

  it("stream_error: OpenAI SDK throws an APIError after the first chunks", async () => {
    server.fault({ kind: "stream_error", afterChunks: 2 }, { times: 1 });
    const stream = await openai.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "hello" }],
      stream: true,
    });
    let text = "";
    const failure = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    })().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(text).toMatch(/^Mock answer $/);
  });

  it("stream_error: Anthropic SDK sees an `error` event", async () => {
    server.fault({ kind: "stream_error", afterChunks: 1 }, { times: 1 });
    const stream = anthropic.messages.stream({
      model: "c",
      max_tokens: 50,
      messages: [{ role: "user", content: "hi" }],
    });
    const pieces: string[] = [];
    stream.on("text", (t) => pieces.push(t));
    const failure = await stream.finalText().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Anthropic.APIError);
    expect(String((failure as Error).message)).toContain("overloaded_error");
    expect(pieces).toEqual(["Mock "]);
  });

  it("stream_drop: the connection dies after N chunks; SDKs see a broken stream", async () => {
    server.fault({ kind: "stream_drop", afterChunks: 3 }, { times: 2 });
    const stream = await openai.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "hello" }],
      stream: true,
    });
    let text = "";
    const failure = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    })().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(text.split(" ")).toHaveLength(4); // three words, each with its trailing space

    const viaAnthropic = anthropic.messages.stream({
      model: "c",
      max_tokens: 50,
      messages: [{ role: "user", content: "hi" }],
    });
    await expect(viaAnthropic.finalText()).rejects.toThrow();
    await server.waitFor((s) => s.dropped === 2 && s.inFlight === 0);
    expect(server.stats.closedEarly).toBe(0);
  });

  it("a client that leaves a slow stream early is counted in closedEarly", async () => {
    server.setChunkDelay(30_000);
    const controller = new AbortController();
    const response = await post(server, COMPLETIONS, streamBody, {}, controller.signal);
    const text = await readUntil(response, (t) => dataEvents(t) >= 1);
    expect(dataEvents(text)).toBe(1);
    controller.abort();
    await server.waitFor((s) => s.closedEarly === 1 && s.inFlight === 0);
  });

  it("chunkDelayMs spaces the chunks out", async () => {
    server.setChunkDelay(20);
    const started = performance.now();
    const text = await (await post(server, COMPLETIONS, chat("x", { stream: true }))).text();
    // 5 words: 5 text chunks plus the closing frame, each 20 ms after the previous one.
    expect(performance.now() - started).toBeGreaterThanOrEqual(6 * 20 - 10);
    expect(sseEvents(text).at(-1)?.data).toBe("[DONE]");
  });
});
