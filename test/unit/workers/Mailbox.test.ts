import { describe, expect, it } from "vitest";
import { isDspexError } from "../../../src/errors.js";
import { Mailbox } from "../../../workers/Mailbox.js";

describe("Mailbox", () => {
  it("grants up to maxConcurrency slots at once, then queues", async () => {
    const box = new Mailbox(2, 10);
    await box.acquire();
    await box.acquire();
    let third = false;
    const waiting = box.acquire().then(() => {
      third = true;
    });
    await Promise.resolve();
    expect(box.active).toBe(2);
    expect(box.queued).toBe(1);
    expect(third).toBe(false);
    box.release();
    await waiting;
    expect(third).toBe(true);
    expect(box.active).toBe(2); // the slot was handed over, not freed
    expect(box.queued).toBe(0);
  });

  it("rejects with ERR_QUEUE_FULL at once beyond maxQueue", async () => {
    const box = new Mailbox(1, 2);
    await box.acquire();
    const queued = [box.acquire(), box.acquire()];
    await expect(box.acquire()).rejects.toSatisfy((e) => isDspexError(e, "ERR_QUEUE_FULL"));
    expect(box.queued).toBe(2);
    box.release();
    box.release();
    await Promise.all(queued);
  });

  it("with maxQueue 0 nobody waits", async () => {
    const box = new Mailbox(1, 0);
    await box.acquire();
    await expect(box.acquire()).rejects.toSatisfy((e) => isDspexError(e, "ERR_QUEUE_FULL"));
  });

  it("serves waiters first in, first out", async () => {
    const box = new Mailbox(1, 10);
    await box.acquire();
    const order: number[] = [];
    const waits = [1, 2, 3, 4].map((n) => box.acquire().then(() => order.push(n)));
    for (let i = 0; i < 4; i++) {
      box.release();
      await waits[i];
    }
    expect(order).toEqual([1, 2, 3, 4]);
  });

  it("drops a waiter whose signal aborts: it never gets a slot and the next one does", async () => {
    const box = new Mailbox(1, 10);
    await box.acquire();
    const controller = new AbortController();
    let cancelledGotSlot = false;
    const cancelled = box.acquire(controller.signal).then(() => {
      cancelledGotSlot = true;
    });
    const next = box.acquire();
    controller.abort(new Error("gone"));
    await expect(cancelled).rejects.toThrow("gone");
    expect(box.queued).toBe(1);
    box.release();
    await next;
    expect(cancelledGotSlot).toBe(false);
    expect(box.active).toBe(1);
    box.release();
    expect(box.active).toBe(0);
  });

  it("rejects at once when the signal is already aborted", async () => {
    const box = new Mailbox(1, 1);
    await expect(box.acquire(AbortSignal.abort(new Error("early")))).rejects.toThrow("early");
    expect(box.active).toBe(0);
  });
});
