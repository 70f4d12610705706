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
  /** Admits now (a ticket, no promise) or fails the test. */
  function now0(gate: RateGate, tokens = 0): number {
    const ticket = gate.admit(tokens, 100_000);
    expect(typeof ticket).toBe("number");
    return ticket as number;
  }
  /** Admits later: the promise of a ticket. */
  function later(gate: RateGate, tokens = 0, deadline = 100_000, signal?: Cancellation): Promise<number> {
    const ticket = gate.admit(tokens, deadline, signal);
    expect(ticket).toBeInstanceOf(Promise);
    return ticket as Promise<number>;
  }

  it("is free (a ticket, no promise) while nothing is known and no first-contact wait is asked for", () => {
    const gate = new RateGate(undefined, clock);
    expect(gate.limited).toBe(false);
    const ticket = now0(gate);
    expect(gate.isProbe(ticket)).toBe(false);
    gate.done(ticket, 0, undefined);
    expect(gate.snapshot()).toEqual({ source: "none", waiting: 0 });
  });

  it("first contact: the first attempt goes alone, and its answer's headers pace the others", async () => {
    const gate = new RateGate({ firstContactMs: 1_000 }, clock);
    expect(gate.limited).toBe(true);
    const scout = now0(gate);
    expect(gate.isProbe(scout)).toBe(true);
    expect(gate.state.kind).toBe("scouting");
    const admitted: number[] = [];
    const waits = [1, 2, 3].map((n) => later(gate).then(() => admitted.push(n)));
    await advance(50);
    expect(admitted).toEqual([]); // nobody goes beside the scout
    // 2 per second; the scout's answer says one is left (three spent, full again in 1.5 s).
    gate.learn({ requests: { limit: 4, remaining: 1, resetMs: 1_500 } }, scout);
    gate.done(scout, 0, 10);
    await advance(0);
    expect(admitted).toEqual([1]);
    expect(gate.snapshot()).toMatchObject({ source: "learned", requestsCapacity: 4, waiting: 2 });
    await advance(700);
    expect(admitted).toEqual([1]); // three spent: paced at the low end, 2 per 1.5 s
    await advance(3_000);
    await Promise.all(waits);
    expect(admitted).toEqual([1, 2, 3]);
  });

  it("first contact: an answer without rate-limit headers opens the gate for good (no promise after)", async () => {
    const gate = new RateGate({ firstContactMs: 1_000 }, clock);
    const scout = now0(gate);
    const second = later(gate);
    gate.done(scout, 0, 10);
    const ticket = await second;
    expect(gate.isProbe(ticket)).toBe(false);
    gate.done(ticket, 0, 10);
    expect(gate.limited).toBe(false);
    now0(gate);
    expect(gate.snapshot()).toEqual({ source: "none", waiting: 0 });
  });

  it("first contact: a scout slower than firstContactMs stops holding the others back", async () => {
    const gate = new RateGate({ firstContactMs: 300 }, clock);
    const scout = now0(gate);
    const admitted: boolean[] = [];
    const waits = [0, 1].map(() => later(gate).then((t) => admitted.push(gate.isProbe(t))));
    await advance(299);
    expect(admitted).toEqual([]);
    await advance(1);
    await Promise.all(waits);
    expect(admitted).toEqual([false, false]);
    expect(gate.state.kind).toBe("open");
    gate.done(scout, 0, undefined); // the scout's late answer changes nothing
    expect(gate.state.kind).toBe("open");
  });

  it("first contact: a scout that meets a 429 with a hint starts a cooldown, then one probe", async () => {
    const gate = new RateGate({ firstContactMs: 1_000 }, clock);
    const scout = now0(gate);
    const waiting = later(gate);
    gate.rateLimited(400);
    gate.done(scout, 0, undefined);
    expect(gate.state).toEqual({ kind: "cooling", until: 400 });
    await advance(400);
    expect(gate.isProbe(await waiting)).toBe(true); // the probe after the cooldown
  });

  it("holds calls past the configured rpm in FIFO order and lets them through as the bucket refills", async () => {
    const gate = new RateGate({ rpm: 60 }, clock); // one per second
    for (let i = 0; i < 60; i++) now0(gate);
    const order: number[] = [];
    const waits = [1, 2, 3].map((n) => later(gate).then(() => order.push(n)));
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
    gate.done(now0(gate, 600), 600, 200); // used less than estimated: 400 given back
    expect(gate.snapshot().tokensLeft).toBe(800);
    const big = now0(gate, 800);
    const waiting = later(gate, 300);
    gate.done(big, 800, undefined); // failed: nothing charged
    expect(gate.isProbe(await waiting)).toBe(false);
  });

  it("learns its limits from headers: rate from (limit - remaining) / reset, level minus the calls in flight", () => {
    const gate = new RateGate({ firstContactMs: 0 }, clock);
    gate.admit(0, 10_000);
    gate.admit(0, 10_000);
    gate.admit(0, 10_000);
    gate.learn({ requests: { limit: 600, remaining: 500, resetMs: 10_000 } });
    const snapshot = gate.snapshot();
    expect(snapshot.source).toBe("learned");
    expect(snapshot.requestsLeft).toBe(498); // two others still in flight
    expect(snapshot.requestsCapacity).toBe(600);
    expect(snapshot.rpm).toBe(585); // 99.5 per 10 s (remaining is rounded down), paced 2 % under
  });

  it("keeps its own count while the vendor's figure allows it, else moves to the nearer bound", () => {
    const gate = new RateGate({ firstContactMs: 1_000 }, clock);
    const scout = now0(gate);
    // 600 a minute (10 a second), a full bucket: 599 left after the scout.
    gate.learn({ requests: { limit: 600, remaining: 599, resetMs: 100 } }, scout);
    gate.done(scout, 0, 10);
    for (let i = 0; i < 10; i++) now0(gate);
    const answered = now0(gate);
    now0(gate);
    expect(gate.snapshot().requestsLeft).toBe(587); // its own count: 599 - 12
    // The vendor had seen eleven of the twelve when it wrote the answer: 588 left, and the other
    // eleven in flight may be unseen, so 577 to 588. Its own count lies there: kept (not 577).
    gate.learn({ requests: { limit: 600, remaining: 588, resetMs: 1_200 } }, answered);
    expect(gate.snapshot().requestsLeft).toBe(587);
    // Someone else spends on the key: the vendor says 500 at most; the level comes down to it.
    gate.learn({ requests: { limit: 600, remaining: 500, resetMs: 10_000 } }, answered);
    expect(gate.snapshot().requestsLeft).toBe(500);
    // The vendor says more than the gate counted, even with every request in flight unseen (a rate
    // learned too low): up to 560 - 11.
    gate.learn({ requests: { limit: 600, remaining: 560, resetMs: 4_000 } }, answered);
    expect(gate.snapshot().requestsLeft).toBe(549);
    // A second later both refilled: the vendor's bound allows what refilled since it was sent.
    now = 1_000;
    const level = gate.snapshot().requestsLeft as number;
    expect(level).toBeGreaterThan(549);
    gate.learn({ requests: { limit: 600, remaining: 560, resetMs: 4_000 } }, answered);
    expect(gate.snapshot().requestsLeft).toBe(level);
  });

  it("refuses nobody on a guessed rate: a bucket whose answers showed nothing spent waits for the next answer", async () => {
    const gate = new RateGate({ firstContactMs: 1_000 }, clock);
    const scout = now0(gate);
    // The scout came back late: the vendor's bucket is full again, so its headers tell no rate.
    gate.learn({ requests: { limit: 2, remaining: 2, resetMs: 0 } }, scout);
    gate.done(scout, 0, 10);
    const first = now0(gate);
    now0(gate);
    expect(gate.expectedWaitMs(10, 0)).toBe(0); // no promise made on the guess (2 per minute)
    const third = later(gate, 0, 1_000); // a short deadline: still not refused
    // An answer that shows two spent tells the rate (its low end: one per second).
    gate.learn({ requests: { limit: 2, remaining: 0, resetMs: 1_000 } }, first);
    gate.done(first, 0, 10);
    await advance(2_100); // one request still in flight after the answered one: two to refill
    expect(gate.isProbe(await third)).toBe(false);
  });

  it("keeps a rate learned from a wide span over one read from a span of a request or two", () => {
    const gate = new RateGate({ firstContactMs: 0 }, clock);
    gate.admit(0, 100_000);
    // 30 per second: 15 spent, full again in 500 ms.
    gate.learn({ requests: { limit: 30, remaining: 15, resetMs: 500 } });
    const rate = gate.snapshot().rpm;
    expect(rate).toBe(Math.round((14.5 / 500) * 0.98 * 60_000));
    // One spent (rounded down from 1.7), full again in 57 ms: 1/57 per ms would be twice too fast.
    gate.learn({ requests: { limit: 30, remaining: 29, resetMs: 57 } });
    expect(gate.snapshot().rpm).toBe(rate);
    // A span as wide replaces it (the limit may have changed).
    gate.learn({ requests: { limit: 30, remaining: 20, resetMs: 600 } });
    expect(gate.snapshot().rpm).toBe(Math.round((9.5 / 600) * 0.98 * 60_000));
  });

  it("a 429 with a hint cools the whole gate down; then one probe goes and the rest wait for its answer", async () => {
    const gate = new RateGate({ firstContactMs: 0 }, clock);
    const cooldowns: number[] = [];
    gate.onCooldown = (until) => cooldowns.push(until);
    gate.rateLimited(1_000);
    expect(cooldowns).toEqual([1_000]);
    expect(gate.snapshot().cooldownUntil).toBe(1_000);
    const admitted: number[] = [];
    const waits = [0, 1, 2].map(() => later(gate).then((ticket) => admitted.push(ticket)));
    await advance(999);
    expect(admitted).toEqual([]);
    await advance(1);
    expect(admitted).toHaveLength(1); // the probe, alone
    const probe = admitted[0] as number;
    expect(gate.isProbe(probe)).toBe(true);
    await advance(5_000);
    expect(admitted).toHaveLength(1);
    gate.done(probe, 0, 10); // the probe answered: everyone goes
    await Promise.all(waits);
    expect(admitted.map((t) => gate.isProbe(t))).toEqual([false, false, false]);
    expect(gate.state.kind).toBe("open");
  });

  it("a cooldown refuses queued calls that cannot wait that long; an aborted waiter leaves the queue", async () => {
    const gate = new RateGate({ rpm: 1 }, clock);
    now0(gate);
    const short = later(gate, 0, 70_000);
    const cancellation = new Cancellation();
    const cancelled = later(gate, 0, 200_000, cancellation);
    const long = later(gate, 0, 500_000);
    gate.rateLimited(100_000);
    await expect(short).rejects.toMatchObject({ kind: "gated", data: { retryAfterMs: 100_000 } });
    cancellation.abort();
    await expect(cancelled).rejects.toMatchObject({ code: "ERR_ABORTED" });
    expect(gate.waiting).toBe(1);
    await advance(100_000);
    expect(gate.isProbe(await long)).toBe(true);
  });
});
