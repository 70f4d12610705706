import { describe, expect, it } from "vitest";
import { isDspexError } from "../../../src/errors.js";
import { closestName, rejectUnknownKeys } from "../../../supervisor/specFields.js";

describe("closestName", () => {
  it("finds the nearest known name, case ignored", () => {
    const known = ["maxConcurrency", "maxQueue", "maxRedeliveries"];
    expect(closestName("maxConcurency", known)).toBe("maxConcurrency");
    expect(closestName("MAXQUEUE", known)).toBe("maxQueue");
    expect(closestName("x", [])).toBe(undefined);
  });
});

describe("rejectUnknownKeys", () => {
  it("passes known keys and refuses the first unknown one by its path", () => {
    expect(() => rejectUnknownKeys({ a: 1 }, ["a", "b"], "p")).not.toThrow();
    try {
      rejectUnknownKeys({ a: 1, bb: 2 }, ["a", "b"], "p");
      expect.unreachable();
    } catch (error) {
      expect(isDspexError(error, "ERR_INVALID_ARGUMENT")).toBe(true);
      expect(error).toMatchObject({ field: "p.bb", message: "p.bb: is not a known field (did you mean b?)" });
    }
  });
});
