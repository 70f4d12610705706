import { describe, expect, it } from "vitest";
import type { CacheWriteStats } from "../../../../src/protocol.js";
import { WriteBehind } from "../../../../workers/cache/WriteBehind.js";

describe("WriteBehind", () => {
  it("admits writes up to the cap, drops (and counts) the rest", () => {
    const w = new WriteBehind(2, undefined);
    expect([w.admit(), w.admit(), w.admit()]).toEqual([true, true, false]);
    expect(w.writes).toEqual({ pending: 2, dropped: 1, failed: 0 });
    w.finish(false);
    w.finish(true);
    expect(w.writes).toEqual({ pending: 0, dropped: 1, failed: 1 });
    expect(w.admit()).toBe(true);
  });

  it("reports once per microtask turn, with increments of dropped and failed since the last report", async () => {
    const reports: CacheWriteStats[] = [];
    const w = new WriteBehind(1, (r) => reports.push(r));
    w.admit();
    w.admit(); // dropped
    expect(reports).toEqual([]); // not before the turn ends
    await Promise.resolve();
    expect(reports).toEqual([{ pending: 1, dropped: 1, failed: 0 }]);
    w.finish(true);
    await Promise.resolve();
    expect(reports[1]).toEqual({ pending: 0, dropped: 0, failed: 1 });
  });

  it("settled waits for the writes in flight, and never rejects", async () => {
    const w = new WriteBehind(4, undefined);
    let finish: () => void = () => {};
    const write = new Promise<void>((resolve) => {
      finish = resolve;
    });
    w.admit();
    w.track(write);
    let settled = false;
    const done = w.settled().then(() => {
      settled = true;
    });
    await Promise.resolve();
    expect(settled).toBe(false);
    finish();
    await done;
    expect(settled).toBe(true);
  });
});
