import { describe, expect, it } from "vitest";
import { limiterReport } from "../../../../workers/traffic/limiterReport.js";
import { RateGate } from "../../../../workers/traffic/RateGate.js";

describe("limiterReport", () => {
  it("reports nothing while the gate limits nothing", () => {
    const gate = new RateGate(undefined, () => 0);
    const report = limiterReport(gate);
    expect(gate.limited).toBe(false);
    expect(report()).toBeUndefined();
  });

  it("reports a configured limit once, then again only after the gate changed", async () => {
    let now = 1_000;
    const gate = new RateGate({ rpm: 60 }, () => now);
    const report = limiterReport(gate);
    const first = report();
    expect(first).toMatchObject({
      type: "event",
      event: { kind: "limiter", snapshot: { source: "configured", rpm: 60 } },
    });
    expect(report()).toBeUndefined();
    const ticket = await gate.admit(0, now + 60_000);
    const second = report() as { event: { snapshot: { requestsLeft: number } } };
    const before = (first as unknown as { event: { snapshot: { requestsLeft: number } } }).event.snapshot;
    expect(second.event.snapshot.requestsLeft).toBe(before.requestsLeft - 1);
    expect(report()).toBeUndefined();
    now += 1_000;
    gate.done(ticket, 0, undefined);
    expect(report()).toMatchObject({ event: { kind: "limiter" } });
  });

  it("tells onChange of every change it reports (admit, done, learn)", async () => {
    const gate = new RateGate({ rpm: 60 }, () => 1_000);
    let told = 0;
    gate.onChange = () => {
      told++;
    };
    const ticket = await gate.admit(0, 61_000);
    gate.done(ticket, 0, undefined);
    gate.learn({ requests: { limit: 60, remaining: 59, resetMs: 1_000 } });
    expect(told).toBe(3);
    expect(gate.changes).toBe(3);
  });
});
