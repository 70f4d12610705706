import { describe, expect, it } from "vitest";
import { isDspexError, TimeoutError } from "../../../src/errors.js";
import { Cancellation } from "../../../workers/Cancellation.js";
import { headersFrom } from "../../../workers/http/Exchange.js";

describe("Cancellation", () => {
  it("runs each listener once, in the order added, and is idempotent", () => {
    const c = new Cancellation();
    const seen: string[] = [];
    c.addEventListener("abort", () => seen.push("a"));
    c.addEventListener("abort", () => seen.push("b"));
    expect(c.aborted).toBe(false);
    c.abort();
    c.abort();
    expect(c.aborted).toBe(true);
    expect(seen).toEqual(["a", "b"]);
  });

  it("does not run a removed listener, nor one added after the abort", () => {
    const c = new Cancellation();
    let removed = 0;
    let late = 0;
    const listener = () => removed++;
    c.addEventListener("abort", listener);
    c.removeEventListener("abort", listener);
    c.abort();
    c.addEventListener("abort", () => late++);
    expect(removed).toBe(0);
    expect(late).toBe(0);
  });

  it("removes one registration at a time", () => {
    const c = new Cancellation();
    let runs = 0;
    const listener = () => runs++;
    c.addEventListener("abort", listener);
    c.addEventListener("abort", listener);
    c.removeEventListener("abort", listener);
    c.abort();
    expect(runs).toBe(1);
  });

  it("gives its reason, or an ERR_ABORTED error when none was given", () => {
    const plain = new Cancellation();
    expect(plain.reason).toBeUndefined();
    plain.abort();
    expect(isDspexError(plain.reason) && plain.reason.code).toBe("ERR_ABORTED");
    const timed = new Cancellation();
    const reason = new TimeoutError({ code: "ERR_TIMEOUT" });
    timed.abort(reason);
    expect(timed.reason).toBe(reason);
    expect(timed.signal).toBe(timed);
  });
});

describe("headersFrom", () => {
  it("lower-cases names and keeps repeated headers as arrays", () => {
    const raw = ["Retry-After", "3", "Set-Cookie", "a=1", "set-cookie", "b=2", "X-Request-Id", "req_1"].map(
      (s) => Buffer.from(s),
    );
    expect(headersFrom(raw)).toEqual({
      "retry-after": "3",
      "set-cookie": ["a=1", "b=2"],
      "x-request-id": "req_1",
    });
  });
});
