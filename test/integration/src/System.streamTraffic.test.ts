/**
 * Traffic control for streams (issue #12), through real worker threads against the loopback mock: a
 * stream's last chunk carries `cost` and `client` like a reply and its usage is counted; a budget
 * refuses a stream before anything is sent; the rate gate learns from a stream's rate-limit headers
 * exactly as from a call's, so a burst of streams meets (almost) no 429.
 */
import { describe, expect, it } from "vitest";
import type { StreamChunk } from "../../../src/types.js";
import { ask, client, closedAfterEach, failure, nodeOf, oneClientEnv, record } from "../pipelineEnv.js";
import { collect } from "../streamReading.js";

const makeEnv = closedAfterEach();
const env = oneClientEnv("gpt", makeEnv);

describe("stream usage and cost", () => {
  it("the last chunk carries cost and client; usage is counted in inspect() and in usage events", async () => {
    const { system } = await env({
      model: "gpt-4o-mini",
      pricing: { inputPerMTok: 1_000, outputPerMTok: 2_000 },
    });
    const events = record(system, "usage");
    const chunks = await collect(system.stream("gpt", ask("price my stream")));
    expect(chunks.length).toBeGreaterThan(1);
    const last = chunks.at(-1) as StreamChunk;
    const { promptTokens, completionTokens } = last.usage ?? { promptTokens: 0, completionTokens: 0 };
    expect(completionTokens).toBeGreaterThan(0);
    expect(last.client).toBe("gpt");
    expect(last.cost).toBeCloseTo((promptTokens * 1_000 + completionTokens * 2_000) / 1e6, 12);
    expect(chunks.slice(0, -1).every((c) => c.cost === undefined && c.client === undefined)).toBe(true);
    const traffic = nodeOf(system, "gpt").traffic;
    expect(traffic?.tokens).toMatchObject({ input: promptTokens, output: completionTokens });
    expect(traffic?.cost).toBe(last.cost);
    expect(events).toEqual([expect.objectContaining({ type: "usage", client: "gpt", cost: last.cost })]);

    // A stream and a call agree on the cost of the same answer; a cache replay costs nothing.
    const replayed = await collect(system.stream("gpt", ask("price my stream")));
    expect(replayed).toHaveLength(1);
    expect(replayed[0]).toMatchObject({ cached: true, cost: 0, client: "gpt" });
    const reply = await system.call("gpt", ask("price my stream"), { cache: "skip" });
    expect(reply.cost).toBeCloseTo(last.cost as number, 12);
    expect(nodeOf(system, "gpt").traffic?.tokens.output).toBe(
      completionTokens + reply.usage.completionTokens,
    );
  });

  it("a budget refuses a stream that would exceed it on the first pull, before anything is sent", async () => {
    // $1 per token in and out: each answer costs about $10; $30 a minute allows two or three.
    const { system, server } = await env({
      cache: false,
      pricing: { inputPerMTok: 1_000_000, outputPerMTok: 1_000_000 },
      budget: { usd: 30, perMs: 60_000 },
    });
    let spent = 0;
    let refused: (Error & Record<string, unknown>) | undefined;
    for (let i = 0; i < 10 && refused === undefined; i++) {
      try {
        spent += (await collect(system.stream("gpt", ask(`spend ${i}`)))).at(-1)?.cost ?? 0;
      } catch (error) {
        refused = error as Error & Record<string, unknown>;
      }
    }
    expect(refused).toMatchObject({ code: "ERR_BUDGET_EXCEEDED", client: "gpt" });
    expect(spent).toBeGreaterThan(0);
    expect(spent).toBeLessThanOrEqual(30);
    const sent = server.stats.requests;
    expect(await failure(collect(system.stream("gpt", ask("again"))))).toMatchObject({
      code: "ERR_BUDGET_EXCEEDED",
    });
    expect(await failure(system.call("gpt", ask("a call too")))).toMatchObject({
      code: "ERR_BUDGET_EXCEEDED",
    });
    expect(server.stats.requests).toBe(sent);
    expect(nodeOf(system, "gpt").traffic?.budget?.spent).toBeCloseTo(spent, 9);
  });
});

describe("stream cost through a router", () => {
  it("a member's stream cost counts against the router's budget; the last chunk names the member", async () => {
    const e = await makeEnv((srv) => ({
      children: [
        client(srv, "gpt", { cache: false, pricing: { inputPerMTok: 1_000_000, outputPerMTok: 1_000_000 } }),
        {
          type: "router",
          name: "chat",
          strategy: "fallback",
          members: ["gpt"],
          budget: { usd: 30, perMs: 60_000 },
        },
      ],
    }));
    let refused: (Error & Record<string, unknown>) | undefined;
    let streams = 0;
    for (let i = 0; i < 10 && refused === undefined; i++) {
      try {
        const last = (await collect(e.system.stream("chat", ask(`routed ${i}`)))).at(-1);
        expect(last).toMatchObject({ client: "gpt" });
        expect(last?.cost).toBeGreaterThan(0);
        streams++;
      } catch (error) {
        refused = error as Error & Record<string, unknown>;
      }
    }
    expect(streams).toBeGreaterThan(0);
    expect(refused).toMatchObject({ code: "ERR_BUDGET_EXCEEDED", client: "chat" });
  });
});

describe("stream rate limits", () => {
  it("learns the limit from a stream's headers with no configuration: a burst of streams meets (almost) no 429", async () => {
    // 40 requests per second; 100 streams at once, 8 at a time upstream.
    const { system, server } = await env(
      { cache: false, maxConcurrency: 8, retry: { initialDelayMs: 1, maxDelayMs: 5, maxRetries: 6 } },
      { limits: { rpm: 40, windowMs: 1_000 } },
    );
    const first = await collect(system.stream("gpt", ask("learn from me")));
    expect(first.at(-1)?.finishReason).toBe("stop");
    // One stream taught the gate its limit (source "learned"), shown by inspect().
    expect(nodeOf(system, "gpt").limiter).toMatchObject({ source: "learned", requestsCapacity: 40 });
    const all = await Promise.all(
      Array.from({ length: 100 }, (_, i) => collect(system.stream("gpt", ask(`burst ${i}`)))),
    );
    expect(all.every((chunks) => chunks.at(-1)?.finishReason === "stop")).toBe(true);
    // (Almost) none: without the gate a burst of 100 against 40/s meets dozens; a few can slip through while
    // the gate's own count settles inside the bounds each answer's headers give (workers/traffic/RateGate.ts).
    expect(server.stats.byStatus[429] ?? 0).toBeLessThanOrEqual(5);
  });

  it("a stream the learned limit would hold past its deadline rejects at once with ERR_RATE_LIMITED, nothing sent", async () => {
    const { system, server } = await env({ cache: false }, { limits: { rpm: 3, windowMs: 60_000 } });
    for (let i = 0; i < 3; i++) await collect(system.stream("gpt", ask(`paced ${i}`)));
    const sent = server.stats.requests;
    const started = Date.now();
    const refused = await failure(collect(system.stream("gpt", ask("one too many"), { timeoutMs: 2_000 })));
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(refused).toMatchObject({ code: "ERR_RATE_LIMITED" });
    expect(refused.retryAfterMs).toBeGreaterThan(2_000);
    expect(server.stats.requests).toBe(sent);
    expect(server.stats.byStatus[429] ?? 0).toBe(0);
  });

  it("a stream's 429 before its first chunk cools the whole client down, then the stream is answered", async () => {
    const { system, server } = await env({ cache: false });
    const cooldowns = record(system, "cooldown");
    server.fault({ kind: "rate_limit", retryAfterMs: 200 }, { times: 1 });
    const chunks = await collect(system.stream("gpt", ask("meets a 429 first")));
    expect(chunks.at(-1)?.finishReason).toBe("stop");
    expect(server.stats.byStatus[429]).toBe(1);
    expect(cooldowns).toHaveLength(1);
    expect(cooldowns[0]).toMatchObject({ type: "cooldown", client: "gpt" });
  });
});
