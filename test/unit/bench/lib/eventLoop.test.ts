import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { EventLoopProbe } from "../../../../bench/lib/eventLoop.js";

/** Resolves on the event loop's next timer turn. */
const nextTimer = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** Keeps the thread busy for `ms` without yielding: what a CPU-heavy client does to its caller. */
function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy on purpose
  }
}

describe("event-loop probe", () => {
  it("sees a blocked loop as timer delay and as utilization", async () => {
    const probe = new EventLoopProbe();
    probe.start();
    for (let i = 0; i < 3; i++) {
      block(80);
      await nextTimer();
    }
    const summary = probe.stop();
    expect(summary.delayMaxMs).toBeGreaterThanOrEqual(60);
    // Most of the window the loop was blocked: a timer due at a random moment waited long.
    expect(summary.delayP50Ms).toBeGreaterThanOrEqual(20);
    expect(summary.utilization).toBeGreaterThan(0.5);
    expect(summary.utilization).toBeLessThanOrEqual(1);
  });

  it("counts a loop blocked for the whole window, when no timer could fire at all", () => {
    const probe = new EventLoopProbe();
    probe.start();
    block(100);
    const summary = probe.stop();
    expect(summary.delayMaxMs).toBeGreaterThanOrEqual(80);
    expect(summary.delayP99Ms).toBeGreaterThanOrEqual(80);
    // What monitorEventLoopDelay alone reports for the same window: nothing.
    expect(summary.monitorP99Ms).toBe(0);
  });

  it("reads a free loop as a free loop", async () => {
    const probe = new EventLoopProbe();
    probe.start();
    const until = performance.now() + 120;
    while (performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 5));
    const summary = probe.stop();
    expect(summary.delayP50Ms).toBeLessThan(20);
    expect(summary.utilization).toBeLessThan(0.5);
  });

  it("refuses to stop before it started, and to start twice", () => {
    expect(() => new EventLoopProbe().stop()).toThrow(/stop before start/);
    const probe = new EventLoopProbe();
    probe.start();
    expect(() => probe.start()).toThrow(/already started/);
    probe.stop();
  });
});
