import { MessageChannel } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { Outbox, unbatch } from "../../../src/Outbox.js";

function target() {
  const sent: unknown[] = [];
  return { sent, postMessage: (m: unknown) => void sent.push(m) };
}

describe("Outbox", () => {
  it("appends the trailer's message last in a flush, never schedules a flush for it alone", async () => {
    const t = target();
    const box = new Outbox<{ type: string; n: number }>(t, "microtask");
    let state = 0;
    box.trailer = () => (state === 0 ? undefined : { type: "state", n: state });
    state = 7;
    await Promise.resolve();
    expect(t.sent).toEqual([]); // nothing posted: no flush, no trailer
    box.post({ type: "reply", n: 1 });
    box.post({ type: "reply", n: 2 });
    await Promise.resolve();
    expect(t.sent).toEqual([
      {
        type: "batch",
        messages: [
          { type: "reply", n: 1 },
          { type: "reply", n: 2 },
          { type: "state", n: 7 },
        ],
      },
    ]);
    state = 0;
    box.post({ type: "reply", n: 3 });
    await Promise.resolve();
    expect(t.sent[1]).toEqual({ type: "reply", n: 3 });
  });

  it("poke() sends the trailer alone when nothing else is posted, and nothing when it has nothing", async () => {
    const t = target();
    const box = new Outbox<{ type: string; n: number }>(t, "immediate");
    let state = 0;
    box.trailer = () => (state === 0 ? undefined : { type: "state", n: state });
    box.poke();
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.sent).toEqual([]);
    state = 3;
    box.poke();
    box.poke(); // one flush for both
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.sent).toEqual([{ type: "state", n: 3 }]);
    box.close();
    box.poke();
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.sent).toHaveLength(1);
  });

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

  it("a message that cannot be cloned fails alone: the rest of its batch and later posts still go", async () => {
    const { port1, port2 } = new MessageChannel();
    const received: unknown[] = [];
    port2.on("message", (m) => received.push(m));
    const undeliverable: unknown[] = [];
    const box = new Outbox<{ type: string; n: number; f?: unknown }>(port1, "microtask", (m, error) =>
      undeliverable.push([m.n, (error as Error).name]),
    );
    box.post({ type: "call", n: 1 });
    box.post({ type: "call", n: 2, f: () => 2 });
    box.post({ type: "call", n: 3 });
    expect(() => box.flush()).not.toThrow();
    box.post({ type: "call", n: 4 });
    await Promise.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(undeliverable).toEqual([[2, "DataCloneError"]]);
    expect(received).toEqual([1, 3, 4].map((n) => ({ type: "call", n })));
    port1.close();
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

  it("moves the buffers a message lists: the batch carries every transfer, the sender keeps none", async () => {
    const { port1, port2 } = new MessageChannel();
    const received = new Promise<unknown>((resolve) => port2.once("message", resolve));
    const box = new Outbox<{ type: string; data?: Float32Array }>(port1, "microtask");
    const a = new Float32Array([1, 2]);
    const b = new Float32Array([3]);
    box.post({ type: "x", data: a }, [a.buffer]);
    box.post({ type: "plain" });
    box.post({ type: "y", data: b }, [b.buffer]);
    const message = (await received) as { messages: { data?: Float32Array }[] };
    // Transferred, not copied: the sender's buffers are detached.
    expect([a.buffer.byteLength, b.buffer.byteLength]).toEqual([0, 0]);
    expect(message.messages.map((m) => (m.data === undefined ? [] : Array.from(m.data)))).toEqual([
      [1, 2],
      [],
      [3],
    ]);
    port1.close();
    port2.close();
  });

  it("sends a message alone with its own transfer list when its batch cannot be cloned", async () => {
    const sent: { message: unknown; transfer: unknown }[] = [];
    const failed: unknown[] = [];
    const t = {
      postMessage(message: unknown, transfer?: readonly unknown[]) {
        if ((message as { type: string }).type === "batch") throw new Error("DataCloneError");
        if ((message as { bad?: boolean }).bad === true) throw new Error("DataCloneError");
        sent.push({ message, transfer });
      },
    };
    const box = new Outbox<{ type: string; bad?: boolean }>(t, "microtask", (m) => failed.push(m));
    const buffer = new ArrayBuffer(4);
    box.post({ type: "vectors" }, [buffer]);
    box.post({ type: "broken", bad: true });
    box.post({ type: "plain" });
    await Promise.resolve();
    expect(sent).toEqual([
      { message: { type: "vectors" }, transfer: [buffer] },
      { message: { type: "plain" }, transfer: undefined },
    ]);
    expect(failed).toEqual([{ type: "broken", bad: true }]);
  });
});
