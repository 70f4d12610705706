import { describe, expect, it } from "vitest";
import { readHeaderObject, readRawHeaders, resetMs } from "../../../../workers/traffic/rateLimitHeaders.js";

describe("rate-limit headers", () => {
  it("reads OpenAI's raw headers (durations) and the request id, skipping the rest", () => {
    const raw = [
      "content-type",
      "application/json",
      "X-RateLimit-Limit-Requests",
      "600",
      "x-ratelimit-remaining-requests",
      "599",
      "x-ratelimit-reset-requests",
      "100ms",
      "x-ratelimit-limit-tokens",
      "60000",
      "x-ratelimit-remaining-tokens",
      "59000",
      "x-ratelimit-reset-tokens",
      "1m0.5s",
      "x-request-id",
      "req_1",
    ].map((s) => Buffer.from(s));
    expect(readRawHeaders(raw, 0)).toEqual({
      requestId: "req_1",
      rateLimit: {
        requests: { limit: 600, remaining: 599, resetMs: 100 },
        tokens: { limit: 60_000, remaining: 59_000, resetMs: 60_500 },
      },
    });
    expect(readRawHeaders([Buffer.from("content-type"), Buffer.from("x")], 0)).toBeUndefined();
    // Names of a wanted length and first letter that are not wanted are skipped.
    expect(readRawHeaders([Buffer.from("x-ratelimit-limit-requestz"), Buffer.from("1")], 0)).toBeUndefined();
    // String names (undici can hand either) read the same.
    expect(readRawHeaders(["X-Request-Id", "req_s"], 0)).toEqual({
      requestId: "req_s",
      rateLimit: undefined,
    });
  });

  it("reads Anthropic's header object (RFC 3339 resets, four windows)", () => {
    const now = Date.UTC(2026, 0, 1);
    const info = readHeaderObject(
      {
        "request-id": "req_a",
        "anthropic-ratelimit-requests-limit": "50",
        "anthropic-ratelimit-requests-remaining": "49",
        "anthropic-ratelimit-requests-reset": "2026-01-01T00:00:01Z",
        "anthropic-ratelimit-input-tokens-remaining": "1000",
        "anthropic-ratelimit-output-tokens-limit": "8000",
        "anthropic-ratelimit-tokens-reset": "not a time",
      },
      now,
    );
    expect(info).toEqual({
      requestId: "req_a",
      rateLimit: {
        requests: { limit: 50, remaining: 49, resetMs: 1_000 },
        inputTokens: { remaining: 1_000 },
        outputTokens: { limit: 8_000 },
      },
    });
  });

  it("reads every reset form", () => {
    expect(resetMs("12ms", 0)).toBe(12);
    expect(resetMs("6m0s", 0)).toBe(360_000);
    expect(resetMs("1h2m3.5s", 0)).toBe(3_723_500);
    expect(resetMs("2", 0)).toBe(2_000);
    expect(resetMs("2026-01-01T00:00:00Z", Date.UTC(2026, 0, 1) + 5)).toBe(0);
    expect(resetMs("1.5s", 0)).toBe(1_500);
    expect(resetMs(" 30s ", 0)).toBe(30_000);
    expect(resetMs("soon", 0)).toBeUndefined();
    expect(resetMs("5x", 0)).toBeUndefined();
    expect(resetMs("1.2.3s", 0)).toBeUndefined();
    expect(resetMs("", 0)).toBeUndefined();
  });
});
