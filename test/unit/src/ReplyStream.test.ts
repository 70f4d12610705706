import { describe, expect, it } from "vitest";
import { dspexError } from "../../../src/errors.js";
import { ReplyStream } from "../../../src/ReplyStream.js";
import type { StreamChunk } from "../../../src/types.js";

const chunk = (text: string, last?: Partial<StreamChunk>): StreamChunk => ({ text, cached: false, ...last });

function harness(highWaterMark = 8, signal?: AbortSignal) {
  const log = { started: 0, credit: [] as number[], cancels: [] as string[] };
  const stream = new ReplyStream({
    highWaterMark,
    signal,
    client: "c",
    onStart: () => log.started++,
    onCredit: (n) => log.credit.push(n),
    onCancel: (reason) => log.cancels.push(reason),
  });
  return { stream, log };
}

describe("ReplyStream", () => {
  it("starts on the first pull, yields chunks in order and exposes the finish", async () => {
    const { stream, log } = harness();
    expect(log.started).toBe(0);
    const pull = stream.next();
    expect(log.started).toBe(1);
    stream.push([chunk("Hel"), chunk("lo")]);
    stream.push([
      chunk("", {
        finishReason: "stop",
        usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 },
        model: "m",
      }),
    ]);
    stream.end("stop", { attempts: 1 });
    const texts = [(await pull).value?.text];
    for await (const c of stream) texts.push(c.text);
    expect(texts).toEqual(["Hel", "lo", ""]);
    expect(stream.text).toBe("Hello");
    expect(stream.finishReason).toBe("stop");
    expect(stream.usage?.totalTokens).toBe(3);
    expect(stream.model).toBe("m");
    expect(stream.meta).toEqual({ attempts: 1 });
    expect(stream.state).toBe("ended");
    expect(log.cancels).toEqual([]);
  });

  it("gives credit back in batches of a quarter of the mark as chunks are taken", async () => {
    const { stream, log } = harness(8);
    void stream.next();
    stream.push(Array.from({ length: 7 }, (_, i) => chunk(String(i))));
    expect(stream.buffered).toBe(6); // the first went straight to the waiting pull
    expect(log.credit).toEqual([]);
    await stream.next();
    expect(log.credit).toEqual([2]);
    for (let i = 0; i < 5; i++) await stream.next();
    expect(log.credit).toEqual([2, 2, 2]);
    expect(stream.buffered).toBe(0);
  });

  it("records the most chunks ever buffered", () => {
    const { stream } = harness(4);
    void stream.next();
    stream.push([chunk("a"), chunk("b"), chunk("c"), chunk("d"), chunk("e")]);
    expect(stream.maxBuffered).toBe(4);
  });

  it("break cancels once, drops the buffer, and ends the loop", async () => {
    const { stream, log } = harness();
    const seen: string[] = [];
    const feeding = stream.next().then((r) => r.value?.text);
    stream.push([chunk("a"), chunk("b"), chunk("c")]);
    seen.push((await feeding) ?? "");
    for await (const c of stream) {
      seen.push(c.text);
      break;
    }
    expect(seen).toEqual(["a", "b"]);
    expect(log.cancels).toEqual(["closed"]);
    expect(stream.state).toBe("closed");
    expect(stream.buffered).toBe(0);
    stream.push([chunk("late")]);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    expect(log.cancels).toEqual(["closed"]);
  });

  it("an exception in the loop body cancels too", async () => {
    const { stream, log } = harness();
    const run = (async () => {
      for await (const _ of stream) throw new Error("body failed");
    })();
    stream.push([chunk("a")]);
    await expect(run).rejects.toThrow("body failed");
    expect(log.cancels).toEqual(["closed"]);
  });

  it("an aborted signal rejects a waiting pull at once with ERR_ABORTED and cancels", async () => {
    const controller = new AbortController();
    const { stream, log } = harness(8, controller.signal);
    const pull = stream.next();
    controller.abort();
    await expect(pull).rejects.toMatchObject({ code: "ERR_ABORTED" });
    expect(log.cancels).toEqual(["aborted"]);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it("a signal aborted before the first pull never starts the request", async () => {
    const controller = new AbortController();
    controller.abort();
    const { stream, log } = harness(8, controller.signal);
    await expect(stream.next()).rejects.toMatchObject({ code: "ERR_ABORTED" });
    expect(log.started).toBe(0);
    expect(log.cancels).toEqual([]);
  });

  it("a failure is thrown after the chunks already received", async () => {
    const { stream, log } = harness();
    void stream.next();
    stream.push([chunk("a"), chunk("b")]);
    stream.fail(dspexError("ERR_NETWORK", "dropped"));
    expect((await stream.next()).value?.text).toBe("b");
    await expect(stream.next()).rejects.toMatchObject({ code: "ERR_NETWORK" });
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    expect(stream.received).toBe(2);
    expect(log.cancels).toEqual([]);
  });

  it("a failure rejects a pull that is waiting", async () => {
    const { stream } = harness();
    const pull = stream.next();
    stream.fail(dspexError("ERR_TIMEOUT"));
    await expect(pull).rejects.toMatchObject({ code: "ERR_TIMEOUT" });
  });

  it("ReplyStream.failed throws on the first pull", async () => {
    const stream = ReplyStream.failed(dspexError("ERR_UNKNOWN_CLIENT"));
    await expect(stream.next()).rejects.toMatchObject({ code: "ERR_UNKNOWN_CLIENT" });
  });
});
