/**
 * The cache and coalescing stages of a client's pipeline, through `system.call` with real worker
 * threads and a real mock server: what is a hit, what changes the key, bounds, TTL, per-call modes,
 * and identical concurrent calls sharing one upstream request. Request counts come from the server.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as wait } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { startMockServer } from "../../../mock/index.js";
import type { CallOptions } from "../../../src/types.js";
import { ask, client, closedAfterEach, failure, oneClientEnv, statsOf } from "../pipelineEnv.js";

const makeEnv = closedAfterEach();
const env = oneClientEnv("gpt", makeEnv);

describe("cache hits and misses", () => {
  it("answers the same call twice with one request, the second marked cached", async () => {
    const { system, server } = await env();
    const first = await system.call("gpt", ask("hit me"), { temperature: 0 });
    const second = await system.call("gpt", ask("hit me"), { temperature: 0 });
    expect(first.cached).toBe(false);
    expect(second.cached).toBe(true);
    // A hit made no request: it has no request id or rate-limit headers of its own.
    const { requestId: _id, rateLimit: _limits, ...fetched } = first;
    expect({ ...second, cached: false }).toEqual(fetched);
    expect(server.stats.requests).toBe(1);
  });

  it("gives every generation parameter its own entry, and ignores call controls", async () => {
    const { system, server } = await env();
    const variants: CallOptions[] = [
      {},
      { temperature: 0.5 },
      { maxTokens: 3 },
      { topP: 0.5 },
      { stop: "END" },
      { stop: ["END"] },
      { seed: 7 },
      { presencePenalty: 0.5 },
      { frequencyPenalty: 0.5 },
      { responseFormat: { type: "json_object" } },
      {
        tools: [
          { type: "function", function: { name: "f", parameters: { type: "object", properties: {} } } },
        ],
      },
      { toolChoice: "none" },
      { extra: { user: "someone" } },
    ];
    for (const [i, options] of variants.entries()) {
      const reply = await system.call("gpt", ask("params"), options);
      expect(reply.cached, `variant ${i} must miss`).toBe(false);
      expect(server.stats.requests).toBe(i + 1);
    }
    for (const [i, options] of variants.entries()) {
      const reply = await system.call("gpt", ask("params"), options);
      expect(reply.cached, `variant ${i} must hit`).toBe(true);
    }
    // Deadlines, retries and the signal are not generation parameters: same key as `{}`.
    const controls: CallOptions = {
      timeoutMs: 9_000,
      attemptTimeoutMs: 8_000,
      maxRetries: 0,
      signal: new AbortController().signal,
    };
    expect((await system.call("gpt", ask("params"), controls)).cached).toBe(true);
    expect(server.stats.requests).toBe(variants.length);
  });

  it("does not care in which order object keys were written", async () => {
    const { system, server } = await env();
    const a = await system.call("gpt", [{ role: "user", content: "order", name: "ann" }], {
      temperature: 0,
      topP: 1,
      responseFormat: { type: "json_schema", json_schema: { name: "x", schema: { type: "object" } } },
    });
    const b = await system.call("gpt", [{ name: "ann", content: "order", role: "user" }], {
      responseFormat: { json_schema: { schema: { type: "object" }, name: "x" }, type: "json_schema" },
      topP: 1,
      temperature: 0,
    });
    expect(a.cached).toBe(false);
    expect(b.cached).toBe(true);
    expect(server.stats.requests).toBe(1);
  });

  it("a reply mutated by its caller does not change the cache", async () => {
    const { system } = await env();
    const first = await system.call("gpt", ask("mutate"));
    const original = structuredClone(first);
    first.text = "tampered";
    first.usage.totalTokens = -1;
    const hit = await system.call("gpt", ask("mutate"));
    hit.text = "tampered again";
    const again = await system.call("gpt", ask("mutate"));
    const { requestId: _id, rateLimit: _limits, ...kept } = original;
    expect(again).toEqual({ ...kept, cached: true });
  });
});

describe("endpoint separation", () => {
  it("two clients of one model name on different servers never share an answer", async () => {
    const other = await startMockServer();
    makeEnv.defer(() => other.close());
    const e = await makeEnv((s) => ({
      children: [client(s, "here"), client(other, "there")],
    }));
    const here = await e.system.call("here", ask("same question"));
    const there = await e.system.call("there", ask("same question"));
    expect([here.cached, there.cached]).toEqual([false, false]);
    expect([e.server.stats.requests, other.stats.requests]).toEqual([1, 1]);
  });

  it("in one shared store, entries are keyed by base URL (and hold no API key)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dspex-dir-store-"));
    makeEnv.defer(() => rm(dir, { recursive: true, force: true }));
    const other = await startMockServer();
    makeEnv.defer(() => other.close());
    const secret = "sk-shared-store-SECRET-5f3a";
    const store = { module: new URL("../../fixtures/dir-store.mjs", import.meta.url).href, options: { dir } };
    const e = await makeEnv((s) => ({
      children: [
        client(s, "a", { apiKey: secret, cache: { store } }),
        client(s, "a2", { apiKey: secret, cache: { store } }),
        client(other, "b", { apiKey: secret, cache: { store } }),
      ],
    }));
    expect((await e.system.call("a", ask("shared"))).cached).toBe(false);
    // The write goes behind the answer (System.cacheStore.test.ts proves that): wait until it finished.
    await expect.poll(() => statsOf(e.system, "a").cacheWritesPending).toBe(0);
    // Another worker on the same endpoint reads the entry: the store really is shared...
    expect((await e.system.call("a2", ask("shared"))).cached).toBe(true);
    // ...yet the same model name on another endpoint does not.
    expect((await e.system.call("b", ask("shared"))).cached).toBe(false);
    expect([e.server.stats.requests, other.stats.requests]).toEqual([1, 1]);
    // b's write goes behind its answer too: wait for it before reading the directory.
    await expect.poll(() => statsOf(e.system, "b").cacheWritesPending).toBe(0);
    const files = await readdir(dir);
    expect(files).toHaveLength(2);
    const contents = await Promise.all(files.map((f) => readFile(join(dir, f), "utf8")));
    expect(files.join() + contents.join()).not.toContain(secret);
  });
});

describe("bounds and expiry", () => {
  it("maxEntries evicts the least recently used entry", async () => {
    const { system, server } = await env({ cache: { maxEntries: 2 } });
    const call = (q: string) => system.call("gpt", ask(q));
    await call("A");
    await call("B");
    await call("C"); // evicts A
    expect(server.stats.requests).toBe(3);
    expect((await call("C")).cached).toBe(true);
    expect((await call("A")).cached).toBe(false); // evicts B (C was used more recently)
    expect(server.stats.requests).toBe(4);
    expect((await call("C")).cached).toBe(true);
    expect((await call("B")).cached).toBe(false);
    expect(server.stats.requests).toBe(5);
    expect(statsOf(system, "gpt").cacheEntries).toBe(2);
  });

  it("an entry older than ttlMs is a miss", async () => {
    const { system, server } = await env({ cache: { ttlMs: 400 } });
    await system.call("gpt", ask("fresh"));
    expect((await system.call("gpt", ask("fresh"))).cached).toBe(true);
    // The TTL is about time passing: no event announces an expiry, so a real (short) wait is the signal.
    await wait(450);
    expect((await system.call("gpt", ask("fresh"))).cached).toBe(false);
    expect(server.stats.requests).toBe(2);
  });
});

describe("per-call cache modes", () => {
  it('"skip" neither reads nor writes the cache', async () => {
    const { system, server } = await env();
    await system.call("gpt", ask("skip-read"));
    expect((await system.call("gpt", ask("skip-read"), { cache: "skip" })).cached).toBe(false);
    expect(server.stats.requests).toBe(2);
    await system.call("gpt", ask("skip-write"), { cache: "skip" });
    expect((await system.call("gpt", ask("skip-write"))).cached).toBe(false);
    expect(server.stats.requests).toBe(4);
  });

  it('"refresh" fetches anew and overwrites the entry', async () => {
    let version = 0;
    // Each upstream answer differs, so the entry's content tells which fetch wrote it.
    const { system, server } = await env({}, { answer: () => `version ${++version}` });
    expect((await system.call("gpt", ask("r"))).text).toBe("version 1");
    expect((await system.call("gpt", ask("r"))).text).toBe("version 1");
    const refreshed = await system.call("gpt", ask("r"), { cache: "refresh" });
    expect(refreshed).toMatchObject({ text: "version 2", cached: false });
    expect(await system.call("gpt", ask("r"))).toMatchObject({ text: "version 2", cached: true });
    expect(server.stats.requests).toBe(2);
  });

  it("cache: false turns the cache off", async () => {
    const { system, server } = await env({ cache: false });
    await system.call("gpt", ask("off"));
    expect((await system.call("gpt", ask("off"))).cached).toBe(false);
    expect(server.stats.requests).toBe(2);
  });
});

describe("coalescing", () => {
  // The server's latency keeps the first request open while the identical calls arrive.
  it("identical concurrent calls share one upstream request, each caller with its own copy", async () => {
    const { system, server } = await env({}, { latencyMs: 300 });
    const replies = await Promise.all(Array.from({ length: 8 }, () => system.call("gpt", ask("together"))));
    expect(server.stats.requests).toBe(1);
    expect(new Set(replies.map((r) => r.text)).size).toBe(1);
    const [a, b] = replies as [(typeof replies)[0], (typeof replies)[0]];
    a.text = "mine";
    a.usage.totalTokens = -1;
    expect(b.text).not.toBe("mine");
    expect(b.usage.totalTokens).toBeGreaterThan(0);
    expect((await system.call("gpt", ask("together"))).cached).toBe(true);
    expect(server.stats.requests).toBe(1);
  });

  it("aborting one caller (even the first) leaves the shared request to the others", async () => {
    const { system, server } = await env({}, { latencyMs: 300 });
    const controller = new AbortController();
    const leader = system.call("gpt", ask("shared"), { signal: controller.signal });
    const followers = [system.call("gpt", ask("shared")), system.call("gpt", ask("shared"))];
    await server.waitFor((s) => s.inFlight === 1);
    controller.abort();
    expect(await failure(leader)).toMatchObject({ code: "ERR_ABORTED" });
    const replies = await Promise.all(followers);
    expect(replies.map((r) => r.cached)).toEqual([false, false]);
    expect(server.stats).toMatchObject({ requests: 1, completed: 1, closedEarly: 0 });
  });

  it("a caller whose deadline passes leaves the shared request; the others keep their own deadlines", async () => {
    const { system, server } = await env({}, { latencyMs: 600 });
    const hasty = system.call("gpt", ask("deadlines"), { timeoutMs: 200 });
    const patient = system.call("gpt", ask("deadlines"), { timeoutMs: 10_000 });
    expect(await failure(hasty)).toMatchObject({ code: "ERR_TIMEOUT" });
    expect((await patient).cached).toBe(false);
    expect(server.stats).toMatchObject({ requests: 1, completed: 1, closedEarly: 0 });
  });

  it("when every caller aborts, the shared request is torn down", async () => {
    const { system, server } = await env({}, { latencyMs: 5_000 });
    const controllers = [new AbortController(), new AbortController()];
    const calls = controllers.map((c) => system.call("gpt", ask("all gone"), { signal: c.signal }));
    await server.waitFor((s) => s.inFlight === 1);
    for (const c of controllers) c.abort();
    for (const call of calls) expect(await failure(call)).toMatchObject({ code: "ERR_ABORTED" });
    await server.waitFor((s) => s.closedEarly === 1);
    expect(server.stats.requests).toBe(1);
  });

  it('"skip" calls are never coalesced', async () => {
    const { system, server } = await env({}, { latencyMs: 100 });
    await Promise.all([1, 2, 3].map(() => system.call("gpt", ask("alone"), { cache: "skip" })));
    expect(server.stats.requests).toBe(3);
  });
});
