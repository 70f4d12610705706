import { describe, expect, it } from "vitest";
import type { ErrorData } from "../../../../src/errors.js";
import { AttemptFailure, type FailureKind } from "../../../../workers/http/AttemptFailure.js";
import {
  backoffMs,
  decideRetry,
  isRetryable,
  type RetryPlan,
  runWithRetry,
} from "../../../../workers/resilience/RetryPolicy.js";

const plan: RetryPlan = { maxRetries: 2, initialDelayMs: 500, maxDelayMs: 8_000, maxRetryAfterMs: 60_000 };
const NOW = 1_000_000;
const FAR = NOW + 600_000;
const noJitter = () => 0;

function status(code: number, extra: Partial<ErrorData> = {}): AttemptFailure {
  return new AttemptFailure("status", {
    code: code === 429 ? "ERR_RATE_LIMITED" : "ERR_HTTP",
    message: `upstream answered ${code}`,
    status: code,
    ...extra,
  });
}

function kind(k: FailureKind): AttemptFailure {
  const code = k === "network" ? "ERR_NETWORK" : k === "aborted" ? "ERR_ABORTED" : "ERR_TIMEOUT";
  return new AttemptFailure(k, { code, message: k });
}

describe("isRetryable", () => {
  it.each([408, 409, 429, 500, 502, 503, 504, 529])("retries status %i", (s) => {
    expect(isRetryable(status(s))).toBe(true);
  });
  it.each([400, 401, 403, 404, 422])("never retries status %i", (s) => {
    expect(isRetryable(status(s))).toBe(false);
  });
  it("retries connection errors and attempt time-outs, not the deadline, a cancel or a bad body", () => {
    expect(isRetryable(kind("network"))).toBe(true);
    expect(isRetryable(kind("attempt_timeout"))).toBe(true);
    expect(isRetryable(kind("deadline"))).toBe(false);
    expect(isRetryable(kind("aborted"))).toBe(false);
    expect(isRetryable(new AttemptFailure("bad_response", { code: "ERR_BAD_RESPONSE", message: "x" }))).toBe(
      false,
    );
  });
  it("never retries a 429 insufficient_quota", () => {
    expect(isRetryable(status(429, { upstreamCode: "insufficient_quota" }))).toBe(false);
    expect(isRetryable(status(429, { upstreamCode: "rate_limit_exceeded" }))).toBe(true);
  });
});

describe("backoffMs", () => {
  it("doubles from initialDelayMs up to maxDelayMs", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffMs(plan, n, noJitter))).toEqual([
      500, 1_000, 2_000, 4_000, 8_000, 8_000, 8_000,
    ]);
  });
  it("jitters down by at most 25 %", () => {
    expect(backoffMs(plan, 1, () => 0.999_999)).toBe(375);
    expect(backoffMs(plan, 2, () => 0.5)).toBe(875);
  });
});

describe("decideRetry", () => {
  it("retries with backoff while retries remain", () => {
    expect(decideRetry(status(503), 1, plan, NOW, FAR, false, noJitter)).toEqual({
      retry: true,
      delayMs: 500,
    });
    expect(decideRetry(status(503), 2, plan, NOW, FAR, false, noJitter)).toEqual({
      retry: true,
      delayMs: 1_000,
    });
    expect(decideRetry(status(503), 3, plan, NOW, FAR, false, noJitter)).toMatchObject({
      retry: false,
      error: { code: "ERR_HTTP", status: 503 },
    });
  });

  it("waits exactly what upstream asked (no jitter), up to maxRetryAfterMs", () => {
    const asked = status(429, { retryAfterMs: 1_234 });
    expect(decideRetry(asked, 1, plan, NOW, FAR, false, () => 0.9)).toEqual({ retry: true, delayMs: 1_234 });
    const zero = status(429, { retryAfterMs: 0 });
    expect(decideRetry(zero, 1, plan, NOW, FAR, false, () => 0.9)).toEqual({ retry: true, delayMs: 0 });
  });

  it("fails at once with ERR_RATE_LIMITED carrying retryAfterMs when upstream asks for longer than the cap", () => {
    const asked = status(429, { retryAfterMs: 120_000 });
    expect(decideRetry(asked, 1, plan, NOW, FAR + 1e9, false, noJitter)).toEqual({
      retry: false,
      error: expect.objectContaining({ code: "ERR_RATE_LIMITED", status: 429, retryAfterMs: 120_000 }),
    });
  });

  it("does not retry insufficient_quota nor another 4xx", () => {
    expect(
      decideRetry(status(429, { upstreamCode: "insufficient_quota" }), 1, plan, NOW, FAR, false, noJitter),
    ).toMatchObject({ retry: false, error: { upstreamCode: "insufficient_quota" } });
    expect(decideRetry(status(400), 1, plan, NOW, FAR, false, noJitter)).toMatchObject({ retry: false });
  });

  it("stops when the breaker is open", () => {
    expect(decideRetry(status(503), 1, plan, NOW, FAR, true, noJitter)).toMatchObject({
      retry: false,
      error: { status: 503 },
    });
  });

  it("stops with the last error when the next attempt would start at or after the deadline", () => {
    expect(decideRetry(status(503), 1, plan, NOW, NOW + 500, false, noJitter)).toMatchObject({
      retry: false,
      error: { code: "ERR_HTTP", status: 503 },
    });
    expect(decideRetry(status(503), 1, plan, NOW, NOW + 501, false, noJitter)).toEqual({
      retry: true,
      delayMs: 500,
    });
  });

  it("stops with ERR_TIMEOUT when the deadline itself has passed", () => {
    expect(decideRetry(kind("network"), 1, plan, NOW, NOW, false, noJitter)).toMatchObject({
      retry: false,
      error: { code: "ERR_TIMEOUT" },
    });
  });
});

describe("runWithRetry", () => {
  function harness(failures: AttemptFailure[], opts: { deadline?: number; open?: () => boolean } = {}) {
    let now = NOW;
    const sleeps: number[] = [];
    const retries: [number, number, string][] = [];
    let calls = 0;
    const attempt = async () => {
      calls++;
      const failure = failures.shift();
      if (failure !== undefined) throw failure;
      return "ok";
    };
    const run = runWithRetry(attempt, {
      plan,
      deadline: opts.deadline ?? FAR,
      signal: undefined,
      clock: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
      random: noJitter,
      breakerOpen: opts.open ?? (() => false),
      onRetry: (retry, delayMs, failure) => retries.push([retry, delayMs, failure.data.code]),
    });
    return { run, sleeps, retries, calls: () => calls };
  }

  it("succeeds after retries and reports the failed attempts' codes", async () => {
    const h = harness([kind("network"), status(502)]);
    expect(await h.run).toEqual({
      ok: true,
      value: "ok",
      attempts: 3,
      upstreamErrors: ["ERR_NETWORK", "ERR_HTTP"],
    });
    expect(h.sleeps).toEqual([500, 1_000]);
    expect(h.retries).toEqual([
      [1, 500, "ERR_NETWORK"],
      [2, 1_000, "ERR_HTTP"],
    ]);
  });

  it("gives up after maxRetries with the last error", async () => {
    const h = harness([status(500), status(502), status(503), status(504)]);
    expect(await h.run).toMatchObject({ ok: false, attempts: 3, error: { status: 503 } });
    expect(h.calls()).toBe(3);
  });

  it("succeeds at once without upstreamErrors", async () => {
    const h = harness([]);
    expect(await h.run).toEqual({ ok: true, value: "ok", attempts: 1, upstreamErrors: undefined });
  });

  it("an open breaker before the first attempt fails with ERR_CIRCUIT_OPEN and 0 attempts", async () => {
    const open = new AttemptFailure("circuit_open", { code: "ERR_CIRCUIT_OPEN", message: "open" });
    const h = harness([open]);
    expect(await h.run).toMatchObject({ ok: false, attempts: 0, error: { code: "ERR_CIRCUIT_OPEN" } });
  });

  it("a breaker that opened between attempts ends the loop with the last upstream error", async () => {
    const open = new AttemptFailure("circuit_open", { code: "ERR_CIRCUIT_OPEN", message: "open" });
    const h = harness([status(503), open]);
    expect(await h.run).toMatchObject({
      ok: false,
      attempts: 1,
      error: { status: 503 },
      upstreamErrors: ["ERR_HTTP"],
    });
  });

  it("stops retrying when the breaker reports open", async () => {
    let open = false;
    const h = harness([status(503), status(503)], { open: () => open });
    open = true;
    expect(await h.run).toMatchObject({ ok: false, attempts: 1 });
    expect(h.sleeps).toEqual([]);
  });

  it("stops when the deadline leaves no room for the backoff", async () => {
    const h = harness([status(503), status(503)], { deadline: NOW + 1_200 });
    expect(await h.run).toMatchObject({ ok: false, attempts: 2, error: { status: 503 } });
    expect(h.sleeps).toEqual([500]);
  });
});
