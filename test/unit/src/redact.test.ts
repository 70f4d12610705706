import { describe, expect, it } from "vitest";
import type { ErrorData } from "../../../src/errors.js";
import {
  clipMessage,
  MAX_MESSAGE,
  MIN_SECRET_PREFIX,
  redact,
  redactAll,
  scrubDeep,
  scrubError,
} from "../../../src/redact.js";

const KEY = "sk-proj-Zq8vN3xLm2Wc9Rt5Yp1Kd7Hf4Gb6Js0";

/** True when `text` holds the key or a run of its first MIN_SECRET_PREFIX characters. */
const leaks = (text: string): boolean => text.includes(KEY.slice(0, MIN_SECRET_PREFIX));

describe("redact", () => {
  it("masks the whole key wherever it appears, as often as it appears", () => {
    expect(redact(`a ${KEY} b ${KEY}`, KEY)).toBe("a [redacted] b [redacted]");
    expect(redact(`Bearer ${KEY}.`, KEY)).toBe("Bearer [redacted].");
  });

  it("masks every prefix of the key of MIN_SECRET_PREFIX characters or more, wherever it is", () => {
    for (let n = MIN_SECRET_PREFIX; n <= KEY.length; n++) {
      const prefix = KEY.slice(0, n);
      expect(redact(`x${prefix}`, KEY)).toBe("x[redacted]");
      expect(redact(`${prefix}y and more`, KEY)).toBe("[redacted]y and more");
    }
    // Shorter than that: not masked (no more than the vendor's own prefix).
    const short = KEY.slice(0, MIN_SECRET_PREFIX - 1);
    expect(redact(`see ${short}`, KEY)).toBe(`see ${short}`);
  });

  it("masks a key cut anywhere by a later clip: redaction first, then clipping", () => {
    for (let at = 0; at < 60; at++) {
      const text = `${"x".repeat(MAX_MESSAGE - 30 + at)}${KEY} tail`;
      expect(leaks(clipMessage(redact(text, KEY)))).toBe(false);
    }
  });

  it("leaves text alone without a key, or with a key too short to mask safely", () => {
    expect(redact("hello", undefined)).toBe("hello");
    expect(redact("the abc of it", "abc")).toBe("the abc of it");
    // A short key (under MIN_SECRET_PREFIX) is masked only whole.
    expect(redact("k-12345 and k-123", "k-12345")).toBe("[redacted] and k-123");
  });

  it("redactAll masks each of several keys", () => {
    expect(redactAll(`${KEY} and sk-other-000000000`, [undefined, KEY, "sk-other-000000000"])).toBe(
      "[redacted] and [redacted]",
    );
  });
});

describe("scrubError and scrubDeep", () => {
  it("redact every string field of an error, then clip them", () => {
    const data: ErrorData = {
      code: "ERR_HTTP",
      message: `upstream answered 401: ${"m".repeat(2_000)}${KEY}`,
      status: 401,
      upstreamCode: `invalid_key:${KEY.slice(0, 20)}`,
      requestId: `req_${KEY}`,
    };
    const out = scrubError(data, KEY);
    expect(leaks(JSON.stringify(out))).toBe(false);
    expect(out.code).toBe("ERR_HTTP");
    expect(out.status).toBe(401);
    expect(out.upstreamCode).toBe("invalid_key:[redacted]");
    expect(out.requestId).toBe("req_[redacted]");
    expect(out.message.length).toBeLessThanOrEqual(MAX_MESSAGE + 1);
    // The input is not changed.
    expect(data.requestId).toBe(`req_${KEY}`);
  });

  it("scrubDeep walks nested plain data and leaves other values alone", () => {
    const when = new Date(0);
    const event = { type: "x", nested: { list: [KEY, 1, { deep: `a${KEY}` }] }, when, n: 3, ok: true };
    const out = scrubDeep(event, [KEY]);
    expect(out).toEqual({
      type: "x",
      nested: { list: ["[redacted]", 1, { deep: "a[redacted]" }] },
      when,
      n: 3,
      ok: true,
    });
    expect(out.when).toBe(when);
  });
});
