import { describe, expect, it } from "vitest";
import { AttemptFailure } from "../../../../workers/http/AttemptFailure.js";
import { Exchange } from "../../../../workers/http/Exchange.js";

const LIMITS = { maxBytes: 10, maxErrorBytes: 4 };

/** An exchange on a fake connection: `aborted` counts the tear-downs undici was asked for. */
function open(): { ex: Exchange; aborted: () => number } {
  const ex = new Exchange(LIMITS);
  let aborts = 0;
  ex.onConnect(() => {
    aborts++;
  });
  return { ex, aborted: () => aborts };
}

describe("Exchange bounds", () => {
  it("answers a body within maxBytes", async () => {
    const { ex, aborted } = open();
    ex.onHeaders(200, []);
    expect(ex.onData(Buffer.from("12345"))).toBe(true);
    expect(ex.onData(Buffer.from("67890"))).toBe(true);
    ex.onComplete();
    expect(await ex.promise).toEqual({ status: 200, headers: undefined, text: "1234567890" });
    expect(aborted()).toBe(0);
  });

  it("tears a 2xx body over maxBytes down and fails with ERR_BAD_RESPONSE", async () => {
    const { ex, aborted } = open();
    ex.onHeaders(200, []);
    ex.onData(Buffer.from("123456"));
    expect(ex.onData(Buffer.from("789012"))).toBe(false);
    expect(aborted()).toBe(1);
    const failure = await ex.promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(AttemptFailure);
    expect((failure as AttemptFailure).kind).toBe("bad_response");
    expect((failure as AttemptFailure).data).toMatchObject({ code: "ERR_BAD_RESPONSE", status: 200 });
    expect((failure as AttemptFailure).data.message).toContain("maxResponseBytes (10 bytes)");
    // Later events from undici change nothing.
    ex.onData(Buffer.from("x"));
    ex.onComplete();
    ex.onError(new Error("late"));
  });

  it("keeps the first maxErrorBytes of an error body, answers with the status, and hangs up", async () => {
    const { ex, aborted } = open();
    ex.onHeaders(500, [Buffer.from("x-request-id"), Buffer.from("req-1")]);
    ex.onData(Buffer.from("ab"));
    expect(ex.onData(Buffer.from("cdefgh"))).toBe(false);
    expect(aborted()).toBe(1);
    expect(await ex.promise).toEqual({ status: 500, headers: { "x-request-id": "req-1" }, text: "abcd" });
  });

  it("settles when putting the answer together throws (never leaves the attempt pending)", async () => {
    const { ex } = open();
    ex.onHeaders(200, []);
    // Two pieces make decode concatenate them; a piece that is not bytes makes that throw, as a body
    // over V8's longest string makes `toString` throw.
    ex.onData(Buffer.from("{"));
    ex.onData({ length: 1 } as unknown as Buffer);
    expect(() => ex.onComplete()).not.toThrow();
    const failure = await ex.promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((failure as AttemptFailure).data).toMatchObject({ code: "ERR_BAD_RESPONSE", status: 200 });
  });
});
