import { describe, expect, it } from "vitest";
import { isDspexError, TimeoutError } from "../../../src/errors.js";
import type { CancelSignal } from "../../../workers/Cancellation.js";
import { Coalescer } from "../../../workers/cache/Coalescer.js";

/** A promise settled from outside, plus the signal `work` was given. */
function deferredWork<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const calls: CancelSignal[] = [];
  const work = (signal: CancelSignal) => {
    calls.push(signal);
    return promise;
  };
  return { work, calls, resolve, reject, promise };
}

const settled = <T>(p: Promise<T>) =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

describe("Coalescer", () => {
  it("runs one work for N identical concurrent callers; one leader, the rest followers", async () => {
    const c = new Coalescer();
    const w = deferredWork<{ text: string }>();
    const runs = Array.from({ length: 5 }, () => c.run("k", undefined, w.work));
    expect(c.size).toBe(1);
    const answer = { text: "Paris." };
    w.resolve(answer);
    const results = await Promise.all(runs);
    expect(w.calls).toHaveLength(1);
    expect(results.map((r) => r.leader)).toEqual([true, false, false, false, false]);
    // The same value for everyone: the caller copies when it must.
    for (const r of results) expect(r.value).toBe(answer);
  });

  it("does not share across keys", async () => {
    const c = new Coalescer();
    const a = deferredWork<string>();
    const b = deferredWork<string>();
    const ra = c.run("a", undefined, a.work);
    const rb = c.run("b", undefined, b.work);
    expect(c.size).toBe(2);
    a.resolve("A");
    b.resolve("B");
    expect(await ra).toEqual({ value: "A", leader: true });
    expect(await rb).toEqual({ value: "B", leader: true });
  });

  it("frees the key once the work settles: a later call starts fresh", async () => {
    const c = new Coalescer();
    const first = deferredWork<string>();
    const r1 = c.run("k", undefined, first.work);
    first.resolve("one");
    await r1;
    expect(c.size).toBe(0);
    const second = deferredWork<string>();
    const r2 = c.run("k", undefined, second.work);
    expect(second.calls).toHaveLength(1);
    second.resolve("two");
    expect(await r2).toEqual({ value: "two", leader: true });

    const failing = deferredWork<string>();
    const r3 = settled(c.run("k", undefined, failing.work));
    failing.reject(new Error("boom"));
    await r3;
    expect(c.size).toBe(0);
  });

  it("shares an error with every waiting caller", async () => {
    const c = new Coalescer();
    const w = deferredWork<string>();
    const runs = [c.run("k", undefined, w.work), c.run("k", undefined, w.work)].map(settled);
    const boom = new Error("upstream down");
    w.reject(boom);
    for (const r of await Promise.all(runs)) expect(r).toEqual({ ok: false, error: boom });
  });

  it("turns a synchronous throw of work into a rejection", async () => {
    const c = new Coalescer();
    const r = await settled(
      c.run("k", undefined, () => {
        throw new Error("sync");
      }),
    );
    expect(r.ok).toBe(false);
    expect(c.size).toBe(0);
  });

  it("rejects only the caller whose signal aborted; the shared work goes on", async () => {
    const c = new Coalescer();
    const w = deferredWork<string>();
    const abortA = new AbortController();
    const a = settled(c.run("k", abortA.signal, w.work));
    const b = c.run("k", undefined, w.work);
    abortA.abort();
    const ra = await a;
    expect(ra.ok).toBe(false);
    expect(isDspexError(ra.ok ? undefined : ra.error, "ERR_ABORTED")).toBe(true);
    expect(w.calls[0]?.aborted).toBe(false);
    expect(c.size).toBe(1);
    w.resolve("done");
    expect(await b).toEqual({ value: "done", leader: false });
  });

  it("aborts the work's signal when every caller has aborted, and frees the key at once", async () => {
    const c = new Coalescer();
    const w = deferredWork<string>();
    const one = new AbortController();
    const two = new AbortController();
    const runs = [c.run("k", one.signal, w.work), c.run("k", two.signal, w.work)].map(settled);
    one.abort();
    expect(w.calls[0]?.aborted).toBe(false);
    two.abort();
    expect(w.calls[0]?.aborted).toBe(true);
    expect(c.size).toBe(0);
    for (const r of await Promise.all(runs)) expect(r.ok).toBe(false);

    // A new identical call does not join the dying work.
    const fresh = deferredWork<string>();
    const r = c.run("k", undefined, fresh.work);
    expect(fresh.calls).toHaveLength(1);
    // The old work settling late does not free the new flight.
    w.reject(new Error("aborted upstream"));
    await w.promise.catch(() => undefined); // runs after the coalescer's own handler on it
    expect(c.size).toBe(1);
    fresh.resolve("new");
    expect(await r).toEqual({ value: "new", leader: true });
  });

  it("rejects an already aborted caller without starting or joining work", async () => {
    const c = new Coalescer();
    const w = deferredWork<string>();
    const r = await settled(c.run("k", AbortSignal.abort(), w.work));
    expect(r.ok).toBe(false);
    expect(w.calls).toHaveLength(0);
    expect(c.size).toBe(0);
  });

  it("rejects with the signal's reason when it is a DspexError (a deadline's ERR_TIMEOUT)", async () => {
    const c = new Coalescer();
    const w = deferredWork<string>();
    const deadline = new AbortController();
    const r = settled(c.run("k", deadline.signal, w.work));
    deadline.abort(new TimeoutError({ code: "ERR_TIMEOUT" }));
    const result = await r;
    expect(isDspexError(result.ok ? undefined : result.error, "ERR_TIMEOUT")).toBe(true);
  });

  it("detaches its abort listener once a caller is answered", async () => {
    const c = new Coalescer();
    const w = deferredWork<string>();
    const controller = new AbortController();
    const r = c.run("k", controller.signal, w.work);
    w.resolve("ok");
    expect(await r).toEqual({ value: "ok", leader: true });
    // Aborting after the answer changes nothing (and must not throw or abort anything).
    controller.abort();
    expect(w.calls[0]?.aborted).toBe(false);
  });
});
