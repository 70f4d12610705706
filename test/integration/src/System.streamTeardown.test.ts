/**
 * Streams take the calls' HTTP path (workers/http/: `Transport.openStream`, `StreamExchange`) and are
 * cancelled the calls' way (`Cancellation`, undici's `abort`). Here, through real worker threads and
 * the loopback mock: an abort or a deadline tears the upstream request down at once, whether it comes
 * before the status line, before the first chunk or mid-body, and the mock is left with nothing open.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type MockServer, startMockServer } from "../../../mock/index.js";
import { createSystem, type StreamChunk, type System } from "../../../src/index.js";

let server: MockServer;
let system: System;

beforeAll(async () => {
  server = await startMockServer();
  system = await createSystem({
    children: [
      {
        name: "gpt",
        provider: "openai",
        model: "mock-model",
        baseURL: server.baseURL,
        apiKey: "sk-teardown-test-key",
        retry: { maxRetries: 0 },
      },
    ],
  });
});

afterAll(async () => {
  await system?.stop();
  await server?.close();
});

afterEach(() => server.clearFaults());

const user = (content: string) => [{ role: "user" as const, content }];
const clientInFlight = () => system.inspect().children?.find((c) => c.name === "gpt")?.stats?.inFlight;

/** Pulls until the stream throws; the error. */
async function errorOf(stream: AsyncIterable<StreamChunk>): Promise<unknown> {
  try {
    for await (const _ of stream);
  } catch (error) {
    return error;
  }
  throw new Error("the stream ended without an error");
}

/** Waits for the mock to have no request open and `closed` more closed early; returns how long it took. */
async function closedWithin(closed: number): Promise<number> {
  const started = performance.now();
  await server.waitFor((s) => s.closedEarly >= closed && s.inFlight === 0, 2_000);
  return performance.now() - started;
}

describe("stream teardown on the calls' HTTP path", () => {
  it("an abort before the status line tears the request down at once", async () => {
    server.fault({ kind: "stall" }, { times: 1 });
    const closed = server.stats.closedEarly;
    const controller = new AbortController();
    const iterator = system
      .stream("gpt", user("never answered"), { signal: controller.signal })
      [Symbol.asyncIterator]();
    const pull = iterator.next();
    await server.waitFor((s) => s.inFlight === 1);
    controller.abort();
    await expect(pull).rejects.toMatchObject({ code: "ERR_ABORTED" });
    expect(await closedWithin(closed + 1)).toBeLessThan(1_000);
    expect(clientInFlight()).toBe(0);
  });

  it("a deadline before the status line (timeoutMs) fails with ERR_TIMEOUT and closes the request", async () => {
    server.fault({ kind: "stall" }, { times: 1 });
    const closed = server.stats.closedEarly;
    const started = performance.now();
    const error = await errorOf(system.stream("gpt", user("deadline first"), { timeoutMs: 250 }));
    expect(error).toMatchObject({ code: "ERR_TIMEOUT" });
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
    expect(await closedWithin(closed + 1)).toBeLessThan(1_000);
  });

  it("a deadline after the headers, before the first chunk, closes the request too", async () => {
    server.fault({ kind: "stream_stall", afterChunks: 0 }, { times: 1 });
    const closed = server.stats.closedEarly;
    const error = await errorOf(system.stream("gpt", user("headers then nothing"), { timeoutMs: 250 }));
    expect(error).toMatchObject({ code: "ERR_TIMEOUT" });
    expect(await closedWithin(closed + 1)).toBeLessThan(1_000);
  });

  it("aborting 16 streams mid-body leaves no request open at the mock", async () => {
    server.fault({ kind: "stream_stall", afterChunks: 1 }, { times: 16 });
    const closed = server.stats.closedEarly;
    const controllers = Array.from({ length: 16 }, () => new AbortController());
    const iterators = controllers.map((c, i) =>
      system.stream("gpt", user(`mid-body ${i}`), { signal: c.signal })[Symbol.asyncIterator](),
    );
    // Each has its first chunk: every request is open at the mock, its body stalled.
    for (const it of iterators) expect((await it.next()).done).toBe(false);
    expect(server.stats.inFlight).toBe(16);
    const pulls = iterators.map((it) => it.next());
    for (const c of controllers) c.abort();
    for (const pull of pulls) await expect(pull).rejects.toMatchObject({ code: "ERR_ABORTED" });
    expect(await closedWithin(closed + 16)).toBeLessThan(1_000);
    expect(clientInFlight()).toBe(0);
  });

  it("a completed stream leaves its connection open for the next request (not torn down)", async () => {
    const closed = server.stats.closedEarly;
    for (let i = 0; i < 3; i++) {
      const chunks: StreamChunk[] = [];
      for await (const chunk of system.stream("gpt", user(`clean ${i}`))) chunks.push(chunk);
      expect(chunks.at(-1)?.finishReason).toBe("stop");
    }
    expect(server.stats.closedEarly).toBe(closed);
    expect(server.stats.inFlight).toBe(0);
  });
});
