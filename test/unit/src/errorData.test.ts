/**
 * Errors as plain data (src/errorData.ts): the form that crosses a thread, and the class rebuilt from it.
 */
import { describe, expect, it } from "vitest";
import {
  BadOutputError,
  dspexError,
  errorFromData,
  isDspexError,
  isErrorData,
  RateLimitedError,
  toErrorData,
} from "../../../src/errors.js";

describe("errorData", () => {
  it("round-trips every field through a structured clone, class and order kept", () => {
    const error = dspexError("ERR_BAD_OUTPUT", "no", {
      status: 200,
      client: "gpt",
      issues: [{ message: "bad", path: ["a", 0] }],
      text: "{",
      deliveries: 2,
    });
    const data = structuredClone(toErrorData(error));
    expect(Object.keys(data)).toEqual([
      "code",
      "message",
      "status",
      "client",
      "issues",
      "text",
      "deliveries",
    ]);
    const rebuilt = errorFromData(data);
    expect(rebuilt).toBeInstanceOf(BadOutputError);
    expect(rebuilt).toMatchObject({ code: "ERR_BAD_OUTPUT", message: "no", issues: data.issues, text: "{" });
    expect(rebuilt.toJSON()).toEqual(data);
  });

  it("rebuilds the class of the code, and an unknown code as ERR_BAD_RESPONSE", () => {
    const limited = errorFromData({ code: "ERR_RATE_LIMITED", message: "slow", retryAfterMs: 5 });
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect(isDspexError(limited, "ERR_RATE_LIMITED")).toBe(true);
    const unknown = errorFromData({ code: "ERR_NOPE" as "ERR_HTTP", message: "x" });
    expect(unknown.code).toBe("ERR_BAD_RESPONSE");
  });

  it("takes plain data as it is, and a foreign error as the fallback code with its message", () => {
    const data = { code: "ERR_TIMEOUT" as const, message: "late" };
    expect(toErrorData(data)).toBe(data);
    expect(toErrorData(new TypeError("boom"), "ERR_NETWORK")).toEqual({
      code: "ERR_NETWORK",
      message: "boom",
    });
    expect(isErrorData(data)).toBe(true);
    expect(isErrorData(new Error("x"))).toBe(false);
    expect(isErrorData({ code: "ERR_NOPE", message: "x" })).toBe(false);
  });
});
