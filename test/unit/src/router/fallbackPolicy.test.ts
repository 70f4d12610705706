import { describe, expect, it } from "vitest";
import { dspexError } from "../../../../src/errors.js";
import { fallbackVerdict } from "../../../../src/router/fallbackPolicy.js";

describe("fallbackVerdict", () => {
  it("moves on where another member may succeed, never on a bad request or the caller's abort", () => {
    for (const code of [
      "ERR_CIRCUIT_OPEN",
      "ERR_RATE_LIMITED",
      "ERR_NETWORK",
      "ERR_WORKER_CRASHED",
      "ERR_CLIENT_UNAVAILABLE",
      "ERR_QUEUE_FULL",
      "ERR_BUDGET_EXCEEDED",
    ] as const) {
      expect(fallbackVerdict(dspexError(code), true)).toBe("next");
    }
    expect(fallbackVerdict(dspexError("ERR_HTTP", "x", { status: 503 }), true)).toBe("next");
    expect(fallbackVerdict(dspexError("ERR_HTTP", "x", { status: 404 }), true)).toBe("stop");
    expect(fallbackVerdict(dspexError("ERR_INVALID_ARGUMENT"), true)).toBe("stop");
    expect(fallbackVerdict(dspexError("ERR_ABORTED"), true)).toBe("stop");
    expect(fallbackVerdict(dspexError("ERR_TIMEOUT"), true)).toBe("next");
    expect(fallbackVerdict(dspexError("ERR_TIMEOUT"), false)).toBe("stop");
  });

  it("reads a context-length error from the vendor's code or message", () => {
    expect(
      fallbackVerdict(
        dspexError("ERR_HTTP", "x", { status: 400, upstreamCode: "context_length_exceeded" }),
        true,
      ),
    ).toBe("context");
    expect(
      fallbackVerdict(
        dspexError("ERR_HTTP", "prompt is too long: 210000 tokens > 200000", { status: 400 }),
        true,
      ),
    ).toBe("context");
  });
});
