/**
 * The worker side of streaming, in process: a real StreamSessions with the real mailbox, breaker,
 * cache, keyer and undici pool, against the real mock server. No threads: the main thread's part is
 * played by a list of posted messages and explicit `credit` calls.
 */

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { defaultAnswer, startMockServer } from "../../../../mock/index.js";
import type { MockServer } from "../../../../mock/types.js";
import type { FromWorker, WireStreamRequest } from "../../../../src/protocol.js";
import { clientsOf, type ResolvedClientSpec, resolveSystemSpec } from "../../../../src/SystemSpec.js";
import type { ClientSpec, StreamChunk } from "../../../../src/types.js";
import { createCacheKeyer } from "../../../../workers/cache/CacheKey.js";
import { ResponseCache } from "../../../../workers/cache/ResponseCache.js";
import type { ConnectionPool } from "../../../../workers/http/ConnectionPool.js";
import { createPool } from "../../../../workers/http/Transport.js";
import { Mailbox } from "../../../../workers/Mailbox.js";
import { providerFor } from "../../../../workers/providers/index.js";
import { Breaker } from "../../../../workers/resilience/Breaker.js";
import { StreamSessions } from "../../../../workers/stream/StreamSessions.js";

let server: MockServer;
const pools: ConnectionPool[] = [];

beforeAll(async () => {
  // "long N" asks for an answer of N words (w0 ... wN-1); anything else gets the default answer.
  server = await startMockServer({
    answer: ({ messages }) => {
      const last = messages.at(-1)?.text ?? "";
      const long = /^long (\d+)$/.exec(last);
      if (long === null) return defaultAnswer(messages);
      return Array.from({ length: Number(long[1]) }, (_, i) => `w${i}`).join(" ");
    },
  });
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.destroy()));
  await server.close();
});
afterEach(() => {
  server.clearFaults();
  server.setChunkDelay(0);
  server.setLatency(0);
});

/** The worker's parts for one client, and the messages it posts. */
async function worker(overrides: Partial<ClientSpec> = {}) {
  const spec: ClientSpec = {
    name: "c",
    provider: "openai",
    model: "m",
    baseURL: server.baseURL,
    retry: { initialDelayMs: 1, maxDelayMs: 2 },
    ...overrides,
  };
  const client = clientsOf(resolveSystemSpec({ children: [spec] }))[0] as ResolvedClientSpec;
  const keyer = await createCacheKeyer();
  const cache = client.cache === false ? undefined : await ResponseCache.create(client.cache);
  const pool = createPool(client.baseURL, client.maxConcurrency);
  pools.push(pool);
  const posted: FromWorker[] = [];
  const listeners = new Set<() => void>();
  const streams = new StreamSessions({
    client,
    provider: providerFor(client.provider),
    dispatcher: pool,
    mailbox: new Mailbox(client.maxConcurrency, client.maxQueue),
    breaker: new Breaker(client.breaker),
    cache,
    cacheKey: (r) =>
      keyer({
        provider: client.provider,
        baseURL: client.baseURL,
        model: client.model,
        messages: r.messages,
        params: r.params,
      }),
    post: (m) => {
      posted.push(m);
      for (const l of listeners) l();
    },
  });
  let nextId = 1;
  /** Resolves when a message matching `test` has been posted. */
  const until = (test: (m: FromWorker) => boolean) =>
    new Promise<FromWorker>((resolve) => {
      const check = () => {
        const found = posted.find(test);
        if (found === undefined) return;
        listeners.delete(check);
        resolve(found);
      };
      listeners.add(check);
      check();
    });
  const start = (text: string, credit = 64, request: Partial<WireStreamRequest> = {}) => {
    const id = nextId++;
    streams.start({
      type: "stream",
      id,
      credit,
      request: {
        messages: [{ role: "user", content: text }],
        params: {},
        deadline: Date.now() + 10_000,
        attemptTimeoutMs: 5_000,
        maxRetries: 2,
        cache: "use",
        firstChunkTimeoutMs: 5_000,
        idleTimeoutMs: 5_000,
        ...request,
      },
    });
    const finished = until((m) => (m.type === "end" || m.type === "error") && m.id === id);
    const chunks = () =>
      posted.flatMap((m) => (m.type === "chunk" && m.id === id ? m.chunks : ([] as StreamChunk[])));
    return { id, finished, chunks };
  };
  return { streams, posted, start, until, client };
}

const text = (chunks: StreamChunk[]) => chunks.map((c) => c.text).join("");

describe.each(["openai", "anthropic"] as const)("StreamSession over %s", (provider) => {
  it("streams the mock's answer; the last chunk carries finish and usage; a repeat is replayed from the cache", async () => {
    const w = await worker({ provider });
    const before = server.stats.streams;
    const s = w.start(`hello ${provider}`);
    const end = await s.finished;
    expect(end).toMatchObject({ type: "end", finishReason: "stop", meta: { attempts: 1, cacheEntries: 1 } });
    const chunks = s.chunks();
    expect(chunks.length).toBeGreaterThan(2);
    expect(text(chunks)).toMatch(new RegExp(`^Mock answer [0-9a-f]{8} to "hello ${provider}"$`));
    const last = chunks.at(-1) as StreamChunk;
    expect(last.finishReason).toBe("stop");
    expect(last.usage?.completionTokens).toBeGreaterThan(0);
    expect(chunks.slice(0, -1).every((c) => c.finishReason === undefined && !c.cached)).toBe(true);

    const again = w.start(`hello ${provider}`);
    expect(await again.finished).toMatchObject({ type: "end", meta: { attempts: 0 } });
    expect(again.chunks()).toEqual([{ ...last, text: text(chunks), cached: true }]);
    expect(server.stats.streams).toBe(before + 1);
    await w.streams.idle();
    expect(w.streams.size).toBe(0);
  });
});

describe("StreamSession flow control and failures", () => {
  it("never sends more chunks than the credit it was given", async () => {
    const w = await worker();
    const s = w.start("long 300", 5);
    await w.until((m) => m.type === "chunk" && m.id === s.id);
    // Give the session every chance to overrun: wait until the mock has sent the whole answer.
    await server.waitFor((st) => st.completed > 0 || st.inFlight === 0);
    expect(s.chunks().length).toBe(5);
    let granted = 5;
    let done = false;
    void s.finished.then(() => {
      done = true;
    });
    while (!done) {
      const before = s.chunks().length;
      w.streams.credit({ type: "credit", id: s.id, n: 7 });
      granted += 7;
      await w.until((m) => (m.type === "end" && m.id === s.id) || s.chunks().length > before);
      expect(s.chunks().length).toBeLessThanOrEqual(granted);
    }
    expect(text(s.chunks())).toBe(Array.from({ length: 300 }, (_, i) => `w${i}`).join(" "));
  });

  it("cancel tears the request down: the server sees the close and nothing more is posted", async () => {
    const w = await worker();
    server.fault({ kind: "stream_stall", afterChunks: 2 }, { times: 1 });
    const closed = server.stats.closedEarly;
    const s = w.start("cancel me");
    await w.until((m) => m.type === "chunk" && m.id === s.id);
    expect(w.streams.cancel(s.id)).toBe(true);
    await server.waitFor((st) => st.closedEarly === closed + 1);
    await w.streams.idle();
    expect(w.posted.some((m) => (m.type === "end" || m.type === "error") && m.id === s.id)).toBe(false);
  });

  it("a stall after chunks fails with ERR_TIMEOUT (idleTimeoutMs) and closes the connection", async () => {
    const w = await worker();
    server.fault({ kind: "stream_stall", afterChunks: 2 }, { times: 1 });
    const closed = server.stats.closedEarly;
    const s = w.start("stall", 64, { idleTimeoutMs: 150 });
    const end = await s.finished;
    expect(end).toMatchObject({ type: "error", error: { code: "ERR_TIMEOUT" } });
    expect((end as { error: { message: string } }).error.message).toContain("idleTimeoutMs");
    expect(s.chunks().length).toBe(2);
    await server.waitFor((st) => st.closedEarly === closed + 1);
  });

  it("no first chunk in time fails with ERR_TIMEOUT (firstChunkTimeoutMs)", async () => {
    const w = await worker();
    server.fault({ kind: "stream_stall", afterChunks: 0 }, { times: 1 });
    const s = w.start("slow start", 64, { firstChunkTimeoutMs: 150 });
    const end = await s.finished;
    expect(end).toMatchObject({ type: "error", error: { code: "ERR_TIMEOUT" } });
    expect((end as { error: { message: string } }).error.message).toContain("firstChunkTimeoutMs");
    expect(s.chunks()).toEqual([]);
  });

  it("an error event after chunks ends the stream with a typed error and is not retried", async () => {
    const w = await worker();
    server.fault({ kind: "stream_error", afterChunks: 3 }, { times: 1 });
    const before = server.stats.streams;
    const s = w.start("error mid-stream");
    const end = await s.finished;
    expect(end).toMatchObject({ type: "error", meta: { attempts: 1 } });
    expect(["ERR_HTTP", "ERR_RATE_LIMITED"]).toContain((end as { error: { code: string } }).error.code);
    expect(s.chunks().length).toBe(3);
    expect(server.stats.streams).toBe(before + 1);
  });

  it("a dropped connection after chunks fails with ERR_NETWORK", async () => {
    const w = await worker({ provider: "anthropic" });
    server.fault({ kind: "stream_drop", afterChunks: 2 }, { times: 1 });
    const s = w.start("drop");
    expect(await s.finished).toMatchObject({ type: "error", error: { code: "ERR_NETWORK" } });
    expect(s.chunks().length).toBe(2);
  });

  it("failures before the first chunk are retried like a call's", async () => {
    const w = await worker();
    server.fault({ kind: "status", status: 503 }, { times: 1 });
    server.fault({ kind: "stream_drop", afterChunks: 0 }, { times: 1 });
    const s = w.start("retry me", 64, { cache: "skip" });
    const end = await s.finished;
    expect(end).toMatchObject({
      type: "end",
      meta: { attempts: 3, upstreamErrors: ["ERR_HTTP", "ERR_NETWORK"] },
    });
    expect(text(s.chunks())).toContain("retry me");
    expect(w.posted.filter((m) => m.type === "event" && m.event.kind === "retry")).toHaveLength(2);
  });

  it("beyond the mailbox bound a stream fails with ERR_QUEUE_FULL; an open stream holds its slot", async () => {
    const w = await worker({ maxConcurrency: 1, maxQueue: 0 });
    server.fault({ kind: "stream_stall", afterChunks: 1 }, { times: 1 });
    const holder = w.start("holds the slot");
    await w.until((m) => m.type === "chunk" && m.id === holder.id);
    const refused = w.start("no room");
    expect(await refused.finished).toMatchObject({ type: "error", error: { code: "ERR_QUEUE_FULL" } });
    w.streams.cancel(holder.id);
    await w.streams.idle();
    const after = w.start("room again");
    expect(await after.finished).toMatchObject({ type: "end" });
  });

  it("an open breaker fails a stream fast with ERR_CIRCUIT_OPEN, sending nothing", async () => {
    const w = await worker({ breaker: { failures: 1, halfOpenAfterMs: 60_000 } });
    server.fault({ kind: "status", status: 500 }, { times: 1 });
    const first = w.start("breaks it", 64, { maxRetries: 0, cache: "skip" });
    expect(await first.finished).toMatchObject({ type: "error", error: { code: "ERR_HTTP", status: 500 } });
    const requests = server.stats.requests;
    const second = w.start("fails fast", 64, { cache: "skip" });
    expect(await second.finished).toMatchObject({ type: "error", error: { code: "ERR_CIRCUIT_OPEN" } });
    expect(server.stats.requests).toBe(requests);
  });

  it('cache "skip" neither reads nor writes; "refresh" streams from upstream and overwrites', async () => {
    const w = await worker();
    const streams = server.stats.streams;
    await w.start("modes", 64, { cache: "skip" }).finished;
    const refreshed = w.start("modes", 64, { cache: "refresh" });
    expect(await refreshed.finished).toMatchObject({ type: "end", meta: { attempts: 1, cacheEntries: 1 } });
    const replayed = w.start("modes");
    expect(await replayed.finished).toMatchObject({ type: "end", meta: { attempts: 0 } });
    expect(replayed.chunks()[0]?.cached).toBe(true);
    expect(server.stats.streams).toBe(streams + 2);
  });
});
