import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { BreakerSettings } from "../../../../src/types.js";
import { AttemptFailure } from "../../../../workers/http/AttemptFailure.js";
import { Breaker, type BreakerEvent } from "../../../../workers/resilience/Breaker.js";

const settings: Required<BreakerSettings> = {
  kind: "consecutive",
  failures: 3,
  threshold: 0.5,
  durationMs: 10_000,
  minimumRps: 5,
  halfOpenAfterMs: 1_000,
  maxHalfOpenAfterMs: 3_000,
};

const down = new AttemptFailure("network", { code: "ERR_NETWORK", message: "refused" });
const busy = new AttemptFailure("status", { code: "ERR_RATE_LIMITED", message: "429", status: 429 });
const overloaded = new AttemptFailure("status", { code: "ERR_HTTP", message: "529", status: 529 });
const fail = (failure: AttemptFailure) => () => Promise.reject(failure);
const ok = () => Promise.resolve("ok");

async function outcome(breaker: Breaker, attempt: () => Promise<unknown>): Promise<string> {
  try {
    await breaker.execute(attempt);
    return "ok";
  } catch (error) {
    return (error as AttemptFailure).data.code;
  }
}

describe("Breaker", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("opens after `failures` counted failures in a row, then fails fast without running the attempt", async () => {
    const events: BreakerEvent[] = [];
    const breaker = new Breaker(settings, { onChange: (e) => events.push(e) });
    expect(breaker.state).toBe("closed");
    expect(await outcome(breaker, fail(down))).toBe("ERR_NETWORK");
    expect(await outcome(breaker, fail(busy))).toBe("ERR_RATE_LIMITED");
    expect(breaker.state).toBe("closed");
    expect(await outcome(breaker, fail(overloaded))).toBe("ERR_HTTP");
    expect(breaker.state).toBe("open");
    expect(breaker.isOpen).toBe(true);
    let ran = false;
    expect(
      await outcome(breaker, async () => {
        ran = true;
      }),
    ).toBe("ERR_CIRCUIT_OPEN");
    expect(ran).toBe(false);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: "breaker", state: "open", previous: "closed" });
    expect(events[0]?.snapshot).toEqual(breaker.toJSON());
  });

  it("does not count 4xx, a 429 with a retry hint, bad bodies, cancels or the caller's deadline; a success resets the count", async () => {
    const breaker = new Breaker(settings);
    const notCounted = [
      ...[400, 401, 403, 404, 422].map(
        (s) => new AttemptFailure("status", { code: "ERR_HTTP", message: String(s), status: s }),
      ),
      // The vendor's rate limit with a retry hint: the rate gate cools the client down for it.
      new AttemptFailure("status", {
        code: "ERR_RATE_LIMITED",
        message: "429",
        status: 429,
        retryAfterMs: 200,
      }),
      new AttemptFailure("bad_response", { code: "ERR_BAD_RESPONSE", message: "x" }),
      new AttemptFailure("aborted", { code: "ERR_ABORTED", message: "x" }),
      new AttemptFailure("deadline", { code: "ERR_TIMEOUT", message: "x" }),
    ];
    await outcome(breaker, fail(down));
    await outcome(breaker, fail(down));
    for (const failure of notCounted) await outcome(breaker, fail(failure));
    expect(breaker.state).toBe("closed");
    await outcome(breaker, ok);
    await outcome(breaker, fail(down));
    await outcome(breaker, fail(down));
    expect(breaker.state).toBe("closed");
  });

  it("half-opens after halfOpenAfterMs: a good probe closes it, a bad one reopens it for twice as long", async () => {
    const events: BreakerEvent[] = [];
    const breaker = new Breaker({ ...settings, failures: 1 }, { onChange: (e) => events.push(e) });
    await outcome(breaker, fail(down));
    expect(breaker.state).toBe("open");
    vi.setSystemTime(1_000_000 + 999);
    expect(await outcome(breaker, ok)).toBe("ERR_CIRCUIT_OPEN");
    vi.setSystemTime(1_000_000 + 1_000);
    expect(await outcome(breaker, fail(down))).toBe("ERR_NETWORK"); // the probe
    expect(breaker.state).toBe("open");
    const reopenedAt = Date.now();
    vi.setSystemTime(reopenedAt + 1_999);
    expect(await outcome(breaker, ok)).toBe("ERR_CIRCUIT_OPEN");
    vi.setSystemTime(reopenedAt + 2_000);
    expect(await outcome(breaker, ok)).toBe("ok");
    expect(breaker.state).toBe("closed");
    expect(events.map((e) => `${e.previous}->${e.state}`)).toEqual([
      "closed->open",
      "open->half_open",
      "half_open->open",
      "open->half_open",
      "half_open->closed",
    ]);
  });

  it("caps the wait before a probe at maxHalfOpenAfterMs", async () => {
    const breaker = new Breaker({ ...settings, failures: 1 });
    await outcome(breaker, fail(down));
    for (let i = 0; i < 4; i++) {
      vi.setSystemTime(Date.now() + 3_000);
      expect(await outcome(breaker, fail(down))).toBe("ERR_NETWORK");
    }
    vi.setSystemTime(Date.now() + 2_999);
    expect(await outcome(breaker, ok)).toBe("ERR_CIRCUIT_OPEN");
    vi.setSystemTime(Date.now() + 1);
    expect(await outcome(breaker, ok)).toBe("ok");
  });

  it("counts a probe cut short by its caller as a failure (it proved nothing)", async () => {
    const breaker = new Breaker({ ...settings, failures: 1 });
    await outcome(breaker, fail(down));
    vi.setSystemTime(Date.now() + 1_000);
    await outcome(breaker, fail(new AttemptFailure("aborted", { code: "ERR_ABORTED", message: "x" })));
    expect(breaker.state).toBe("open");
  });

  it("restores an open breaker from a snapshot (it stays open) and resumes the backoff", async () => {
    const first = new Breaker({ ...settings, failures: 1 });
    await outcome(first, fail(down));
    const snapshot = structuredClone(first.toJSON());
    vi.setSystemTime(Date.now() + 500);
    const restored = new Breaker({ ...settings, failures: 1 }, { initialState: snapshot });
    expect(restored.state).toBe("open");
    let ran = false;
    expect(
      await outcome(restored, async () => {
        ran = true;
      }),
    ).toBe("ERR_CIRCUIT_OPEN");
    expect(ran).toBe(false);
    vi.setSystemTime(Date.now() + 500);
    expect(await outcome(restored, ok)).toBe("ok");
    expect(restored.state).toBe("closed");
  });

  it("restores the failure count of a closed breaker", async () => {
    const first = new Breaker(settings);
    await outcome(first, fail(down));
    await outcome(first, fail(down));
    const restored = new Breaker(settings, { initialState: structuredClone(first.toJSON()) });
    await outcome(restored, fail(down));
    expect(restored.state).toBe("open");
  });

  it("ignores a snapshot of the wrong shape (starts closed and still counts)", async () => {
    for (const junk of [
      42,
      null,
      { ownState: { value: 1 } },
      { ownState: { value: 0 }, breakerState: "x" },
    ]) {
      const breaker = new Breaker({ ...settings, failures: 1 }, { initialState: junk });
      expect(breaker.state).toBe("closed");
      await outcome(breaker, fail(down));
      expect(breaker.state).toBe("open");
    }
  });

  it("a sampling breaker opens on the failure rate", async () => {
    const breaker = new Breaker({
      ...settings,
      kind: "sampling",
      threshold: 0.5,
      durationMs: 1_000,
      minimumRps: 1,
    });
    for (let i = 0; i < 4; i++) await outcome(breaker, ok);
    expect(breaker.state).toBe("closed");
    for (let i = 0; i < 5; i++) await outcome(breaker, fail(down));
    expect(breaker.state).toBe("open");
    const restored = new Breaker(
      { ...settings, kind: "sampling", threshold: 0.5, durationMs: 1_000, minimumRps: 1 },
      { initialState: structuredClone(breaker.toJSON()) },
    );
    expect(restored.state).toBe("open");
  });

  it("reports the consecutive count whenever it moves without a state change, and only then", async () => {
    const counts: unknown[] = [];
    const events: BreakerEvent[] = [];
    const breaker = new Breaker(settings, {
      onCount: (snapshot) => counts.push(structuredClone(snapshot)),
      onChange: (e) => events.push(e),
    });
    await outcome(breaker, ok); // 0 -> 0: nothing to say on a healthy path
    expect(counts).toEqual([]);
    await outcome(breaker, fail(down));
    await outcome(breaker, fail(down));
    expect(counts.map((c) => (c as { breakerState: number }).breakerState)).toEqual([1, 2]);
    await outcome(breaker, ok); // back to 0
    await outcome(breaker, ok);
    expect(counts.map((c) => (c as { breakerState: number }).breakerState)).toEqual([1, 2, 0]);
    // Not counted: nothing reported.
    await outcome(
      breaker,
      fail(new AttemptFailure("status", { code: "ERR_HTTP", message: "400", status: 400 })),
    );
    expect(counts).toHaveLength(3);
    // The failure that opens it is told by the state change (with the count in its snapshot).
    await outcome(breaker, fail(down));
    await outcome(breaker, fail(down));
    await outcome(breaker, fail(down));
    expect(breaker.state).toBe("open");
    expect(counts).toHaveLength(5);
    expect(events).toHaveLength(1);
  });

  it("a breaker at failures - 1 that is restored from its last count opens on the next failure", async () => {
    let last: unknown;
    const five = { ...settings, failures: 5 };
    const first = new Breaker(five, { onCount: (snapshot) => (last = structuredClone(snapshot)) });
    for (let i = 0; i < 4; i++) await outcome(first, fail(down));
    expect(first.state).toBe("closed");
    const restored = new Breaker(five, { initialState: last });
    expect(restored.state).toBe("closed");
    await outcome(restored, fail(down));
    expect(restored.state).toBe("open");
  });

  it("reports a sampling breaker's failures at once and its successes at most once per slice", async () => {
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"] });
    vi.setSystemTime(2_000_000);
    const sampling = {
      ...settings,
      kind: "sampling" as const,
      threshold: 0.5,
      durationMs: 1_000,
      minimumRps: 1,
    };
    const counts: Array<{ breakerState: { currentFailures: number; currentSuccesses: number } }> = [];
    const breaker = new Breaker(sampling, {
      onCount: (snapshot) => counts.push(structuredClone(snapshot) as (typeof counts)[number]),
    });
    for (let i = 0; i < 10; i++) await outcome(breaker, ok);
    expect(counts).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(200);
    expect(counts).toHaveLength(1);
    expect(counts[0]?.breakerState.currentSuccesses).toBe(10);
    await outcome(breaker, fail(down));
    expect(counts).toHaveLength(2);
    expect(counts[1]?.breakerState).toMatchObject({ currentFailures: 1, currentSuccesses: 10 });
    // Restored from that report: the window's figures come back.
    const restored = new Breaker(sampling, { initialState: structuredClone(counts[1]) });
    expect(restored.toJSON()).toEqual(breaker.toJSON());
  });

  it("settings false: a pass-through that reports disabled", async () => {
    const breaker = new Breaker(false);
    expect(breaker.state).toBe("disabled");
    for (let i = 0; i < 20; i++) expect(await outcome(breaker, fail(down))).toBe("ERR_NETWORK");
    expect(await outcome(breaker, ok)).toBe("ok");
    expect(breaker.toJSON()).toBeUndefined();
  });
});
