import { describe, expect, it } from "vitest";
import { RateLedger } from "../../../../workers/traffic/RateLedger.js";

describe("RateLedger", () => {
  it("with no limits and no headers: unbounded, tickets counted, nothing charged", () => {
    const ledger = new RateLedger({}, 0);
    expect(ledger.bounded).toBe(false);
    expect(ledger.countsTokens).toBe(false);
    expect(ledger.pass()).toBe(1);
    expect(ledger.pass()).toBe(2);
    expect(ledger.fits(1_000_000, 0)).toBe(true);
    expect(ledger.snapshot(0, 0)).toEqual({ source: "none", waiting: 0 });
  });

  it("configured rpm: full at the start, charged per attempt, refilled at rpm / minute", () => {
    const ledger = new RateLedger({ rpm: 60 }, 0);
    expect(ledger.bounded).toBe(true);
    for (let i = 0; i < 60; i++) ledger.take(0, 0);
    expect(ledger.fits(0, 0)).toBe(false);
    expect(ledger.waitFor(0, 0)).toBe(1_000);
    expect(ledger.fits(0, 1_000)).toBe(true);
    expect(ledger.snapshot(3, 1_000)).toEqual({
      source: "configured",
      waiting: 3,
      rpm: 60,
      requestsLeft: 1,
      requestsCapacity: 60,
    });
  });

  it("release settles the tokens used against the estimate", () => {
    const ledger = new RateLedger({ tpm: 1_000 }, 0);
    const ticket = ledger.take(100, 0);
    expect(ledger.snapshot(0, 0).tokensLeft).toBe(900);
    ledger.release(100, 300, 0);
    expect(ticket).toBe(1);
    expect(ledger.snapshot(0, 0).tokensLeft).toBe(700);
    ledger.take(50, 0);
    ledger.release(50, undefined, 0); // failed: nothing charged
    expect(ledger.snapshot(0, 0).tokensLeft).toBe(700);
  });

  it("learns a bucket from headers; a rate still a guess promises no wait", () => {
    const ledger = new RateLedger({}, 0);
    const ticket = ledger.take(0, 0);
    // One spent (of one) says nothing about the rate.
    ledger.learn({ requests: { limit: 1, remaining: 0, resetMs: 6_000 } }, ticket, 0);
    expect(ledger.bounded).toBe(true);
    expect(ledger.snapshot(0, 0).source).toBe("learned");
    expect(ledger.fits(0, 0)).toBe(false);
    expect(ledger.promisedWaitMs(1, 0, 0)).toBe(0);
  });

  it("a rate read from a wide span is promised", () => {
    const ledger = new RateLedger({}, 0);
    const ticket = ledger.take(0, 0);
    // Ten spent, full again in 10 s: about one a second.
    ledger.learn({ requests: { limit: 10, remaining: 0, resetMs: 10_000 } }, ticket, 0);
    expect(ledger.promisedWaitMs(1, 0, 0)).toBeGreaterThan(900);
  });

  it("configured limits stay the ceiling: headers only lower the level", () => {
    const ledger = new RateLedger({ rpm: 60 }, 0);
    const ticket = ledger.take(0, 0);
    expect(ledger.learn({ requests: { limit: 1_000, remaining: 10, resetMs: 1_000 } }, ticket, 0)).toBe(
      false,
    );
    expect(ledger.snapshot(0, 0)).toMatchObject({ rpm: 60, requestsCapacity: 60, requestsLeft: 10 });
  });
});
