import { describe, expect, it } from "vitest";
import type { Pending } from "../../../src/CallTable.js";
import { cutFailure, queueFullRefusal, retiredFailure } from "../../../src/proxyFailures.js";

function pending(over: Partial<Pending> = {}, redeliverable = true): Pending {
  return {
    id: 1,
    message: { type: "cancel", id: 1, reason: "closed" },
    deliveries: 1,
    crashes: 0,
    link: undefined,
    redeliver: "unanswered",
    redeliverable: () => redeliverable,
    receive: () => true,
    fail: () => {},
    ...over,
  };
}

describe("cutFailure", () => {
  it("holds a redeliverable call after a crash while it has crashes left", () => {
    expect(cutFailure("c", pending({ crashes: 1 }), "crash", 1)).toBeUndefined();
  });

  it("fails a call whose crashes exceed maxRedeliveries with ERR_WORKER_CRASHED", () => {
    const error = cutFailure("c", pending({ crashes: 2, deliveries: 2 }), "crash", 1);
    expect(error?.code).toBe("ERR_WORKER_CRASHED");
    expect(error?.message).toContain("delivered 2 times");
    expect(error?.message).toContain("maxRedeliveries 1");
  });

  it("never spends the budget on a restart or a stop", () => {
    expect(cutFailure("c", pending({ crashes: 9 }), "restart", 0)).toBeUndefined();
    expect(cutFailure("c", pending({ crashes: 9 }), "stop", 0)).toBeUndefined();
  });

  it("fails a stream already read from, with the stop's code when stopped", () => {
    expect(cutFailure("c", pending({}, false), "stop", 3)?.code).toBe("ERR_SYSTEM_STOPPED");
    expect(cutFailure("c", pending({}, false), "restart", 3)?.code).toBe("ERR_WORKER_CRASHED");
  });

  it('fails a call that asked redeliver: "never"', () => {
    const error = cutFailure("c", pending({ redeliver: "never" }), "crash", 3);
    expect(error?.message).toContain('redeliver: "never"');
  });
});

describe("refusals", () => {
  it("names the bound of a full queue", () => {
    const error = queueFullRefusal("c", 5, 4, 1);
    expect(error.code).toBe("ERR_QUEUE_FULL");
    expect(error.message).toContain("maxConcurrency 4 + maxQueue 1");
  });

  it("says why a retired client fails", () => {
    expect(retiredFailure("c", "ERR_SYSTEM_STOPPED", 1).message).toContain("the system stopped");
    expect(retiredFailure("c", "ERR_CLIENT_UNAVAILABLE", 0).message).toContain("will not be restarted");
  });
});
