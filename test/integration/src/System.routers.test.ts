/**
 * Routers through real worker threads and the loopback mock server: fallback order and skipping
 * (breaker open), no fallback on a bad request, context-length fallbacks, one deadline over every
 * member, every strategy, streams before and after the first chunk, members of different providers,
 * nesting, events and `inspect()`.
 */
import { describe, expect, it } from "vitest";
import type { MockServer } from "../../../mock/index.js";
import type { ChildSpec, ClientSpec, RouterSpec } from "../../../src/types.js";
import { ask, client, closedAfterEach, failure, nodeOf, record } from "../pipelineEnv.js";

const makeEnv = closedAfterEach();

/** Clients a, b, c (models model-a, model-b, model-c; b speaks Anthropic) and the routers given. */
async function env(routers: RouterSpec[], extra: Partial<ClientSpec> = {}) {
  const member = (s: MockServer, name: string, more: Partial<ClientSpec> = {}): ClientSpec =>
    client(s, name, {
      model: `model-${name}`,
      cache: false,
      retry: { maxRetries: 0 },
      breaker: { failures: 1, halfOpenAfterMs: 60_000 },
      ...extra,
      ...more,
    });
  const e = await makeEnv((s) => ({
    children: [
      member(s, "a", { apiKey: "key-a" }),
      member(s, "b", { provider: "anthropic", apiKey: "key-b" }),
      member(s, "c", { apiKey: "key-c" }),
      ...(routers as ChildSpec[]),
    ],
  }));
  return e;
}

const sentTo = (server: MockServer, model: string) => server.requests.filter((r) => r.model === model).length;

describe("fallback", () => {
  it("moves on 5xx, then skips the member whose breaker opened without a try; same messages to another provider", async () => {
    const { system, server } = await env([{ type: "router", name: "chat", members: ["a", "b"] }]);
    const fallbacks = record(system, "fallback");
    server.fault({ kind: "status", status: 503 }, { model: "model-a" });
    const first = await system.call("chat", ask("hello"));
    expect(first.client).toBe("b");
    expect(first.attempts).toEqual([{ client: "a", code: "ERR_HTTP" }, { client: "b" }]);
    expect(nodeOf(system, "a").breaker).toBe("open");
    const second = await system.call("chat", ask("again"));
    expect(second.client).toBe("b");
    expect(second.attempts).toEqual([
      { client: "a", code: "ERR_CIRCUIT_OPEN", skipped: true },
      { client: "b" },
    ]);
    expect(sentTo(server, "model-a")).toBe(1);
    expect(server.requests.filter((r) => r.path.endsWith("/messages"))).toHaveLength(2);
    expect(fallbacks).toEqual([
      { type: "fallback", router: "chat", from: "a", to: "b", code: "ERR_HTTP" },
      { type: "fallback", router: "chat", from: "a", to: "b", code: "ERR_CIRCUIT_OPEN" },
    ]);
    expect(nodeOf(system, "chat")).toMatchObject({
      type: "router",
      status: "running",
      strategy: "fallback",
      members: ["a", "b"],
      routing: { calls: 2, ok: 2, fallbacks: 2, answeredBy: { b: 2 } },
    });
  });

  it("never falls back on a bad request: the error carries the attempts", async () => {
    const { system, server } = await env([{ type: "router", name: "chat", members: ["a", "b"] }]);
    server.fault({ kind: "status", status: 400 }, { model: "model-a" });
    const error = await failure(system.call("chat", ask("bad")));
    expect(error).toMatchObject({
      code: "ERR_HTTP",
      status: 400,
      attempts: [{ client: "a", code: "ERR_HTTP" }],
    });
    expect(sentTo(server, "model-b")).toBe(0);
  });

  it("moves a context-length error to contextFallbacks, past the other members", async () => {
    const { system, server } = await env([
      { type: "router", name: "chat", members: ["a", "b"], contextFallbacks: ["c"] },
    ]);
    server.fault({ kind: "status", status: 400, errorCode: "context_length_exceeded" }, { model: "model-a" });
    const reply = await system.call("chat", ask("a very long prompt"));
    expect(reply.client).toBe("c");
    expect(reply.attempts).toEqual([{ client: "a", code: "ERR_HTTP" }, { client: "c" }]);
    expect(sentTo(server, "model-b")).toBe(0);
  });

  it("one deadline covers every member tried; an attempt's time-out moves on", async () => {
    const { system, server } = await env([{ type: "router", name: "chat", members: ["a", "c"] }], {
      attemptTimeoutMs: 400,
    });
    // The members' parts load on their first use (workers/startWorker.ts): admin reads build them
    // first, so the one deadline covers the attempts only, however loaded the machine.
    await Promise.all([system.admin("a").mailbox(), system.admin("c").mailbox()]);
    server.fault({ kind: "stall" }, { model: "model-a" });
    server.fault({ kind: "stall" }, { model: "model-c" });
    const started = Date.now();
    // a's attempt times out at 400 ms; c gets what is left of the 600 ms (less than its own attempt
    // time-out) and stalls to the end: the call ends at the one deadline.
    const error = await failure(system.call("chat", ask("slow"), { timeoutMs: 600 }));
    const took = Date.now() - started;
    expect(error.code).toBe("ERR_TIMEOUT");
    expect(error.attempts).toEqual([
      { client: "a", code: "ERR_TIMEOUT" },
      { client: "c", code: "ERR_TIMEOUT" },
    ]);
    expect(took).toBeGreaterThanOrEqual(590);
    expect(took).toBeLessThan(3_000);
  });

  it("routers nest: the outer one tries the inner one's members, then its own", async () => {
    const { system, server } = await env([
      { type: "router", name: "inner", members: ["a", "b"] },
      { type: "router", name: "outer", members: ["inner", "c"] },
    ]);
    server.fault({ kind: "status", status: 500 }, { model: "model-a" });
    server.fault({ kind: "status", status: 500 }, { path: "/messages" });
    const reply = await system.call("outer", ask("deep"));
    expect(reply.client).toBe("c");
    expect(reply.attempts).toEqual([
      { client: "a", code: "ERR_HTTP" },
      { client: "b", code: "ERR_HTTP" },
      { client: "c" },
    ]);
  });
});

describe("strategies", () => {
  it("round_robin alternates; weighted follows the weights", async () => {
    const { system } = await env([
      { type: "router", name: "rr", strategy: "round_robin", members: ["a", "c"] },
      { type: "router", name: "w", strategy: "weighted", members: ["a", "c"], weights: [3, 1] },
    ]);
    const rr = [];
    for (let i = 0; i < 4; i++) rr.push((await system.call("rr", ask(`rr ${i}`))).client);
    expect(rr).toEqual(["a", "c", "a", "c"]);
    const weighted = [];
    for (let i = 0; i < 8; i++) weighted.push((await system.call("w", ask(`w ${i}`))).client);
    expect(weighted.filter((c) => c === "a")).toHaveLength(6);
  });

  it("least_busy picks the member with the fewest calls in flight", async () => {
    const { system, server } = await env([
      { type: "router", name: "lb", strategy: "least_busy", members: ["a", "c"] },
    ]);
    server.fault({ kind: "delay", ms: 300 }, { model: "model-a", times: 1 });
    const busy = system.call("a", ask("occupy a"));
    expect((await system.call("lb", ask("who is free"))).client).toBe("c");
    await busy;
  });

  it("lowest_latency prefers the faster member once both are measured", async () => {
    const { system, server } = await env([
      { type: "router", name: "fast", strategy: "lowest_latency", members: ["a", "c"] },
    ]);
    // Far beyond a cold worker's first call on a loaded machine (seen above 300 ms in a full suite run).
    server.fault({ kind: "delay", ms: 1_000 }, { model: "model-a" });
    const picks = [];
    for (let i = 0; i < 4; i++) picks.push((await system.call("fast", ask(`l ${i}`))).client);
    expect(picks.slice(0, 2).sort()).toEqual(["a", "c"]); // each unmeasured member is tried once
    expect(picks.slice(2)).toEqual(["c", "c"]);
  });

  it("lowest_latency reads every call of its members, not only the routed ones", async () => {
    const { system, server } = await env([
      { type: "router", name: "fast", strategy: "lowest_latency", members: ["a", "c"] },
    ]);
    // Far beyond a cold worker's first call on a loaded machine (c's took over 300 ms in a full suite run).
    server.fault({ kind: "delay", ms: 1_000 }, { model: "model-a" });
    // Direct calls only: the router has routed nothing yet, and still knows that c is faster.
    await system.call("a", ask("direct a"));
    await system.call("c", ask("direct c"));
    expect((await system.call("fast", ask("routed"))).client).toBe("c");
  });

  it("most_headroom picks the member with the most rate-limit budget left (learned from headers)", async () => {
    const { system, server } = await env([
      { type: "router", name: "room", strategy: "most_headroom", members: ["a", "c"] },
    ]);
    server.setLimits({ rpm: 100 });
    for (let i = 0; i < 5; i++) await system.call("a", ask(`spend a ${i}`));
    await system.call("c", ask("spend c"));
    expect((await system.call("room", ask("where"))).client).toBe("c");
  });
});

describe("streams", () => {
  it("fall back before the first chunk, never after it", async () => {
    const { system, server } = await env([{ type: "router", name: "chat", members: ["a", "c"] }]);
    server.fault({ kind: "status", status: 503 }, { model: "model-a", times: 1 });
    let text = "";
    for await (const chunk of system.stream("chat", ask("stream me"))) text += chunk.text;
    expect(text).toBe((await system.call("c", ask("stream me"))).text);
    server.resetStats();
    server.fault({ kind: "stream_error", afterChunks: 2 }, { model: "model-c", times: 1 });
    const seen: string[] = [];
    const error = await failure(
      (async () => {
        for await (const chunk of system.stream("chat", ask("cut me"), { cache: "skip" }))
          seen.push(chunk.text);
      })(),
    );
    expect(seen.length).toBeGreaterThan(0);
    expect(error.code).toBeDefined();
    // a's breaker is open from the first stream: c answered, and after its first chunk nobody else was asked.
    expect(sentTo(server, "model-a")).toBe(0);
    expect(sentTo(server, "model-c")).toBe(1);
  });
});
