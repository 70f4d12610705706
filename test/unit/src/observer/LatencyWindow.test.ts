import { describe, expect, it } from "vitest";
import { LatencyWindow } from "../../../../src/observer/LatencyWindow.js";

describe("LatencyWindow", () => {
  it("has no percentiles before any call", () => {
    expect(new LatencyWindow(4).percentiles()).toBeUndefined();
  });

  it("nearest-rank percentiles over what it holds", () => {
    const w = new LatencyWindow(100);
    for (let i = 100; i >= 1; i--) w.add(i);
    expect(w.percentiles()).toEqual({ p50: 50, p90: 90, p99: 99, count: 100 });
  });

  it("keeps only the latest `size` calls", () => {
    const w = new LatencyWindow(3);
    for (const ms of [1000, 1000, 1000, 1, 2, 3]) w.add(ms);
    expect(w.percentiles()).toEqual({ p50: 2, p90: 3, p99: 3, count: 3 });
  });
});
