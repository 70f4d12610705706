import { describe, expect, it } from "vitest";
import { Outbox, unbatch } from "../../../src/Outbox.js";

function target() {
  const sent: unknown[] = [];
  return { sent, postMessage: (m: unknown) => void sent.push(m) };
}

describe("Outbox", () => {
  it("sends what one synchronous run posts as one batch, in order, on the next microtask", async () => {
    const t = target();
    const box = new Outbox<{ type: string; n: number }>(t, "microtask");
    box.post({ type: "call", n: 1 });
    box.post({ type: "call", n: 2 });
    box.post({ type: "call", n: 3 });
    expect(t.sent).toEqual([]);
    await Promise.resolve();
    expect(t.sent).toEqual([{ type: "batch", messages: [1, 2, 3].map((n) => ({ type: "call", n })) }]);
  });

  it("sends a lone message as itself, and flushes on setImmediate in immediate mode", async () => {
    const t = target();
    const box = new Outbox<{ type: string }>(t, "immediate");
    box.post({ type: "reply" });
    await Promise.resolve();
    expect(t.sent).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.sent).toEqual([{ type: "reply" }]);
  });

  it("flush() sends at once; close() drops what is queued and everything later", async () => {
    const t = target();
    const box = new Outbox<{ type: string }>(t, "microtask");
    box.post({ type: "a" });
    box.flush();
    expect(t.sent).toEqual([{ type: "a" }]);
    box.post({ type: "b" });
    box.close();
    box.post({ type: "c" });
    await Promise.resolve();
    expect(t.sent).toEqual([{ type: "a" }]);
  });

  it("a target that throws (its port closed) closes the outbox instead of throwing", async () => {
    let calls = 0;
    const box = new Outbox<{ type: string }>(
      {
        postMessage: () => {
          calls++;
          throw new Error("port closed");
        },
      },
      "microtask",
    );
    box.post({ type: "a" });
    expect(() => box.flush()).not.toThrow();
    box.post({ type: "b" });
    box.flush();
    expect(calls).toBe(1);
  });

  it("unbatch hands each message of a batch to the handler, in order", () => {
    const seen: number[] = [];
    unbatch(
      {
        type: "batch",
        messages: [
          { type: "x", n: 1 },
          { type: "x", n: 2 },
        ],
      },
      (m) => seen.push(m.n),
    );
    unbatch({ type: "x", n: 3 }, (m) => seen.push(m.n));
    expect(seen).toEqual([1, 2, 3]);
  });
});
