/**
 * The rate gate against the mock server's own limiter (`mock/limits.ts`, the buckets the bench's server
 * enforces), in simulated time: the bench's rate-limit scenario (1,000 calls at once, 600 per "minute"
 * scaled to 6 s, no configuration) played on a fake clock, so the figure measures the gate's logic and
 * not how busy the machine is. Requests cross a simulated network (`netMs` each way), the vendor charges
 * them on arrival and answers after `latencyMs`; 64 slots stand for the mailbox; every attempt goes
 * through `passGate` as in the worker.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { KeyLimiter } from "../../../../mock/limits.js";
import { AttemptFailure } from "../../../../workers/http/AttemptFailure.js";
import { passGate } from "../../../../workers/traffic/passGate.js";
import { RateGate } from "../../../../workers/traffic/RateGate.js";
import { readHeaderObject } from "../../../../workers/traffic/rateLimitHeaders.js";

interface Scenario {
  calls: number;
  rpm: number;
  windowMs: number;
  latencyMs: number;
  netMs: number;
  slots: number;
  /** Up to this much more on each request's way to the vendor (reordering, a connection being set up). */
  sendJitterMs?: number;
  /** `limits.firstContactMs` (default: none, as a client with no configuration). */
  firstContactMs?: number;
}

interface Outcome {
  ok: number;
  requests: number;
  refused: number;
  /** Calls completed over what the limit allows in the run's time (the bench's figure). */
  ratio: number;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function simulate(s: Scenario): Promise<Outcome> {
  const vendor = new KeyLimiter({ rpm: s.rpm, tpm: s.rpm * 1_000, windowMs: s.windowMs });
  const gate = new RateGate(
    s.firstContactMs === undefined ? undefined : { firstContactMs: s.firstContactMs },
    Date.now,
    60_000,
  );
  const start = Date.now();
  const deadline = start + 600_000;
  let free = s.slots;
  const queued: Array<() => void> = [];
  const acquire = (): Promise<void> => {
    if (free === 0) return new Promise<void>((resolve) => queued.push(resolve));
    free--;
    return Promise.resolve();
  };
  const release = () => {
    const next = queued.shift();
    if (next !== undefined) next();
    else free++;
  };
  let requests = 0;
  let refused = 0;
  let ok = 0;
  let seed = 42;
  const jitter = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return Math.floor(((s.sendJitterMs ?? 0) * seed) / 2_147_483_648);
  };
  const attempt = async () => {
    await delay(s.netMs + jitter());
    requests++;
    const verdict = vendor.check("key", 10, "openai", Date.now());
    if (!verdict.allowed) {
      refused++;
      await delay(s.netMs);
      const info = readHeaderObject(verdict.headers, Date.now());
      if (info?.rateLimit !== undefined) gate.learn(info.rateLimit);
      throw new AttemptFailure("status", {
        code: "ERR_RATE_LIMITED",
        message: "429",
        status: 429,
        retryAfterMs: verdict.retryAfterMs,
      });
    }
    await delay(s.latencyMs);
    const headers = vendor.charge("key", 10, "openai", Date.now());
    await delay(s.netMs);
    return readHeaderObject(headers, Date.now());
  };
  const call = async () => {
    await acquire();
    try {
      for (let tries = 0; tries < 3; tries++) {
        try {
          await passGate(gate, 20, deadline, undefined, attempt, (info, ticket) =>
            info?.rateLimit !== undefined && gate.learn(info.rateLimit, ticket) ? 20 : 20,
          );
          ok++;
          return;
        } catch (error) {
          await delay((error as AttemptFailure).data.retryAfterMs ?? 100);
        }
      }
    } finally {
      release();
    }
  };
  const all = Promise.all(Array.from({ length: s.calls }, call));
  await vi.runAllTimersAsync();
  await all;
  const elapsed = Date.now() - start;
  gate.close();
  return { ok, requests, refused, ratio: ok / (s.rpm + (s.rpm * elapsed) / s.windowMs) };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  vi.setSystemTime(1_000_000);
});
afterEach(() => {
  vi.useRealTimers();
});

describe("the rate gate in simulated time (the bench's rate-limit scenario)", () => {
  const bench = { calls: 1_000, rpm: 600, windowMs: 6_000, slots: 64 };

  it.each([
    { latencyMs: 0, netMs: 1 },
    { latencyMs: 20, netMs: 1 },
    { latencyMs: 200, netMs: 5 },
  ])(
    "1,000 calls at once against 600 per 6 s, latency $latencyMs ms: >= 0.95 of the limit, <= 1 % 429",
    async (timing) => {
      const outcome = await simulate({ ...bench, ...timing });
      expect(outcome.ok).toBe(1_000);
      expect(outcome.ratio).toBeGreaterThanOrEqual(0.95);
      expect(outcome.refused / outcome.requests).toBeLessThanOrEqual(0.01);
    },
  );

  it("the demo's scene: 90 calls at once against 30 per second, 20 ms of latency, a first-contact scout: no more than one 429", async () => {
    const scene = { calls: 90, rpm: 30, windowMs: 1_000, slots: 64, latencyMs: 20, netMs: 1 };
    // Blind, the first 64 go at once and 34 meet a 429 (the cooldown then paces the rest).
    const blind = await simulate(scene);
    expect(blind.ok).toBe(90);
    expect(blind.refused).toBe(34);
    const outcome = await simulate({ ...scene, firstContactMs: 2_000 });
    expect(outcome.ok).toBe(90);
    expect(outcome.refused).toBeLessThanOrEqual(1);
  });

  it("requests reordered on the way (up to 50 ms more each): still <= 1 % 429, >= 0.95", async () => {
    const outcome = await simulate({ ...bench, latencyMs: 20, netMs: 1, sendJitterMs: 50 });
    expect(outcome.ok).toBe(1_000);
    expect(outcome.ratio).toBeGreaterThanOrEqual(0.95);
    expect(outcome.refused / outcome.requests).toBeLessThanOrEqual(0.01);
  });

  it.each([1, 5, 30, 100])(
    "120 calls, 8 at a time, against 40 per second, %i ms each way: no 429",
    async (netMs) => {
      const outcome = await simulate({ calls: 120, rpm: 40, windowMs: 1_000, slots: 8, latencyMs: 0, netMs });
      expect(outcome.refused).toBe(0);
    },
  );
});
