/**
 * The breaker and retry stages of a client's pipeline, through `system.call` with real worker threads
 * and a real mock server: when the breaker opens, that it sends nothing while open, how it probes and
 * closes, that it survives a killed worker, that it is per client; which failures are retried, how
 * `retry-after` is honoured and capped, and what `inspect()` and the events report.
 */
import { setTimeout as wait } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import {
  ask,
  client,
  closedAfterEach,
  failure,
  next,
  nodeOf,
  oneClientEnv,
  record,
  statsOf,
} from "../pipelineEnv.js";

const makeEnv = closedAfterEach();
const env = oneClientEnv("gpt", makeEnv);

/** A breaker that opens after 3 failures and, unless a test says otherwise, stays open for the test. */
const BREAKER = { failures: 3, halfOpenAfterMs: 60_000 };

describe("circuit breaker", () => {
  it("opens after N failed attempts, stops the retries, then fails fast without a request", async () => {
    const { system, server } = await env({
      breaker: BREAKER,
      retry: { initialDelayMs: 1, maxDelayMs: 5, maxRetries: 5 },
    });
    const states = record(system, "breaker");
    await system.call("gpt", ask("cached before"));
    server.fault({ kind: "status", status: 503 });
    // One call: three attempts fail, the breaker opens, and the retry loop stops there (not at 6).
    expect(await failure(system.call("gpt", ask("down")))).toMatchObject({ code: "ERR_HTTP", status: 503 });
    expect(server.stats.requests).toBe(4);
    expect(states).toEqual([{ type: "breaker", client: "gpt", state: "open", previous: "closed" }]);
    expect(nodeOf(system, "gpt").breaker).toBe("open");
    for (const q of ["a", "b", "c"]) {
      expect(await failure(system.call("gpt", ask(q)))).toMatchObject({
        code: "ERR_CIRCUIT_OPEN",
        client: "gpt",
      });
    }
    expect(server.stats.requests).toBe(4);
    // A cached answer is still served: the cache stands before the breaker.
    expect((await system.call("gpt", ask("cached before"))).cached).toBe(true);
    expect(statsOf(system, "gpt").errors).toMatchObject({ ERR_HTTP: 1, ERR_CIRCUIT_OPEN: 3 });
  });

  it("a 4xx answer does not count against upstream", async () => {
    const { system, server } = await env({ breaker: BREAKER });
    server.fault({ kind: "status", status: 400 }, { times: 5 });
    for (let i = 0; i < 5; i++) {
      expect(await failure(system.call("gpt", ask(`bad ${i}`)))).toMatchObject({
        code: "ERR_HTTP",
        status: 400,
      });
    }
    expect(nodeOf(system, "gpt").breaker).toBe("closed");
    expect((await system.call("gpt", ask("fine"))).cached).toBe(false);
  });

  it("probes after halfOpenAfterMs and closes on success: open -> half_open -> closed", async () => {
    // Long enough that the steps between "opened" and the next call fit inside it on a loaded machine
    // (at 400 ms a busy CI box let the breaker go half-open before the "still open" call).
    const halfOpenAfterMs = 1_500;
    const { system, server } = await env({
      breaker: { failures: 2, halfOpenAfterMs },
      retry: { maxRetries: 1 },
    });
    const states = record(system, "breaker");
    server.fault({ kind: "status", status: 500 }, { times: 2 });
    const opened = next(system, "breaker", (e) => e.state === "open");
    await failure(system.call("gpt", ask("down")));
    await opened;
    expect(await failure(system.call("gpt", ask("still down")))).toMatchObject({ code: "ERR_CIRCUIT_OPEN" });
    // Half-open is due when time has passed, and nothing announces it: waiting is the signal here.
    await wait(halfOpenAfterMs + 50);
    const reply = await system.call("gpt", ask("probe"));
    expect(reply.cached).toBe(false);
    expect(states.map((e) => e.state)).toEqual(["open", "half_open", "closed"]);
    expect(nodeOf(system, "gpt").breaker).toBe("closed");
    expect(server.stats.requests).toBe(3);
  });

  it("a failed probe opens it again", async () => {
    // Long enough that the steps between "opened" and the next call fit inside it on a loaded machine
    // (at 400 ms a busy CI box let the breaker go half-open before the "still open" call).
    const halfOpenAfterMs = 1_500;
    const { system, server } = await env({
      breaker: { failures: 1, halfOpenAfterMs },
      retry: { maxRetries: 0 },
    });
    const states = record(system, "breaker");
    server.fault({ kind: "status", status: 502 });
    await failure(system.call("gpt", ask("down")));
    await wait(halfOpenAfterMs + 50);
    expect(await failure(system.call("gpt", ask("probe")))).toMatchObject({ code: "ERR_HTTP", status: 502 });
    expect(states.map((e) => e.state)).toEqual(["open", "half_open", "open"]);
    expect(await failure(system.call("gpt", ask("after")))).toMatchObject({ code: "ERR_CIRCUIT_OPEN" });
    expect(server.stats.requests).toBe(2);
  });

  it("stays open across a killed worker: the restarted one sends nothing either", async () => {
    const { system, server } = await env({ breaker: BREAKER });
    server.fault({ kind: "status", status: 503 });
    await failure(system.call("gpt", ask("down")));
    expect(nodeOf(system, "gpt").breaker).toBe("open");
    const before = nodeOf(system, "gpt").threadId;
    const restarted = next(system, "restart", (e) => e.child === "gpt");
    await system.kill("gpt");
    await restarted;
    expect(nodeOf(system, "gpt").threadId).not.toBe(before);
    expect(await failure(system.call("gpt", ask("after restart")))).toMatchObject({
      code: "ERR_CIRCUIT_OPEN",
    });
    expect(server.stats.requests).toBe(3);
    expect(nodeOf(system, "gpt")).toMatchObject({ breaker: "open", restarts: 1, status: "running" });
  });

  it("keeps its failure count across a killed worker: 4 of 5, a crash, 1 more opens it", async () => {
    const { system, server } = await env({ breaker: { failures: 5 }, retry: { maxRetries: 0 } });
    server.fault({ kind: "status", status: 503 }, { times: 4 });
    for (let i = 0; i < 4; i++) await failure(system.call("gpt", ask(`down ${i}`)));
    expect(nodeOf(system, "gpt").breaker).toBe("closed");
    const before = nodeOf(system, "gpt").threadId;
    const restarted = next(system, "restart", (e) => e.child === "gpt");
    await system.kill("gpt");
    await restarted;
    expect(nodeOf(system, "gpt").threadId).not.toBe(before);
    const opened = next(system, "breaker", (e) => e.client === "gpt" && e.state === "open");
    server.fault({ kind: "status", status: 503 }, { times: 1 });
    expect(await failure(system.call("gpt", ask("down again")))).toMatchObject({
      code: "ERR_HTTP",
      status: 503,
    });
    await opened;
    expect(nodeOf(system, "gpt").breaker).toBe("open");
    expect(await failure(system.call("gpt", ask("fails fast")))).toMatchObject({ code: "ERR_CIRCUIT_OPEN" });
    expect(server.stats.requests).toBe(5);
  });

  it("is per client: one client's open breaker does not touch another", async () => {
    const e = await makeEnv((s) => ({
      children: [
        client(s, "sick", { model: "sick-model", breaker: BREAKER }),
        client(s, "well", { model: "well-model", breaker: BREAKER }),
      ],
    }));
    e.server.fault({ kind: "status", status: 503 }, { model: "sick-model" });
    await failure(e.system.call("sick", ask("q")));
    expect(await failure(e.system.call("sick", ask("q2")))).toMatchObject({ code: "ERR_CIRCUIT_OPEN" });
    expect((await e.system.call("well", ask("q"))).cached).toBe(false);
    expect([nodeOf(e.system, "sick").breaker, nodeOf(e.system, "well").breaker]).toEqual(["open", "closed"]);
  });

  it("breaker: false never opens", async () => {
    const { system, server } = await env({ breaker: false, retry: { maxRetries: 0 } });
    server.fault({ kind: "status", status: 503 }, { times: 10 });
    for (let i = 0; i < 10; i++) await failure(system.call("gpt", ask(`q${i}`)));
    expect(nodeOf(system, "gpt").breaker).toBe("disabled");
    expect((await system.call("gpt", ask("ok"))).cached).toBe(false);
    expect(server.stats.requests).toBe(11);
  });
});

describe("retries", () => {
  it("retries a 503 and succeeds, emitting retry events and counting them", async () => {
    const { system, server } = await env();
    const retries = record(system, "retry");
    server.fault({ kind: "status", status: 503 }, { times: 2 });
    const reply = await system.call("gpt", ask("flaky"));
    expect(reply.cached).toBe(false);
    expect(server.stats.requests).toBe(3);
    expect(retries).toEqual([
      {
        type: "retry",
        client: "gpt",
        attempt: 1,
        delayMs: expect.any(Number),
        code: "ERR_HTTP",
        status: 503,
      },
      {
        type: "retry",
        client: "gpt",
        attempt: 2,
        delayMs: expect.any(Number),
        code: "ERR_HTTP",
        status: 503,
      },
    ]);
    for (const r of retries) expect(r.delayMs).toBeLessThanOrEqual(5);
    expect(statsOf(system, "gpt")).toMatchObject({ ok: 1, retries: 2, upstreamErrors: { ERR_HTTP: 2 } });
  });

  it("gives up after maxRetries with the last error; a per-call maxRetries overrides", async () => {
    const { system, server } = await env({ retry: { initialDelayMs: 1, maxDelayMs: 5, maxRetries: 2 } });
    server.fault({ kind: "status", status: 500 });
    expect(await failure(system.call("gpt", ask("a")))).toMatchObject({ code: "ERR_HTTP", status: 500 });
    expect(server.stats.requests).toBe(3);
    expect(await failure(system.call("gpt", ask("b"), { maxRetries: 0 }))).toMatchObject({
      code: "ERR_HTTP",
    });
    expect(server.stats.requests).toBe(4);
  });

  // A long backoff makes an honoured retry-after stand out: the wait is the header's, not 4-5 s.
  const SLOW_BACKOFF = { initialDelayMs: 5_000, maxDelayMs: 5_000 };

  it("honours retry-after-ms", async () => {
    const { system, server } = await env({ retry: SLOW_BACKOFF });
    const retries = record(system, "retry");
    server.fault({ kind: "rate_limit", retryAfterMs: 40 }, { times: 1 });
    expect((await system.call("gpt", ask("q"))).cached).toBe(false);
    expect(retries).toMatchObject([{ attempt: 1, delayMs: 40, code: "ERR_RATE_LIMITED", status: 429 }]);
    expect(server.stats.requests).toBe(2);
  });

  it("honours retry-after in seconds", async () => {
    const { system, server } = await env({ retry: SLOW_BACKOFF });
    const retries = record(system, "retry");
    // "0" seconds is as valid a demand as any, and keeps the test fast; the backoff would be 4-5 s.
    server.fault({ kind: "rate_limit", retryAfterSeconds: 0 }, { times: 1 });
    expect((await system.call("gpt", ask("q"))).cached).toBe(false);
    expect(retries).toMatchObject([{ attempt: 1, delayMs: 0, code: "ERR_RATE_LIMITED" }]);
    expect(server.stats.requests).toBe(2);
  });

  it("honours retry-after as an HTTP date", async () => {
    const { system, server } = await env({ retry: SLOW_BACKOFF });
    const retries = record(system, "retry");
    // HTTP dates have whole seconds: a whole second 0.5-1.5 s ahead survives the rounding.
    const date = new Date(Math.ceil((Date.now() + 500) / 1_000) * 1_000);
    server.fault({ kind: "rate_limit", retryAfterDate: date }, { times: 1 });
    expect((await system.call("gpt", ask("q"))).cached).toBe(false);
    expect(retries).toHaveLength(1);
    expect(retries[0]?.delayMs).toBeGreaterThan(100);
    expect(retries[0]?.delayMs).toBeLessThanOrEqual(1_500);
    expect(server.stats.requests).toBe(2);
  });

  it("fails at once with ERR_RATE_LIMITED when retry-after exceeds maxRetryAfterMs", async () => {
    const { system, server } = await env({ retry: { ...SLOW_BACKOFF, maxRetryAfterMs: 100 } });
    const retries = record(system, "retry");
    server.fault({ kind: "rate_limit", retryAfterMs: 30_000 });
    const started = Date.now();
    const error = await failure(system.call("gpt", ask("q")));
    expect(error).toMatchObject({ code: "ERR_RATE_LIMITED", status: 429, retryAfterMs: 30_000 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(retries).toEqual([]);
    expect(server.stats.requests).toBe(1);
  });

  it("never retries insufficient_quota", async () => {
    const { system, server } = await env();
    const retries = record(system, "retry");
    server.fault({ kind: "rate_limit", insufficientQuota: true, retryAfterMs: 1 });
    const error = await failure(system.call("gpt", ask("q")));
    expect(error).toMatchObject({
      code: "ERR_RATE_LIMITED",
      status: 429,
      upstreamCode: "insufficient_quota",
    });
    expect(retries).toEqual([]);
    expect(server.stats.requests).toBe(1);
  });

  it("never retries a 400", async () => {
    const { system, server } = await env();
    server.fault({ kind: "status", status: 400 });
    expect(await failure(system.call("gpt", ask("q")))).toMatchObject({ code: "ERR_HTTP", status: 400 });
    expect(server.stats.requests).toBe(1);
    expect(statsOf(system, "gpt")).toMatchObject({ retries: 0, upstreamErrors: { ERR_HTTP: 1 } });
  });

  it("retries a dropped connection, but not a body that is not JSON", async () => {
    const { system, server } = await env();
    server.fault({ kind: "drop" }, { times: 1 });
    expect((await system.call("gpt", ask("dropped once"))).cached).toBe(false);
    expect(server.stats.requests).toBe(2);
    server.fault({ kind: "malformed" }, { times: 1 });
    expect(await failure(system.call("gpt", ask("garbled")))).toMatchObject({ code: "ERR_BAD_RESPONSE" });
    expect(server.stats.requests).toBe(3);
    expect(statsOf(system, "gpt").upstreamErrors).toEqual({ ERR_NETWORK: 1, ERR_BAD_RESPONSE: 1 });
  });
});
