import { describe, expect, it } from "vitest";
import { Budget } from "../../../src/traffic/Budget.js";
import { costOf } from "../../../src/traffic/cost.js";
import { TokenEstimator } from "../../../workers/traffic/TokenEstimate.js";

describe("costOf", () => {
  it("prices cached and cache-write prompt tokens apart, at the input price when the model has none", () => {
    const usage = {
      promptTokens: 1_000,
      completionTokens: 100,
      totalTokens: 1_100,
      cachedPromptTokens: 600,
      cacheWriteTokens: 100,
    };
    expect(
      costOf(usage, { inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: 0.3, cacheWritePerMTok: 3.75 }),
    ).toBeCloseTo((300 * 3 + 600 * 0.3 + 100 * 3.75 + 100 * 15) / 1e6, 15);
    expect(costOf(usage, { inputPerMTok: 1, outputPerMTok: 2 })).toBeCloseTo((1_000 + 200) / 1e6, 15);
  });
});

describe("Budget", () => {
  it("allows spending up to usd within a sliding window of perMs", () => {
    let now = 0;
    const budget = new Budget({ usd: 1, perMs: 1_000 }, () => now);
    expect(budget.allows(0.6)).toBe(true);
    budget.record(0.6);
    now = 500;
    expect(budget.allows(0.5)).toBe(false);
    budget.record(0.3);
    expect(budget.left()).toBeCloseTo(0.1, 12);
    now = 1_000; // the first spend left the window
    expect(budget.spent()).toBeCloseTo(0.3, 12);
    now = 1_500;
    expect(budget.spent()).toBe(0);
  });
});

describe("TokenEstimator", () => {
  it("starts at 4 characters a token and follows the answers' usage", () => {
    const estimator = new TokenEstimator();
    const request = {
      messages: [{ role: "user" as const, content: "x".repeat(400) }],
      params: {},
      deadline: 0,
      attemptTimeoutMs: 0,
      maxRetries: 0,
      cache: "use" as const,
    };
    expect(estimator.estimate(request)).toBe(104);
    for (let i = 0; i < 40; i++)
      estimator.learn(request, { promptTokens: 54, completionTokens: 20, totalTokens: 74 });
    expect(estimator.charsPerToken).toBeCloseTo(8, 1);
    // Within a token of the real usage (the ratio converges; the estimate rounds up).
    expect(Math.abs(estimator.estimate(request) - (54 + 20))).toBeLessThanOrEqual(1);
    expect(
      Math.abs(estimator.estimate({ ...request, params: { maxTokens: 7 } }) - (54 + 7)),
    ).toBeLessThanOrEqual(1);
  });
});
