import { describe, expect, it } from "vitest";
import { Budget } from "../../../../src/traffic/Budget.js";

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
