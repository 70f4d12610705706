/**
 * The runtime core through the public API: real worker threads, a real mock server on loopback.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startMockServer } from "../../../mock/index.js";
import { isDspexError } from "../../../src/errors.js";
import { createSystem } from "../../../src/System.js";
import { HELLO, mockClient, RecordingSpawner, setup } from "../harness.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanups.splice(0)) await close();
});

describe("system.call", () => {
  it("runs many upstream requests concurrently inside one client's worker", async () => {
    // 1 s per answer: on a loaded machine opening 200 connections can take a few hundred ms, and
    // with a short latency the first answers would land before the last requests are sent.
    const env = await setup((s) => ({ children: [mockClient(s, "gpt", { maxConcurrency: 200 })] }), {
      latencyMs: 1_000,
    });
    cleanups.push(env.close);
    const started = Date.now();
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        env.system.call("gpt", [{ role: "user", content: `question ${i}` }]),
      ),
    );
    const elapsed = Date.now() - started;
    expect(replies.every((r) => r.text.length > 0 && r.cached === false)).toBe(true);
    expect(env.server.stats.requests).toBe(200);
    // Serialized, 200 calls x 1 s would take 200 s and the server would never see two at once.
    // (Not exactly 200: on a loaded machine some connections open after others already finished.)
    expect(env.server.stats.maxInFlight).toBeGreaterThanOrEqual(100);
    expect(elapsed).toBeLessThan(10_000);
  });

  it("answers with the contract's reply shape", async () => {
    const env = await setup((s) => ({ children: [mockClient(s, "gpt")] }));
    cleanups.push(env.close);
    const reply = await env.system.call("gpt", HELLO, { temperature: 0 });
    expect(reply).toMatchObject({ cached: false, finishReason: "stop", model: "mock-model" });
    expect(typeof reply.text).toBe("string");
    expect(reply.usage.totalTokens).toBe(reply.usage.promptTokens + reply.usage.completionTokens);
  });

  it("rejects unknown clients and bad messages on the main thread, touching no worker", async () => {
    const env = await setup((s) => ({ children: [mockClient(s, "gpt")] }));
    cleanups.push(env.close);
    await expect(env.system.call("nope", HELLO)).rejects.toMatchObject({ code: "ERR_UNKNOWN_CLIENT" });
    await expect(env.system.call("gpt", [])).rejects.toMatchObject({
      code: "ERR_INVALID_ARGUMENT",
      field: "messages",
    });
    await expect(
      env.system.call("gpt", [{ role: "user", content: "x", f: () => 1 } as never]),
    ).rejects.toMatchObject({
      code: "ERR_INVALID_ARGUMENT",
    });
    await expect(env.system.call("gpt", HELLO, { temperature: 9 })).rejects.toMatchObject({
      field: "options.temperature",
    });
    expect(env.server.stats.requests).toBe(0);
    expect(env.system.inspect().children?.[0]?.stats?.inFlight).toBe(0);
  });

  it("rejects beyond the mailbox bound with ERR_QUEUE_FULL at once", async () => {
    const env = await setup(
      (s) => ({ children: [mockClient(s, "gpt", { maxConcurrency: 1, maxQueue: 2 })] }),
      {
        latencyMs: 50,
      },
    );
    cleanups.push(env.close);
    const calls = [1, 2, 3].map((i) => env.system.call("gpt", [{ role: "user", content: `q${i}` }]));
    await expect(env.system.call("gpt", HELLO)).rejects.toMatchObject({ code: "ERR_QUEUE_FULL" });
    const replies = await Promise.all(calls);
    expect(replies).toHaveLength(3);
    expect(env.server.stats.maxInFlight).toBe(1);
  });
});

describe("createSystem", () => {
  it("rejects an invalid tree naming the field, before starting any thread", async () => {
    const spawner = new RecordingSpawner();
    await expect(
      createSystem(
        {
          children: [
            { name: "a", provider: "openai", model: "m", apiKey: "k" },
            { name: "a", provider: "openai", model: "m", apiKey: "k" },
          ],
        },
        { spawner: spawner.spawner },
      ),
    ).rejects.toMatchObject({ code: "ERR_INVALID_ARGUMENT", field: "children[1].name" });
    expect(spawner.all()).toHaveLength(0);
  });

  it("stops what it started and rejects when a child cannot start", async () => {
    const server = await startMockServer();
    cleanups.push(() => server.close());
    const spawner = new RecordingSpawner();
    spawner.failStarts.set("b", 1);
    const failure = await createSystem(
      { children: [mockClient(server, "a"), mockClient(server, "b"), mockClient(server, "c")] },
      { spawner: spawner.spawner },
    ).catch((e: unknown) => e);
    expect(isDspexError(failure, "ERR_START_FAILED")).toBe(true);
    expect(String((failure as Error).message)).toContain('"b"');
    expect(spawner.workers.get("c")).toBeUndefined();
    // The started sibling's thread was stopped: its exit has fired (threadId becomes -1 after exit).
    expect(spawner.latest("a").threadId).toBe(-1);
  });
});

describe("system.stop", () => {
  it("lets calls in flight finish, rejects later calls, and leaves no thread behind", async () => {
    const env = await setup((s) => ({ children: [mockClient(s, "a"), mockClient(s, "b")] }), {
      latencyMs: 100,
    });
    const inFlight = [env.system.call("a", HELLO), env.system.call("b", HELLO)];
    // Both reached the server (under load one may already be answered: the stop must still settle both).
    await env.server.waitFor((s) => s.requests === 2, 15_000);
    await env.system.stop();
    const settled = await Promise.allSettled(inFlight);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "fulfilled"]);
    await expect(env.system.call("a", HELLO)).rejects.toMatchObject({ code: "ERR_SYSTEM_STOPPED" });
    expect(env.spawner.all().every((w) => w.threadId === -1)).toBe(true);
    expect(env.system.state).toBe("stopped");
    expect(env.system.inspect().children?.map((c) => c.status)).toEqual(["stopped", "stopped"]);
    await env.server.close();
  });
});

describe("secrets", () => {
  it("never puts the API key in an error, an event or a snapshot", async () => {
    const secret = "sk-live-VERY-SECRET-0123456789";
    const env = await setup(
      (s) => ({ children: [mockClient(s, "gpt", { apiKey: secret, retry: { maxRetries: 0 } })] }),
      {
        apiKey: "sk-the-right-key",
      },
    );
    cleanups.push(env.close);
    const events: unknown[] = [];
    env.system.on("*", (e) => events.push(e));
    const error = await env.system.call("gpt", HELLO).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ERR_HTTP", status: 401 });
    await env.system.kill("gpt");
    await env.system.call("gpt", HELLO).catch(() => undefined);
    const everything = JSON.stringify({
      error,
      message: (error as Error).message,
      stack: (error as Error).stack,
      events,
      snapshot: env.system.inspect(),
    });
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain("VERY-SECRET");
  });
});
