import { describe, expect, it } from "vitest";
import { Coalescer } from "../../../../workers/cache/Coalescer.js";

/** A caller, as the actor's `Call` would be: identity is all the coalescer uses. */
const caller = (name: string) => ({ name });

describe("Coalescer", () => {
  it("gives N identical concurrent callers one flight, owned by the first", () => {
    const c = new Coalescer<{ name: string }>();
    const [a, b, d] = [caller("a"), caller("b"), caller("d")];
    const flight = c.join("k", a, 100);
    expect(c.join("k", b, 100)).toBe(flight);
    expect(c.join("k", d, 100)).toBe(flight);
    expect(flight.owner).toBe(a);
    expect(flight.callers).toEqual([a, b, d]);
    expect(c.size).toBe(1);
  });

  it("does not share across keys", () => {
    const c = new Coalescer<{ name: string }>();
    const one = c.join("k1", caller("a"), 100);
    const two = c.join("k2", caller("b"), 100);
    expect(one).not.toBe(two);
    expect(c.size).toBe(2);
  });

  it("extends the flight's deadline to its latest caller's, never shortens it", () => {
    const c = new Coalescer<{ name: string }>();
    const flight = c.join("k", caller("a"), 100);
    c.join("k", caller("b"), 300);
    c.join("k", caller("d"), 200);
    expect(flight.deadline).toBe(300);
  });

  it("frees the key once the flight lands: a later caller starts a new flight", () => {
    const c = new Coalescer<{ name: string }>();
    const first = c.join("k", caller("a"), 100);
    c.land(first);
    expect(c.size).toBe(0);
    const second = c.join("k", caller("b"), 100);
    expect(second).not.toBe(first);
    expect(second.callers).toHaveLength(1);
  });

  it("keeps the flight going while any caller waits; the signal fires when the last leaves", () => {
    const c = new Coalescer<{ name: string }>();
    const [a, b] = [caller("a"), caller("b")];
    const flight = c.join("k", a, 100);
    c.join("k", b, 100);
    let aborted = 0;
    flight.signal.addEventListener("abort", () => aborted++);
    c.leave(flight, a);
    expect(flight.signal.aborted).toBe(false);
    expect(flight.callers).toEqual([b]);
    expect(c.size).toBe(1);
    c.leave(flight, b);
    expect(flight.signal.aborted).toBe(true);
    expect(aborted).toBe(1);
    // The key is free at once: a new call does not join the dying flight.
    expect(c.size).toBe(0);
    expect(c.join("k", caller("e"), 100)).not.toBe(flight);
  });

  it("ignores a caller that is not on the flight (left twice)", () => {
    const c = new Coalescer<{ name: string }>();
    const [a, b] = [caller("a"), caller("b")];
    const flight = c.join("k", a, 100);
    c.join("k", b, 100);
    c.leave(flight, a);
    c.leave(flight, a);
    expect(flight.callers).toEqual([b]);
    expect(flight.signal.aborted).toBe(false);
  });

  it("does not free a newer flight of the same key when an old one lands or empties", () => {
    const c = new Coalescer<{ name: string }>();
    const a = caller("a");
    const old = c.join("k", a, 100);
    c.leave(old, a); // the old flight is dying; its key is free
    const fresh = c.join("k", caller("b"), 100);
    c.land(old);
    expect(c.join("k", caller("d"), 100)).toBe(fresh);
  });

  it("a keyless flight is never shared nor registered, and cancels when its caller leaves", () => {
    const c = new Coalescer<{ name: string }>();
    const [a, b] = [caller("a"), caller("b")];
    const flight = c.join(undefined, a, 100);
    expect(flight.owner).toBe(a);
    expect(c.join(undefined, b, 100)).not.toBe(flight);
    expect(c.size).toBe(0);
    c.leave(flight, a);
    expect(flight.signal.aborted).toBe(true);
  });
});
