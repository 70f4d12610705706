/**
 * What a client's pipeline shows and hides, through the public API with real worker threads and a real
 * mock server: `inspect()` counters per client (breaker, cache, in flight and held, retries, upstream
 * errors by code), and an API key that never appears in any error, event or snapshot, whatever failed.
 */
import { describe, expect, it } from "vitest";
import { isDspexError } from "../../../src/errors.js";
import { ask, client, closedAfterEach, failure, next, nodeOf, recordAll, statsOf } from "../pipelineEnv.js";

const makeEnv = closedAfterEach();

describe("inspect() per client", () => {
  it("counts cache hits, misses and entries, and answers by outcome", async () => {
    const e = await makeEnv((s) => ({ children: [client(s, "gpt"), client(s, "idle")] }));
    const { system, server } = e;
    await system.call("gpt", ask("A"));
    await system.call("gpt", ask("A"));
    await system.call("gpt", ask("B"));
    server.fault({ kind: "status", status: 404 }, { times: 1 });
    await failure(system.call("gpt", ask("C")));
    expect(statsOf(system, "gpt")).toMatchObject({
      ok: 3,
      errors: { ERR_HTTP: 1 },
      cacheHits: 1,
      cacheMisses: 2,
      cacheEntries: 2,
      inFlight: 0,
      queued: 0,
    });
    expect(statsOf(system, "idle")).toMatchObject({ ok: 0, cacheHits: 0, cacheMisses: 0, cacheEntries: 0 });
  });

  it("shows each client's breaker state", async () => {
    const e = await makeEnv((s) => ({
      children: [
        client(s, "sick", { model: "sick-model", breaker: { failures: 1, halfOpenAfterMs: 60_000 } }),
        client(s, "well", { model: "well-model" }),
        client(s, "plain", { model: "well-model", breaker: false }),
      ],
    }));
    e.server.fault({ kind: "status", status: 500 }, { model: "sick-model" });
    await failure(e.system.call("sick", ask("q")));
    await e.system.call("well", ask("q"));
    expect(["sick", "well", "plain"].map((n) => nodeOf(e.system, n).breaker)).toEqual([
      "open",
      "closed",
      "disabled",
    ]);
  });

  it("counts retries and upstream attempt failures by code", async () => {
    const e = await makeEnv((s) => ({
      children: [
        client(s, "gpt", {
          attemptTimeoutMs: 500,
          retry: { initialDelayMs: 1, maxDelayMs: 5, maxRetries: 4 },
        }),
      ],
    }));
    // One call meets four different failures in turn, then an answer.
    e.server.fault({ kind: "status", status: 503 }, { times: 1 });
    e.server.fault({ kind: "rate_limit", retryAfterMs: 1 }, { times: 1 });
    e.server.fault({ kind: "drop" }, { times: 1 });
    e.server.fault({ kind: "stall" }, { times: 1 });
    const retries: string[] = [];
    e.system.on("retry", (r) => retries.push(r.code));
    expect((await e.system.call("gpt", ask("bumpy"))).cached).toBe(false);
    expect(retries).toEqual(["ERR_HTTP", "ERR_RATE_LIMITED", "ERR_NETWORK", "ERR_TIMEOUT"]);
    expect(statsOf(e.system, "gpt")).toMatchObject({
      ok: 1,
      errors: {},
      retries: 4,
      upstreamErrors: { ERR_HTTP: 1, ERR_RATE_LIMITED: 1, ERR_NETWORK: 1, ERR_TIMEOUT: 1 },
    });
    expect(e.server.stats.requests).toBe(5);
  });

  it("shows calls in flight, then held on the main thread while the worker restarts", async () => {
    const e = await makeEnv((s) => ({ children: [client(s, "gpt", { maxConcurrency: 2 })] }));
    // Two calls stall upstream; the third waits in the worker's mailbox.
    e.server.fault({ kind: "stall" }, { times: 2 });
    const calls = ["x", "y", "z"].map((q) => e.system.call("gpt", ask(q)));
    await e.server.waitFor((s) => s.inFlight === 2);
    expect(statsOf(e.system, "gpt")).toMatchObject({ inFlight: 3, queued: 0 });
    const restarted = next(e.system, "restart", (ev) => ev.child === "gpt");
    await e.system.kill("gpt");
    // The worker is gone and the next one is not ready yet: the proxy holds all three.
    expect(statsOf(e.system, "gpt")).toMatchObject({ inFlight: 0, queued: 3 });
    await restarted;
    const replies = await Promise.all(calls);
    expect(replies).toHaveLength(3);
    expect(statsOf(e.system, "gpt")).toMatchObject({ inFlight: 0, queued: 0, redelivered: 3, ok: 3 });
  });
});

describe("secrets", () => {
  const SECRET = "sk-proj-DISTINCT-9d8c7b6a5f4e3d2c1b0a";

  it("no error, event or snapshot contains the API key, whatever failed", async () => {
    const e = await makeEnv((s) => ({
      children: [
        client(s, "gpt", {
          apiKey: SECRET,
          attemptTimeoutMs: 500,
          retry: { initialDelayMs: 1, maxDelayMs: 5, maxRetries: 1, maxRetryAfterMs: 1_000 },
          // Breakers count 429s, drops and stalls: this client's must not open before its turn.
          breaker: false,
        }),
        client(s, "fuse", {
          apiKey: SECRET,
          retry: { initialDelayMs: 1, maxDelayMs: 5, maxRetries: 1 },
          breaker: { failures: 2, halfOpenAfterMs: 60_000 },
        }),
        client(s, "claude", { provider: "anthropic", model: "claude-mock", apiKey: SECRET }),
      ],
    }));
    const { system, server } = e;
    const events = recordAll(system);
    const errors: unknown[] = [];
    const fails = async (name: string, options: Parameters<typeof system.call>[2] = {}) => {
      errors.push(await failure(system.call(name, ask(`q${errors.length}`), options)));
    };

    // Upstream echoing the key back (as real APIs do with a wrong one), in both vendors' shapes.
    server.fault(
      {
        kind: "status",
        status: 401,
        body: {
          error: {
            message: `Incorrect API key provided: ${SECRET}.`,
            type: "invalid_request_error",
            code: "invalid_api_key",
          },
        },
      },
      { times: 1, path: "/chat/completions" },
    );
    await fails("gpt");
    server.fault(
      {
        kind: "status",
        status: 400,
        body: { type: "error", error: { type: "invalid_request_error", message: `bad key ${SECRET}` } },
      },
      { times: 1, path: "/messages" },
    );
    await fails("claude");
    server.fault({ kind: "status", status: 200, body: { echo: SECRET } }, { times: 1 });
    await fails("gpt");
    server.fault({ kind: "rate_limit", retryAfterMs: 120_000 }, { times: 1 });
    await fails("gpt");
    server.fault({ kind: "rate_limit", insufficientQuota: true }, { times: 1 });
    await fails("gpt");
    server.fault({ kind: "malformed" }, { times: 1 });
    await fails("claude");
    server.fault({ kind: "drop" }, { times: 2 });
    await fails("gpt");
    server.fault({ kind: "stall" }, { times: 2 });
    await fails("gpt");
    server.fault({ kind: "stall" }, { times: 1 });
    await fails("gpt", { timeoutMs: 100 });
    server.fault({ kind: "stall" }, { times: 1 });
    const controller = new AbortController();
    // Wait until this call took the stall (earlier stalled sockets may still count in `inFlight`).
    const faulted = server.stats.faulted;
    const aborted = fails("gpt", { signal: controller.signal });
    await server.waitFor((s) => s.faulted === faulted + 1);
    controller.abort();
    await aborted;
    // Open the breaker, kill the worker, and fail fast in the next incarnation.
    server.fault({ kind: "status", status: 503 });
    await fails("fuse");
    await fails("fuse");
    const restarted = next(system, "restart", (ev) => ev.child === "fuse");
    await system.kill("fuse");
    await restarted;
    await fails("fuse");
    await fails("nobody");
    await fails("gpt", { temperature: 7 });

    const codes = errors.map((error) => (isDspexError(error) ? error.code : "not a DspexError"));
    expect(codes).toEqual([
      "ERR_HTTP",
      "ERR_HTTP",
      "ERR_BAD_RESPONSE",
      "ERR_RATE_LIMITED",
      "ERR_RATE_LIMITED",
      "ERR_BAD_RESPONSE",
      "ERR_NETWORK",
      "ERR_TIMEOUT",
      "ERR_TIMEOUT",
      "ERR_ABORTED",
      "ERR_HTTP",
      "ERR_CIRCUIT_OPEN",
      "ERR_CIRCUIT_OPEN",
      "ERR_UNKNOWN_CLIENT",
      "ERR_INVALID_ARGUMENT",
    ]);
    // The echoes did reach us, scrubbed: the check below is not vacuous.
    expect((errors[0] as Error).message).toContain("[redacted]");
    expect((errors[1] as Error).message).toContain("[redacted]");
    expect(events.map((ev) => ev.type)).toEqual(
      expect.arrayContaining(["retry", "breaker", "crash", "restart"]),
    );
    const everything = JSON.stringify({
      errors: errors.map((error) => {
        const err = error as Error;
        return {
          json: err,
          own: { ...err },
          message: err.message,
          stack: err.stack,
          cause: String(err.cause),
        };
      }),
      events,
      snapshot: system.inspect(),
    });
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain("DISTINCT-9d8c");
  });
});
