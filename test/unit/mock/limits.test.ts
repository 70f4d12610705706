import { describe, expect, it } from "vitest";
import { KeyLimiter, openAiDuration, requestKey } from "../../../mock/limits.js";

describe("KeyLimiter", () => {
  it("refuses the request that does not fit, with the wait until it would, and charges nothing for it", () => {
    const limiter = new KeyLimiter({ rpm: 2, tpm: 100, windowMs: 1_000 });
    expect(limiter.check("k", 10, "openai", 0).allowed).toBe(true);
    const second = limiter.check("k", 10, "openai", 0);
    expect(second.headers["x-ratelimit-remaining-requests"]).toBe("0");
    expect(second.headers["x-ratelimit-remaining-tokens"]).toBe("80");
    const refused = limiter.check("k", 10, "openai", 0);
    expect(refused).toMatchObject({ allowed: false, retryAfterMs: 500 });
    expect(refused.headers["retry-after"]).toBe("1");
    expect(refused.headers["retry-after-ms"]).toBe("500");
    // Half a window refills one request.
    expect(limiter.check("k", 10, "openai", 500).allowed).toBe(true);
  });

  it("charges a let-through request's completion when it is answered, into debt if need be", () => {
    const limiter = new KeyLimiter({ tpm: 100, windowMs: 1_000 });
    expect(limiter.check("k", 60, "openai", 0).allowed).toBe(true); // the prompt, on arrival
    const headers = limiter.charge("k", 70, "openai", 0); // the completion, on answer
    expect(headers["x-ratelimit-remaining-tokens"]).toBe("0");
    // 30 tokens of debt: a 10-token request waits for 40 tokens of refill.
    expect(limiter.check("k", 10, "openai", 0)).toMatchObject({ allowed: false, retryAfterMs: 400 });
  });

  it("limits tokens apart from requests, per key", () => {
    const limiter = new KeyLimiter({ tpm: 100, windowMs: 1_000 });
    expect(limiter.check("a", 90, "openai", 0).allowed).toBe(true);
    expect(limiter.check("a", 20, "openai", 0)).toMatchObject({ allowed: false, retryAfterMs: 100 });
    expect(limiter.check("b", 90, "openai", 0).allowed).toBe(true);
    // More than the bucket holds never fits: the wait offered is one window.
    expect(limiter.check("c", 101, "openai", 0)).toMatchObject({ allowed: false, retryAfterMs: 1_000 });
  });

  it("writes Anthropic's headers with RFC 3339 reset times", () => {
    const limiter = new KeyLimiter({ rpm: 10, tpm: 1_000, windowMs: 60_000 });
    const { headers } = limiter.check("k", 100, "anthropic", Date.UTC(2026, 0, 1));
    expect(headers).toEqual({
      "anthropic-ratelimit-requests-limit": "10",
      "anthropic-ratelimit-requests-remaining": "9",
      "anthropic-ratelimit-requests-reset": "2026-01-01T00:00:06.000Z",
      "anthropic-ratelimit-tokens-limit": "1000",
      "anthropic-ratelimit-tokens-remaining": "900",
      "anthropic-ratelimit-tokens-reset": "2026-01-01T00:00:06.000Z",
    });
  });

  it("is inactive without limits, and new limits start full", () => {
    const limiter = new KeyLimiter({});
    expect(limiter.active).toBe(false);
    limiter.set({ rpm: 1 });
    expect(limiter.active).toBe(true);
    expect(limiter.check("k", 1, "openai", 0).allowed).toBe(true);
    expect(limiter.check("k", 1, "openai", 0).allowed).toBe(false);
    limiter.set({ rpm: 1 });
    expect(limiter.check("k", 1, "openai", 0).allowed).toBe(true);
  });
});

describe("openAiDuration and requestKey", () => {
  it("writes durations as OpenAI does", () => {
    expect(openAiDuration(12.2)).toBe("13ms");
    expect(openAiDuration(1_500)).toBe("1.5s");
    expect(openAiDuration(360_000)).toBe("6m0s");
    expect(openAiDuration(3_723_000)).toBe("1h2m3s");
  });

  it("reads the key from either vendor's header", () => {
    expect(requestKey({ authorization: "Bearer sk-1" })).toBe("sk-1");
    expect(requestKey({ "x-api-key": "ak-2" })).toBe("ak-2");
    expect(requestKey({})).toBe("");
  });
});
