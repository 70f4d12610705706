/**
 * Usage, cost and budgets through real worker threads: token counters by kind, `reply.cost` from the
 * catalog (`@pydantic/genai-prices`) and from a client's `pricing`, usage events, and a budget that
 * refuses the call that would exceed it before anything is sent.
 */
import { describe, expect, it } from "vitest";
import { ask, failure, nodeOf, oneClientEnv, record } from "../pipelineEnv.js";

const env = oneClientEnv();

describe("usage and cost", () => {
  it("prices a known model from the catalog, counts tokens by kind, and emits usage events", async () => {
    const { system } = await env({ model: "gpt-4o-mini" });
    const usage = record(system, "usage");
    const reply = await system.call("gpt", ask("price me"));
    const { promptTokens, completionTokens } = reply.usage;
    // gpt-4o-mini in the catalog: $0.15 in, $0.60 out per million tokens.
    expect(reply.cost).toBeCloseTo((promptTokens * 0.15 + completionTokens * 0.6) / 1e6, 12);
    const hit = await system.call("gpt", ask("price me"));
    expect(hit.cached).toBe(true);
    expect(hit.cost).toBe(0);
    const traffic = nodeOf(system, "gpt").traffic;
    expect(traffic?.tokens).toEqual({
      input: promptTokens,
      cachedInput: 0,
      cacheWrite: 0,
      output: completionTokens,
      reasoning: 0,
    });
    expect(traffic?.cost).toBe(reply.cost);
    expect(usage).toEqual([
      {
        type: "usage",
        client: "gpt",
        tokens: {
          input: promptTokens,
          cachedInput: 0,
          cacheWrite: 0,
          output: completionTokens,
          reasoning: 0,
        },
        cost: reply.cost,
      },
    ]);
  });

  it("a client's pricing overrides the catalog; an unknown model has no cost", async () => {
    const priced = await env({
      model: "gpt-4o-mini",
      pricing: { inputPerMTok: 1_000, outputPerMTok: 2_000 },
    });
    const reply = await priced.system.call("gpt", ask("override"));
    expect(reply.cost).toBeCloseTo(
      (reply.usage.promptTokens * 1_000 + reply.usage.completionTokens * 2_000) / 1e6,
      12,
    );
    const unknown = await env({ model: "no-such-model-anywhere" });
    expect((await unknown.system.call("gpt", ask("free?"))).cost).toBeUndefined();
  });

  it("a budget refuses the call that would exceed it, before anything is sent", async () => {
    // $1 per token in and out: each call costs about $10; $30 a minute allows two or three.
    const { system, server } = await env({
      cache: false,
      pricing: { inputPerMTok: 1_000_000, outputPerMTok: 1_000_000 },
      budget: { usd: 30, perMs: 60_000 },
    });
    let spent = 0;
    let refused: (Error & Record<string, unknown>) | undefined;
    for (let i = 0; i < 10 && refused === undefined; i++) {
      try {
        spent += (await system.call("gpt", ask(`spend ${i}`))).cost ?? 0;
      } catch (error) {
        refused = error as Error & Record<string, unknown>;
      }
    }
    expect(refused).toMatchObject({ code: "ERR_BUDGET_EXCEEDED", client: "gpt" });
    const sent = server.stats.requests;
    expect(await failure(system.call("gpt", ask("again")))).toMatchObject({ code: "ERR_BUDGET_EXCEEDED" });
    expect(server.stats.requests).toBe(sent);
    expect(spent).toBeLessThanOrEqual(30);
    const traffic = nodeOf(system, "gpt").traffic;
    expect(traffic?.budget).toMatchObject({ usd: 30, perMs: 60_000 });
    expect(traffic?.budget?.spent).toBeCloseTo(spent, 9);
    expect(nodeOf(system, "gpt").stats?.errors.ERR_BUDGET_EXCEEDED).toBe(2);
  });
});
