/**
 * Rate limits through real worker threads against the mock server enforcing them: limits learned from
 * the vendor's headers with no configuration, configured limits with deadline-aware refusals, the
 * cooldown after a 429 with exactly one probe, and the parsed headers on the reply.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { MockServerOptions } from "../../../mock/index.js";
import type { ClientSpec } from "../../../src/types.js";
import { ask, client, failure, nodeOf, pipelineEnv, record } from "../pipelineEnv.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanups.splice(0).reverse()) await close();
});

async function env(extra: Partial<ClientSpec> = {}, serverOptions: MockServerOptions = {}) {
  const e = await pipelineEnv(
    (s) => ({ children: [client(s, "gpt", { cache: false, ...extra })] }),
    serverOptions,
  );
  cleanups.push(e.close);
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
