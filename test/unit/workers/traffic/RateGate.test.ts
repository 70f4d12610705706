import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Cancellation } from "../../../../workers/Cancellation.js";
import { AttemptFailure } from "../../../../workers/http/AttemptFailure.js";
import { RateGate } from "../../../../workers/traffic/RateGate.js";

let now = 0;
const clock = () => now;

beforeEach(() => {
  vi.useFakeTimers();
  now = 0;
});
afterEach(() => {
  vi.useRealTimers();
});

/** Advances the fake clock and the fake timers together. */
async function advance(ms: number): Promise<void> {
  now += ms;
  await vi.advanceTimersByTimeAsync(ms);
}

describe("RateGate", () => {
  it("is free (no promise) while nothing is known", () => {
    const gate = new RateGate(undefined, clock);
    expect(gate.limited).toBe(false);
    expect(gate.admit(0, 1_000)).toBe(false);
    gate.done(false, 0, undefined);
    expect(gate.snapshot()).toEqual({ source: "none", waiting: 0 });
  });

  it("holds calls past the configured rpm in FIFO order and lets them through as the bucket refills", async () => {
    const gate = new RateGate({ rpm: 60 }, clock); // one per second
    for (let i = 0; i < 60; i++) expect(gate.admit(0, 100_000)).toBe(false);
    const order: number[] = [];
    const waits = [1, 2, 3].map((n) =>
      (gate.admit(0, 100_000) as Promise<boolean>).then(() => order.push(n)),
    );
    expect(gate.snapshot()).toMatchObject({ source: "configured", waiting: 3, requestsLeft: 0 });
    await advance(999);
    expect(order).toEqual([]);
    await advance(1);
    expect(order).toEqual([1]);
    await advance(2_000);
    await Promise.all(waits);
    expect(order).toEqual([1, 2, 3]);
  });

  it("refuses at once, with retryAfterMs, a call whose wait would pass its deadline", () => {
    const gate = new RateGate({ rpm: 60 }, clock);
    for (let i = 0; i < 60; i++) gate.admit(0, 100_000);
    let failure: unknown;
    try {
      gate.admit(0, 500);
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(AttemptFailure);
    expect((failure as AttemptFailure).kind).toBe("gated");
    expect((failure as AttemptFailure).data).toMatchObject({ code: "ERR_RATE_LIMITED", retryAfterMs: 1_000 });
    expect(gate.expectedWaitMs(4, 0)).toBe(5_000);
  });

  it("counts tokens and corrects the estimate from the real usage", async () => {
    const gate = new RateGate({ tpm: 1_000 }, clock);
    expect(gate.countsTokens).toBe(true);
    expect(gate.admit(600, 100_000)).toBe(false);
    gate.done(false, 600, 200); // used less than estimated: 400 given back
    expect(gate.snapshot().tokensLeft).toBe(800);
    expect(gate.admit(800, 100_000)).toBe(false);
    const waiting = gate.admit(300, 100_000) as Promise<boolean>;
    gate.done(false, 800, undefined); // failed: nothing charged
    expect(await waiting).toBe(false);
  });

  it("learns its limits from headers: rate from (limit - remaining) / reset, level minus the calls in flight", () => {
    const gate = new RateGate(undefined, clock);
    gate.admit(0, 10_000);
    gate.admit(0, 10_000);
    gate.admit(0, 10_000);
    gate.learn({ requests: { limit: 600, remaining: 500, resetMs: 10_000 } });
    const snapshot = gate.snapshot();
    expect(snapshot.source).toBe("learned");
    expect(snapshot.requestsLeft).toBe(498); // two others still in flight
    expect(snapshot.requestsCapacity).toBe(600);
    expect(snapshot.rpm).toBe(588); // 100 per 10 s, paced 2 % under
  });

  it("a 429 with a hint cools the whole gate down; then one probe goes and the rest wait for its answer", async () => {
    const gate = new RateGate(undefined, clock);
    const cooldowns: number[] = [];
    gate.onCooldown = (until) => cooldowns.push(until);
    gate.rateLimited(1_000);
    expect(cooldowns).toEqual([1_000]);
    expect(gate.snapshot().cooldownUntil).toBe(1_000);
    const admitted: boolean[] = [];
    const waits = [0, 1, 2].map(() =>
      (gate.admit(0, 100_000) as Promise<boolean>).then((probe) => admitted.push(probe)),
    );
    await advance(999);
    expect(admitted).toEqual([]);
    await advance(1);
    expect(admitted).toEqual([true]); // the probe, alone
    await advance(5_000);
    expect(admitted).toEqual([true]);
    gate.done(true, 0, 10); // the probe answered: everyone goes
    await Promise.all(waits);
    expect(admitted).toEqual([true, false, false]);
    expect(gate.state.kind).toBe("open");
  });

  it("a cooldown refuses queued calls that cannot wait that long; an aborted waiter leaves the queue", async () => {
    const gate = new RateGate({ rpm: 1 }, clock);
    gate.admit(0, 100_000);
    const short = gate.admit(0, 70_000) as Promise<boolean>;
    const cancellation = new Cancellation();
    const cancelled = gate.admit(0, 200_000, cancellation) as Promise<boolean>;
    const long = gate.admit(0, 500_000) as Promise<boolean>;
    gate.rateLimited(100_000);
    await expect(short).rejects.toMatchObject({ kind: "gated", data: { retryAfterMs: 100_000 } });
    cancellation.abort();
    await expect(cancelled).rejects.toMatchObject({ code: "ERR_ABORTED" });
    expect(gate.waiting).toBe(1);
    await advance(100_000);
    expect(await long).toBe(true);
  });
});
