import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Cancellation } from "../../../../workers/Cancellation.js";
import { GateQueue } from "../../../../workers/traffic/GateQueue.js";

let now = 0;
const clock = () => now;

beforeEach(() => {
  vi.useFakeTimers();
  now = 0;
});
afterEach(() => {
  vi.useRealTimers();
});

async function advance(ms: number): Promise<void> {
  now += ms;
  await vi.advanceTimersByTimeAsync(ms);
}

describe("GateQueue", () => {
  it("keeps waiters in arrival order and counts their tokens", () => {
    const queue = new GateQueue(clock, () => {});
    void queue.wait(5, 1_000, undefined);
    void queue.wait(7, 1_000, undefined);
    expect(queue.size).toBe(2);
    expect(queue.tokens).toBe(12);
    const head = queue.head();
    expect(head.tokens).toBe(5);
    expect([...queue.waiters].map((w) => w.tokens)).toEqual([5, 7]);
    expect(queue.remove(head)).toBe(true);
    expect(queue.remove(head)).toBe(false);
    expect(queue.tokens).toBe(7);
  });

  it("resolves a waiter with the ticket the gate gives it", async () => {
    const queue = new GateQueue(clock, () => {});
    const ticket = queue.wait(1, 1_000, undefined);
    const waiter = queue.head();
    queue.remove(waiter);
    waiter.resolve(42);
    await expect(ticket).resolves.toBe(42);
  });

  it("an abort takes the waiter out, rejects it with the signal's reason and wakes the gate", async () => {
    const wake = vi.fn();
    const queue = new GateQueue(clock, wake);
    const signal = new Cancellation();
    const ticket = queue.wait(3, 1_000, signal);
    const reason = new Error("left");
    signal.abort(reason);
    await expect(ticket).rejects.toBe(reason);
    expect(queue.size).toBe(0);
    expect(queue.tokens).toBe(0);
    expect(wake).toHaveBeenCalledTimes(1);
  });

  it("a waiter taken out before the abort is left alone by it", () => {
    const wake = vi.fn();
    const queue = new GateQueue(clock, wake);
    const signal = new Cancellation();
    void queue.wait(1, 1_000, signal);
    queue.remove(queue.head());
    signal.abort(new Error("late"));
    expect(wake).not.toHaveBeenCalled();
  });

  it("keeps one timer, armed for the soonest wake", async () => {
    const wake = vi.fn();
    const queue = new GateQueue(clock, wake);
    queue.schedule(500);
    queue.schedule(900); // later: the armed timer stays
    queue.schedule(200); // sooner: re-armed
    await advance(199);
    expect(wake).not.toHaveBeenCalled();
    await advance(1);
    expect(wake).toHaveBeenCalledTimes(1);
    await advance(1_000);
    expect(wake).toHaveBeenCalledTimes(1);
  });

  it("close stops the timer", async () => {
    const wake = vi.fn();
    const queue = new GateQueue(clock, wake);
    queue.schedule(10);
    queue.close();
    await advance(100);
    expect(wake).not.toHaveBeenCalled();
  });
});
