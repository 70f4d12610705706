import { describe, expect, it } from "vitest";
import { costOf } from "../../../../src/traffic/cost.js";

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
