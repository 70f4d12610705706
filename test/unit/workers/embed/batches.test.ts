import { describe, expect, it } from "vitest";
import { splitBatches } from "../../../../workers/embed/batches.js";

const id = (s: string) => s;

describe("splitBatches", () => {
  it("cuts at maxInputs, keeping order", () => {
    const items = ["a", "b", "c", "d", "e"];
    expect(splitBatches(items, id, 2, undefined, 4)).toEqual([["a", "b"], ["c", "d"], ["e"]]);
    expect(splitBatches(items, id, 10, undefined, 4)).toEqual([items]);
  });

  it("cuts before the estimated tokens pass 90 % of maxTokens", () => {
    // 40 characters at 4 per token: 10 tokens each; a cap of 30 leaves 27 (90 %): two per batch.
    const items = ["x".repeat(40), "y".repeat(40), "z".repeat(40)];
    expect(splitBatches(items, id, 100, 30, 4).map((b) => b.length)).toEqual([2, 1]);
  });

  it("sends an input past the cap on its own", () => {
    const items = ["a", "b".repeat(1000), "c"];
    expect(splitBatches(items, id, 100, 10, 4)).toEqual([["a"], ["b".repeat(1000)], ["c"]]);
  });

  it("makes nothing of nothing", () => {
    expect(splitBatches([], id, 10, 10, 4)).toEqual([]);
  });
});
