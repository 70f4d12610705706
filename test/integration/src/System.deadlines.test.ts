/**
 * Deadlines and cancellation through `system.call`, with real worker threads and a real mock server:
 * the call's deadline covers retries and backoff, each attempt has its own, and a caller's signal
 * rejects at once and tears down what it started (queued calls never reach the network).
 */
import { describe, expect, it } from "vitest";
import { ask, failure, oneClientEnv, record, statsOf } from "../pipelineEnv.js";

const env = oneClientEnv();

describe("the call's deadline (timeoutMs)", () => {
  it("covers every retry: a call whose attempts keep failing ends with ERR_TIMEOUT", async () => {
    // Each attempt takes 300 ms and fails; the deadline (750 ms) lands in the middle of the third.
    const { system, server } = await env(
      { breaker: false, retry: { initialDelayMs: 1, maxDelayMs: 5, maxRetries: 50 } },
      { latencyMs: 300 },
    );
    // The client's parts load on its first use (workers/startWorker.ts): an admin read builds them
    // first, so the deadline below covers attempts and backoffs only, however loaded the machine.
    await system.admin("gpt").mailbox();
    const retries = record(system, "retry");
    server.fault({ kind: "status", status: 503 });
    const started = Date.now();
    expect(await failure(system.call("gpt", ask("slow and failing"), { timeoutMs: 750 }))).toMatchObject({
      code: "ERR_TIMEOUT",
    });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(retries.length).toBeGreaterThanOrEqual(1);
    // An attempt cut by the deadline was torn down: the server saw the client hang up. Wait until no
    // request is open: on a loaded machine the server's side of the socket can lag behind the call's
    // rejection, and the deadline may even land in a backoff (no attempt to cut), so every request
    // either completed or was closed early, none is left open.
    await server.waitFor((s) => s.inFlight === 0);
    expect(server.stats.closedEarly).toBe(server.stats.requests - server.stats.completed);
    expect(server.stats.closedEarly).toBeLessThanOrEqual(1);
    // Each completed (failed) attempt was followed by a retry, except one that completed at the
    // deadline itself: the proxy owns the deadline, and its cancel can reach the worker just after that
    // attempt's 503 (no retry is started past the deadline). The one cut, if any, was not retried.
    const completedAttempts = server.stats.requests - server.stats.closedEarly;
    expect(retries.length).toBeLessThanOrEqual(completedAttempts);
    expect(retries.length).toBeGreaterThanOrEqual(completedAttempts - 1);
    expect(server.stats.requests).toBeLessThan(50);
  });

  it("fails at once with the last error when upstream asks for a wait beyond the deadline", async () => {
    const { system, server } = await env();
    server.fault({ kind: "rate_limit", retryAfterMs: 5_000 });
    // Not ERR_TIMEOUT: it did not sleep until the deadline.
    const error = await failure(system.call("gpt", ask("q"), { timeoutMs: 2_000 }));
    expect(error).toMatchObject({ code: "ERR_RATE_LIMITED", retryAfterMs: 5_000 });
    expect(server.stats.requests).toBe(1);
  });

  it("a call stuck behind a stalled one in the mailbox still times out", async () => {
    const { system, server } = await env({ maxConcurrency: 1 });
    server.fault({ kind: "stall" }, { times: 1 });
    const stalled = new AbortController();
    const first = system.call("gpt", ask("stalls"), { signal: stalled.signal });
    await server.waitFor((s) => s.inFlight === 1);
    expect(await failure(system.call("gpt", ask("waits"), { timeoutMs: 300 }))).toMatchObject({
      code: "ERR_TIMEOUT",
    });
    stalled.abort();
    await failure(first);
    expect(statsOf(system, "gpt").errors).toEqual({ ERR_TIMEOUT: 1, ERR_ABORTED: 1 });
    // The timed-out call left the queue: the next call is the second request, not the third.
    await system.call("gpt", ask("next"));
    expect(server.stats.requests).toBe(2);
  });
});

describe("the attempt deadline (attemptTimeoutMs)", () => {
  it("a stalled attempt is cut and retried: success when the stall happens once", async () => {
    const { system, server } = await env({ attemptTimeoutMs: 500 });
    const retries = record(system, "retry");
    server.fault({ kind: "stall" }, { times: 1 });
    expect((await system.call("gpt", ask("stalls once"))).cached).toBe(false);
    expect(retries).toMatchObject([{ attempt: 1, code: "ERR_TIMEOUT" }]);
    expect(server.stats).toMatchObject({ requests: 2, closedEarly: 1 });
    expect(statsOf(system, "gpt").upstreamErrors).toEqual({ ERR_TIMEOUT: 1 });
  });

  it("every attempt stalls: ERR_TIMEOUT after maxRetries + 1 attempts", async () => {
    const { system, server } = await env({ attemptTimeoutMs: 200 });
    server.fault({ kind: "stall" });
    const error = await failure(system.call("gpt", ask("stalls"), { maxRetries: 1 }));
    expect(error).toMatchObject({ code: "ERR_TIMEOUT" });
    expect(error.message).toContain("200 ms");
    await server.waitFor((s) => s.closedEarly === 2);
    expect(server.stats.requests).toBe(2);
  });

  it("a per-call attemptTimeoutMs overrides the client's", async () => {
    const { system, server } = await env({ attemptTimeoutMs: 30_000 });
    server.fault({ kind: "stall" }, { times: 1 });
    expect((await system.call("gpt", ask("q"), { attemptTimeoutMs: 500 })).cached).toBe(false);
    expect(server.stats.requests).toBe(2);
  });
});

describe("cancellation (signal)", () => {
  it("a call aborted while queued never reaches the server", async () => {
    const { system, server } = await env({ maxConcurrency: 1 });
    server.fault({ kind: "stall" }, { times: 1 });
    const first = new AbortController();
    const second = new AbortController();
    const stalled = system.call("gpt", ask("holds the only slot"), { signal: first.signal });
    const queued = system.call("gpt", ask("waits its turn"), { signal: second.signal });
    await server.waitFor((s) => s.inFlight === 1);
    second.abort();
    expect(await failure(queued)).toMatchObject({ code: "ERR_ABORTED" });
    first.abort();
    expect(await failure(stalled)).toMatchObject({ code: "ERR_ABORTED" });
    // The mailbox is FIFO: had the aborted call stayed queued, it would go before this one.
    await system.call("gpt", ask("next"));
    expect(
      server.requests.map((r) => (r.body as { messages: Array<{ content: string }> }).messages[0]?.content),
    ).toEqual(["holds the only slot", "next"]);
    expect(statsOf(system, "gpt").errors).toEqual({ ERR_ABORTED: 2 });
  });

  it("a call aborted in flight rejects at once, and the server then sees the close", async () => {
    const { system, server } = await env();
    server.fault({ kind: "stall" }, { times: 1 });
    const controller = new AbortController();
    const call = system.call("gpt", ask("in flight"), { signal: controller.signal });
    await server.waitFor((s) => s.inFlight === 1);
    controller.abort();
    expect(await failure(call)).toMatchObject({ code: "ERR_ABORTED", client: "gpt" });
    // The server shares this thread's event loop: it cannot have seen anything before the rejection.
    expect(server.stats.closedEarly).toBe(0);
    await server.waitFor((s) => s.closedEarly === 1 && s.inFlight === 0);
    expect(statsOf(system, "gpt")).toMatchObject({ inFlight: 0, errors: { ERR_ABORTED: 1 } });
  });

  it("an already aborted signal rejects without a request", async () => {
    const { system, server } = await env();
    const error = await failure(system.call("gpt", ask("q"), { signal: AbortSignal.abort() }));
    expect(error).toMatchObject({ code: "ERR_ABORTED" });
    expect(server.stats.requests).toBe(0);
    expect(statsOf(system, "gpt").errors).toEqual({ ERR_ABORTED: 1 });
  });

  it("aborting during a retry backoff stops the retries", async () => {
    const { system, server } = await env({
      maxConcurrency: 1,
      retry: { initialDelayMs: 10_000, maxDelayMs: 10_000 },
    });
    const controller = new AbortController();
    server.fault({ kind: "status", status: 503 });
    const retried = new Promise<void>((resolve) => system.on("retry", () => resolve()));
    const call = system.call("gpt", ask("q"), { signal: controller.signal });
    await retried;
    controller.abort();
    expect(await failure(call)).toMatchObject({ code: "ERR_ABORTED" });
    // The backoff holds the only mailbox slot: the next call gets through only if the abort ended it.
    server.clearFaults();
    await system.call("gpt", ask("next"), { timeoutMs: 5_000 });
    expect(server.stats.requests).toBe(2);
  });
});
