import { describe, expect, it } from "vitest";
import { TokenEstimator } from "../../../../workers/traffic/TokenEstimate.js";

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
