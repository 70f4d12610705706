/**
 * Rate limits through real worker threads against the mock server enforcing them: limits learned from
 * the vendor's headers with no configuration, configured limits with deadline-aware refusals, the
 * cooldown after a 429 with exactly one probe, and the parsed headers on the reply.
 */
import { describe, expect, it } from "vitest";
import type { MockServerOptions } from "../../../mock/index.js";
import type { ClientSpec } from "../../../src/types.js";
import { ask, client, closedAfterEach, failure, nodeOf, record } from "../pipelineEnv.js";

const makeEnv = closedAfterEach();

async function env(extra: Partial<ClientSpec> = {}, serverOptions: MockServerOptions = {}) {
  const e = await makeEnv(
    (s) => ({ children: [client(s, "gpt", { cache: false, ...extra })] }),
    serverOptions,
  );
  return e;
}

describe("rate limits", () => {
  it("learns the limit from the headers with no configuration: a burst past it meets (almost) no 429", async () => {
    // 40 requests per second; 120 calls at once, 8 at a time upstream.
    const { system, server } = await env({ maxConcurrency: 8 }, { limits: { rpm: 40, windowMs: 1_000 } });
    const replies = await Promise.all(
      Array.from({ length: 120 }, (_, i) => system.call("gpt", ask(`burst ${i}`))),
    );
    expect(replies).toHaveLength(120);
    const refused = server.stats.byStatus[429] ?? 0;
    expect(refused).toBeLessThanOrEqual(2);
    const limiter = nodeOf(system, "gpt").limiter;
    expect(limiter).toMatchObject({ source: "learned", requestsCapacity: 40 });
    expect(limiter?.rpm).toBeGreaterThan(2_000); // 40 per second, paced a little under
    expect(replies[0]?.rateLimit?.requests).toMatchObject({ limit: 40 });
    expect(replies[0]?.requestId).toMatch(/^req_mock/);
    expect(replies[0]?.client).toBe("gpt");
  });

  it("first contact: a burst at start waits for the first answer's headers, so it meets no 429 (the demo's scene)", async () => {
    // 30 requests per second, 20 ms of latency, the default 64 calls upstream at once: without the
    // scout, the first 64 would go blind and 34 of them meet a 429.
    const { system, server } = await env(
      { limits: { firstContactMs: 3_000 } },
      { latencyMs: 20, limits: { rpm: 30, windowMs: 1_000 } },
    );
    const breakers = record(system, "breaker");
    const started = Date.now();
    const replies = await Promise.all(
      Array.from({ length: 90 }, (_, i) => system.call("gpt", ask(`first contact ${i}`))),
    );
    const elapsed = Date.now() - started;
    expect(replies).toHaveLength(90);
    expect(server.stats.byStatus[429] ?? 0).toBeLessThanOrEqual(1);
    expect(server.stats.requests).toBeLessThanOrEqual(91);
    // 30 at once, then 60 at 30 per second: about two seconds, not much more.
    expect(elapsed).toBeGreaterThan(1_700);
    expect(nodeOf(system, "gpt").limiter).toMatchObject({ source: "learned", requestsCapacity: 30 });
    expect(breakers).toEqual([]);
  });

  it("a burst of 429s with retry hints cools the client down and leaves the breaker closed", async () => {
    const { system, server } = await env({ breaker: { failures: 3 }, maxConcurrency: 8 }, { latencyMs: 30 });
    await system.call("gpt", ask("first contact")); // no limit headers: the gate opens
    server.fault({ kind: "rate_limit", retryAfterMs: 200 }, { times: 6 });
    const breakers = record(system, "breaker");
    const replies = await Promise.all(
      Array.from({ length: 8 }, (_, i) => system.call("gpt", ask(`cooled ${i}`))),
    );
    expect(replies).toHaveLength(8);
    expect(server.stats.byStatus[429]).toBe(6);
    expect(nodeOf(system, "gpt").breaker).toBe("closed");
    expect(breakers).toEqual([]);
  });

  it("configured limits hold calls back; a call that could not go before its deadline rejects at once", async () => {
    const { system, server } = await env({ limits: { rpm: 6 } });
    for (let i = 0; i < 6; i++) await system.call("gpt", ask(`paced ${i}`));
    const started = Date.now();
    const refused = await failure(system.call("gpt", ask("one too many"), { timeoutMs: 2_000 }));
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(refused).toMatchObject({ code: "ERR_RATE_LIMITED" });
    expect(refused.retryAfterMs).toBeGreaterThan(5_000);
    expect(server.stats.requests).toBe(6);
    expect(nodeOf(system, "gpt").limiter).toMatchObject({
      source: "configured",
      requestsLeft: 0,
      waiting: 0,
    });
  });

  it("a 429 with a retry hint cools the whole client down; one probe goes first, then the others", async () => {
    const { system, server } = await env({}, { latencyMs: 60 });
    const cooldowns = record(system, "cooldown");
    server.fault({ kind: "rate_limit", retryAfterMs: 300 }, { times: 1 });
    const first = system.call("gpt", ask("first"));
    await server.waitFor((s) => (s.byStatus[429] ?? 0) === 1);
    await new Promise<void>((resolve) => {
      const sub = system.on("cooldown", () => {
        sub.dispose();
        resolve();
      });
      if (cooldowns.length > 0) resolve();
    });
    expect(cooldowns[0]).toMatchObject({ type: "cooldown", client: "gpt" });
    expect(nodeOf(system, "gpt").limiter?.cooldownUntil).toBe(cooldowns[0]?.until);
    const others = Array.from({ length: 5 }, (_, i) => system.call("gpt", ask(`queued ${i}`)));
    await Promise.all([first, ...others]);
    const arrivals = server.requests.map((r) => r.at).sort((a, b) => a - b);
    expect(arrivals).toHaveLength(7);
    const [refusedAt, probeAt, ...rest] = arrivals as [number, number, ...number[]];
    expect(probeAt - refusedAt).toBeGreaterThanOrEqual(290);
    // Nobody went beside the probe: the others waited for its answer (60 ms of latency).
    for (const at of rest) expect(at - probeAt).toBeGreaterThanOrEqual(50);
  });
});
