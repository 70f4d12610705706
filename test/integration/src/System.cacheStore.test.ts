/**
 * A slow external cache store never delays an answer (issue #9 §5): with real worker threads, the
 * loopback mock server and a keyv store whose `set` never answers (test/fixtures/stuck-store.mjs),
 * calls and streams are answered within their deadlines, a stream gives its concurrency slot back
 * before its write ends, and the write-behind counters show in `inspect()`.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { ClientSpec } from "../../../src/types.js";
import { ask, client, closedAfterEach, statsOf } from "../pipelineEnv.js";

const STUCK_STORE = fileURLToPath(new URL("../../fixtures/stuck-store.mjs", import.meta.url));

const makeEnv = closedAfterEach();

async function env(set: "hang" | "throw", extra: Partial<ClientSpec> = {}) {
  const e = await makeEnv((s) => ({
    children: [
      client(s, "gpt", {
        // One slot: a call or stream that kept it while its write hangs would block every later one.
        maxConcurrency: 1,
        timeoutMs: 3_000,
        cache: {
          maxPendingWrites: 2,
          store: { module: STUCK_STORE, options: { set, password: "pw-123456" } },
        },
        shutdownTimeoutMs: 100,
        ...extra,
      }),
    ],
  }));
  return e;
}

async function streamText(e: Awaited<ReturnType<typeof env>>, text: string): Promise<string> {
  let out = "";
  for await (const chunk of e.system.stream("gpt", ask(text))) out += chunk.text;
  return out;
}

describe("cache write-behind with an external store", () => {
  it("answers calls and streams while the store never finishes a write; drops beyond the cap", async () => {
    const e = await env("hang");
    for (let i = 0; i < 3; i++) {
      const reply = await e.system.call("gpt", ask(`call ${i}`));
      expect(reply.cached).toBe(false);
    }
    for (let i = 0; i < 3; i++) {
      const streamed = await streamText(e, `stream ${i}`);
      expect(streamed.length).toBeGreaterThan(0);
    }
    // Both kinds at once: the slot each stream used has come back.
    const [reply, streamed] = await Promise.all([
      e.system.call("gpt", ask("last call")),
      streamText(e, "last"),
    ]);
    expect(reply.text.length).toBeGreaterThan(0);
    expect(streamed.length).toBeGreaterThan(0);
    const stats = statsOf(e.system, "gpt");
    expect(stats.ok).toBe(8);
    expect(stats.errors).toEqual({});
    // 8 writes: 2 hang in the store (the cap), 6 were dropped.
    expect(stats.cacheWritesPending).toBe(2);
    expect(stats.cacheWritesDropped).toBe(6);
    expect(stats.cacheWritesFailed).toBe(0);
    expect(stats.inFlight).toBe(0);
  });

  it("counts failed writes, and a failed write fails no call", async () => {
    const e = await env("throw");
    await e.system.call("gpt", ask("a"));
    await streamText(e, "b");
    await e.system.call("gpt", ask("c"));
    // A failure is reported when the store rejects, after the answer: wait for the counter itself.
    await expect.poll(() => statsOf(e.system, "gpt").cacheWritesFailed).toBe(3);
    const stats = statsOf(e.system, "gpt");
    expect(stats.ok).toBe(3);
    expect(stats.cacheWritesPending).toBe(0);
    expect(stats.cacheWritesDropped).toBe(0);
    expect(JSON.stringify(e.system.inspect())).not.toContain("pw-123456");
  });
});
