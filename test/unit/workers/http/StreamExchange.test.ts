import { describe, expect, it } from "vitest";
import { AttemptFailure } from "../../../../workers/http/AttemptFailure.js";
import { StreamExchange } from "../../../../workers/http/StreamExchange.js";

const LIMITS = { maxBytes: 20, maxErrorBytes: 4 };
const HWM = 6;

/** An exchange on a fake connection: counts the tear-downs and resumes undici was asked for. */
function open() {
  const ex = new StreamExchange(LIMITS, HWM);
  let aborts = 0;
  let resumes = 0;
  ex.onConnect(() => {
    aborts++;
  });
  const headers = (status: number, raw: Buffer[] = []) =>
    ex.onHeaders(status, raw, () => {
      resumes++;
    });
  return { ex, headers, aborted: () => aborts, resumed: () => resumes };
}

const STOP = new AttemptFailure("aborted", { code: "ERR_ABORTED", message: "stopped" });
const rejection = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe("StreamExchange", () => {
  it("opens on a 2xx, hands pieces to a waiting read at once, and ends", async () => {
    const { ex, headers, aborted } = open();
    const raw = [Buffer.from("x-ratelimit-limit-requests"), Buffer.from("60")];
    expect(headers(200, raw)).toBe(true);
    expect(await ex.head).toEqual({ status: 200, rawHeaders: raw, errorText: undefined });
    const first = ex.read();
    expect(ex.onData(Buffer.from("abc"))).toBe(true);
    expect((await first)?.toString()).toBe("abc");
    ex.onComplete();
    expect(await ex.read()).toBeUndefined();
    expect(aborted()).toBe(0);
  });

  it("pauses the socket once highWaterMark bytes wait unread, and resumes it when they are read", async () => {
    const { ex, headers, resumed } = open();
    headers(200);
    expect(ex.onData(Buffer.from("abc"))).toBe(true);
    expect(ex.onData(Buffer.from("def"))).toBe(false); // 6 bytes unread: pause
    expect(resumed()).toBe(0);
    expect((await ex.read())?.toString()).toBe("abc"); // 3 left: below the mark
    expect(resumed()).toBe(1);
    expect((await ex.read())?.toString()).toBe("def");
    expect(resumed()).toBe(1);
  });

  it("tears a 2xx body over maxBytes down (read or not) and fails every read with ERR_BAD_RESPONSE", async () => {
    const { ex, headers, aborted } = open();
    headers(200);
    const reader = ex.read();
    ex.onData(Buffer.from("0123456789"));
    await reader;
    expect(ex.onData(Buffer.from("0123456789x"))).toBe(false);
    expect(aborted()).toBe(1);
    const failure = (await rejection(ex.read())) as AttemptFailure;
    expect(failure).toBeInstanceOf(AttemptFailure);
    expect(failure.data).toMatchObject({ code: "ERR_BAD_RESPONSE", status: 200 });
    expect(failure.data.message).toContain("maxResponseBytes (20 bytes)");
    ex.onError(new Error("late")); // undici's answer to our abort changes nothing
    expect(await rejection(ex.read())).toBe(failure);
  });

  it("keeps the first maxErrorBytes of an error body, settles the head with it, and hangs up", async () => {
    const { ex, headers, aborted } = open();
    const raw = [Buffer.from("retry-after"), Buffer.from("2")];
    headers(429, raw);
    ex.onData(Buffer.from("ab"));
    expect(ex.onData(Buffer.from("cdefgh"))).toBe(false);
    expect(aborted()).toBe(1);
    expect(await ex.head).toEqual({ status: 429, rawHeaders: raw, errorText: "abcd" });
    expect(ex.done).toBe(true);
  });

  it("an error body cut short by the connection still settles the head with what came", async () => {
    const { ex, headers } = open();
    headers(503);
    ex.onData(Buffer.from("ab"));
    ex.onError(new Error("socket hang up"));
    expect(await ex.head).toMatchObject({ status: 503, errorText: "ab" });
  });

  it("a stop before undici hands a connection aborts it as soon as it does", async () => {
    const ex = new StreamExchange(LIMITS, HWM);
    ex.stop(STOP);
    expect(await rejection(ex.head)).toBe(STOP);
    let aborted = 0;
    ex.onConnect(() => {
      aborted++;
    });
    expect(aborted).toBe(1);
  });

  it("a stop mid-body rejects the waiting read and every later one, and aborts once", async () => {
    const { ex, headers, aborted } = open();
    headers(200);
    const waiting = ex.read();
    ex.stop(STOP);
    ex.stop(STOP);
    expect(await rejection(waiting)).toBe(STOP);
    expect(await rejection(ex.read())).toBe(STOP);
    expect(aborted()).toBe(1);
  });

  it("a dropped connection rejects the head before it came, or the waiting read after", async () => {
    const before = open();
    const drop = new Error("ECONNRESET");
    before.ex.onError(drop);
    expect(await rejection(before.ex.head)).toBe(drop);

    const after = open();
    after.headers(200);
    const waiting = after.ex.read();
    after.ex.onError(drop);
    expect(await rejection(waiting)).toBe(drop);
  });

  it("release lets a short rest of the body go (the connection is kept), and tears a long one down", () => {
    const short = open();
    short.headers(200);
    short.ex.onData(Buffer.from("abc"));
    short.ex.release();
    expect(short.ex.onData(Buffer.from("12345"))).toBe(true);
    short.ex.onComplete();
    expect(short.ex.done).toBe(true);
    expect(short.aborted()).toBe(0);

    const long = open();
    long.headers(200);
    long.ex.release();
    expect(long.ex.onData(Buffer.from("1234567"))).toBe(false);
    expect(long.aborted()).toBe(1);
    expect(long.ex.done).toBe(true);
  });

  it("a stop after the body completed tears nothing down (the connection went back to its pool)", async () => {
    const { ex, headers, aborted } = open();
    headers(200);
    ex.onComplete();
    ex.release();
    ex.stop(STOP);
    expect(aborted()).toBe(0);
  });
});
