/**
 * `system.stream` through the public API: real worker threads (createSystem), the real mock server on
 * loopback. One system serves the whole file (a worker start costs ~90 ms); each test uses its own
 * prompts, so cache entries never leak between tests.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { defaultAnswer, type MockServer, startMockServer } from "../../../mock/index.js";
import { createSystem, type StreamChunk, type System } from "../../../src/index.js";
import { collect, collectError, joined } from "../streamReading.js";

const HWM = 8;
let server: MockServer;
let system: System;

/** "long N" asks the mock for an answer of N words `w0 ... wN-1`; anything else gets the default answer. */
function words(n: number): string {
  return Array.from({ length: n }, (_, i) => `w${i}`).join(" ");
}

beforeAll(async () => {
  server = await startMockServer({
    answer: ({ messages }) => {
      const long = /^long (\d+)/.exec(messages.at(-1)?.text ?? "");
      return long === null ? defaultAnswer(messages) : words(Number(long[1]));
    },
  });
  const common = { model: "mock-model", baseURL: server.baseURL, apiKey: "sk-stream-test-key" };
  system = await createSystem({
    maxRestarts: 10,
    children: [
      { name: "gpt", provider: "openai", ...common },
      { name: "claude", provider: "anthropic", ...common },
      { name: "small", provider: "openai", ...common, stream: { highWaterMark: HWM } },
      { name: "crashy", provider: "openai", ...common, retry: { initialDelayMs: 1 } },
    ],
  });
});

afterAll(async () => {
  await system?.stop();
  await server?.close();
});

afterEach(() => {
  server.clearFaults();
  server.setChunkDelay(0);
});

const user = (content: string) => [{ role: "user" as const, content }];

const inFlight = (name: string) =>
  system.inspect().children?.find((c) => c.name === name)?.stats?.inFlight ?? Number.NaN;

describe.each(["gpt", "claude"])("system.stream via %s", (name) => {
  it("yields chunks whose texts join to what call returns, with the same finish reason and usage", async () => {
    const messages = user(`equality ${name}`);
    const stream = system.stream(name, messages, { cache: "skip" });
    const chunks = await collect(stream);
    const reply = await system.call(name, messages, { cache: "skip" });
    expect(chunks.length).toBeGreaterThan(3);
    expect(joined(chunks)).toBe(reply.text);
    expect(stream.text).toBe(reply.text);
    const last = chunks.at(-1) as StreamChunk;
    expect(last).toMatchObject({ finishReason: reply.finishReason, usage: reply.usage, model: reply.model });
    expect(stream.finishReason).toBe("stop");
    expect(stream.usage).toEqual(reply.usage);
    expect(stream.usage?.completionTokens).toBeGreaterThan(0);
    expect(chunks.slice(0, -1).every((c) => c.finishReason === undefined && c.usage === undefined)).toBe(
      true,
    );
  });

  it("reports finish reason length when maxTokens cuts the answer", async () => {
    const stream = system.stream(name, user(`long 50 ${name}`), { maxTokens: 5, cache: "skip" });
    const chunks = await collect(stream);
    expect(joined(chunks)).toBe(words(5));
    expect(chunks.at(-1)?.finishReason).toBe("length");
  });

  it("an error event mid-stream ends the iteration with a typed error after the chunks, not retried", async () => {
    server.fault({ kind: "stream_error", afterChunks: 3 }, { times: 1 });
    const before = server.stats.streams;
    const { chunks, error } = await collectError(system.stream(name, user(`error event ${name}`)));
    expect(chunks).toHaveLength(3);
    expect(error).toMatchObject({ code: "ERR_HTTP", status: name === "gpt" ? 500 : 529, client: name });
    expect(String((error as Error).message)).not.toContain("sk-stream-test-key");
    expect(server.stats.streams).toBe(before + 1);
  });
});

describe("system.stream: cache", () => {
  it("a completed stream is stored; a call and a stream then replay it without an upstream request", async () => {
    const messages = user("cache stream first");
    const streamed = await collect(system.stream("gpt", messages));
    const requests = server.stats.requests;
    const reply = await system.call("gpt", messages);
    expect(reply).toMatchObject({ cached: true, text: joined(streamed), finishReason: "stop" });
    const replay = system.stream("gpt", messages);
    const chunks = await collect(replay);
    expect(chunks.length).toBeGreaterThanOrEqual(1);
    expect(joined(chunks)).toBe(reply.text);
    expect(chunks.every((c) => c.cached)).toBe(true);
    expect(replay.cached).toBe(true);
    expect(replay.usage).toEqual(reply.usage);
    expect(server.stats.requests).toBe(requests);
  });

  it("a call's cached reply is replayed as a stream", async () => {
    const messages = user("cache call first");
    const reply = await system.call("claude", messages);
    const requests = server.stats.requests;
    const hits = system.inspect().children?.find((c) => c.name === "claude")?.stats?.cacheHits ?? 0;
    const stream = system.stream("claude", messages);
    const chunks = await collect(stream);
    expect(system.inspect().children?.find((c) => c.name === "claude")?.stats?.cacheHits).toBe(hits + 1);
    expect(joined(chunks)).toBe(reply.text);
    expect(chunks.at(-1)).toMatchObject({
      cached: true,
      finishReason: reply.finishReason,
      usage: reply.usage,
    });
    expect(server.stats.requests).toBe(requests);
  });

  it("a stream that fails is not stored", async () => {
    const messages = user("cache failed stream");
    server.fault({ kind: "stream_drop", afterChunks: 2 }, { times: 1 });
    const { error } = await collectError(system.stream("gpt", messages));
    expect(error).toMatchObject({ code: "ERR_NETWORK" });
    expect(await system.call("gpt", messages)).toMatchObject({ cached: false });
  });
});

describe("system.stream: leaving early and aborting", () => {
  it("break cancels upstream: the server sees the close and nothing is left in flight", async () => {
    server.setChunkDelay(5);
    const closed = server.stats.closedEarly;
    const stream = system.stream("gpt", user("long 400 break"));
    let seen = 0;
    for await (const _ of stream) {
      if (++seen === 2) break;
    }
    expect(stream.state).toBe("closed");
    await server.waitFor((s) => s.closedEarly === closed + 1 && s.inFlight === 0);
    expect(inFlight("gpt")).toBe(0);
  });

  it("an exception in the loop body cancels upstream too", async () => {
    server.setChunkDelay(5);
    const closed = server.stats.closedEarly;
    const run = async () => {
      for await (const _ of system.stream("claude", user("long 400 throw")))
        throw new Error("consumer failed");
    };
    await expect(run()).rejects.toThrow("consumer failed");
    await server.waitFor((s) => s.closedEarly === closed + 1 && s.inFlight === 0);
    expect(inFlight("claude")).toBe(0);
  });

  it("aborting the signal rejects the waiting pull with ERR_ABORTED and cancels upstream", async () => {
    server.fault({ kind: "stream_stall", afterChunks: 1 }, { times: 1 });
    const closed = server.stats.closedEarly;
    const controller = new AbortController();
    const stream = system.stream("gpt", user("abort me"), { signal: controller.signal });
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    const waiting = iterator.next();
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: "ERR_ABORTED" });
    await server.waitFor((s) => s.closedEarly === closed + 1 && s.inFlight === 0);
    expect(inFlight("gpt")).toBe(0);
  });

  it("bad arguments and unknown clients throw on the first pull and touch no worker", async () => {
    const requests = server.stats.requests;
    await expect(collect(system.stream("gpt", []))).rejects.toMatchObject({ code: "ERR_INVALID_ARGUMENT" });
    await expect(collect(system.stream("nope", user("x")))).rejects.toMatchObject({
      code: "ERR_UNKNOWN_CLIENT",
    });
    await expect(collect(system.stream("gpt", user("x"), { idleTimeoutMs: -1 }))).rejects.toMatchObject({
      field: "options.idleTimeoutMs",
    });
    expect(server.stats.requests).toBe(requests);
  });
});

describe("system.stream: time-outs", () => {
  it("no first chunk within firstChunkTimeoutMs fails with ERR_TIMEOUT and closes the connection", async () => {
    server.fault({ kind: "stream_stall", afterChunks: 0 }, { times: 1 });
    const closed = server.stats.closedEarly;
    const { chunks, error } = await collectError(
      system.stream("gpt", user("first chunk late"), { firstChunkTimeoutMs: 200 }),
    );
    expect(chunks).toEqual([]);
    expect(error).toMatchObject({ code: "ERR_TIMEOUT" });
    expect((error as Error).message).toContain("firstChunkTimeoutMs");
    await server.waitFor((s) => s.closedEarly === closed + 1);
  });

  it("a stall between chunks fails with ERR_TIMEOUT after the chunks that came", async () => {
    server.fault({ kind: "stream_stall", afterChunks: 2 }, { times: 1 });
    const closed = server.stats.closedEarly;
    const { chunks, error } = await collectError(
      system.stream("claude", user("stall"), { idleTimeoutMs: 200 }),
    );
    expect(chunks).toHaveLength(2);
    expect(error).toMatchObject({ code: "ERR_TIMEOUT" });
    expect((error as Error).message).toContain("idleTimeoutMs");
    await server.waitFor((s) => s.closedEarly === closed + 1);
  });
});

describe("system.stream: backpressure", () => {
  it("a slow consumer never has more than highWaterMark chunks in flight to it", async () => {
    const n = 1_500;
    const stream = system.stream("small", user(`long ${n} slow`));
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.done).toBe(false);
    // The producer is far ahead (the mock wrote the whole answer at once): let it spend its credit.
    await vi.waitFor(() => expect(stream.received).toBe(HWM), { timeout: 5_000, interval: 5 });
    // Give the worker every chance to overrun the bound: it must not send without credit.
    for (let turns = 0; turns < 200; turns++) await new Promise(setImmediate);
    expect(stream.received).toBe(HWM);
    expect(stream.buffered).toBe(HWM - 1); // one was taken; its credit waits for a batch of HWM / 4
    const rest: StreamChunk[] = [];
    for (let r = await iterator.next(); r.done !== true; r = await iterator.next()) {
      rest.push(r.value);
      await new Promise(setImmediate); // a slow consumer
    }
    expect(stream.maxBuffered).toBeLessThanOrEqual(HWM);
    expect(stream.received).toBe(n + 1); // every word, then the last (empty) chunk with the finish
    expect(joined([first.value as StreamChunk, ...rest])).toBe(words(n));
  });
});

describe("system.stream: worker crash", () => {
  it("a crash mid-stream ends the iteration with ERR_WORKER_CRASHED; the client restarts", async () => {
    server.fault({ kind: "stream_stall", afterChunks: 2 }, { times: 1 });
    const stream = system.stream("crashy", user("crash mid-stream"));
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    await system.kill("crashy");
    const error = await (async () => {
      try {
        for (let r = await iterator.next(); r.done !== true; r = await iterator.next());
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toMatchObject({ code: "ERR_WORKER_CRASHED", client: "crashy" });
    expect((await system.call("crashy", user("after the crash"))).text).toContain("after the crash");
  });

  it("a crash before the first chunk delivers the stream again to the restarted worker", async () => {
    server.fault({ kind: "stream_stall", afterChunks: 0 }, { times: 1 });
    const inflight = server.stats.inFlight;
    const stream = system.stream("crashy", user("crash before chunks"));
    const iterator = stream[Symbol.asyncIterator]();
    const firstPull = iterator.next();
    await server.waitFor((s) => s.inFlight === inflight + 1);
    await system.kill("crashy");
    const first = await firstPull;
    const rest = await collect({ [Symbol.asyncIterator]: () => iterator });
    expect(joined([first.value as StreamChunk, ...rest])).toContain("crash before chunks");
    expect(stream.state).toBe("ended");
  });
});

describe("system.stream: concurrency", () => {
  it("runs many streams at once on one client, each with its own text", async () => {
    server.setChunkDelay(2);
    server.resetStats();
    const n = 40;
    const streams = Array.from({ length: n }, (_, i) =>
      system.stream("gpt", user(`concurrent ${i}`), { cache: "skip" }),
    );
    const texts = await Promise.all(streams.map(async (s) => joined(await collect(s))));
    texts.forEach((text, i) => {
      expect(text).toMatch(new RegExp(`to "concurrent ${i}"$`));
    });
    expect(server.stats.maxInFlight).toBeGreaterThan(1);
    expect(inFlight("gpt")).toBe(0);
  });
});

describe("system.stream: stopping the system", () => {
  it("a stream still open when the grace runs out settles with an error and its connection closes", async () => {
    const own = await createSystem({
      children: [
        { name: "s", provider: "openai", model: "m", baseURL: server.baseURL, shutdownTimeoutMs: 100 },
      ],
    });
    server.fault({ kind: "stream_stall", afterChunks: 1 }, { times: 1 });
    const closed = server.stats.closedEarly;
    const stream = own.stream("s", user("stop while streaming"));
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    const pending = iterator.next();
    const stopping = own.stop();
    // It settles: the worker cut it when its grace ran out, and the system says why.
    const error = await pending.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "ERR_SYSTEM_STOPPED" });
    await stopping;
    await server.waitFor((s) => s.closedEarly === closed + 1);
    await expect(collect(own.stream("s", user("after stop")))).rejects.toMatchObject({
      code: "ERR_SYSTEM_STOPPED",
    });
  });
});
