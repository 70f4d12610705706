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
    // Let the monitor's timer arm, then hold the loop well past its 10 ms period, twice.
    await nextTimer();
    block(80);
    await nextTimer();
    block(80);
    await nextTimer();
    const summary = probe.stop();
    expect(summary.delayMaxMs).toBeGreaterThanOrEqual(60);
    expect(summary.utilization).toBeGreaterThan(0.5);
    expect(summary.utilization).toBeLessThanOrEqual(1);
  });

  it("refuses to stop before it started", () => {
    expect(() => new EventLoopProbe().stop()).toThrow(/stop before start/);
  });
});
