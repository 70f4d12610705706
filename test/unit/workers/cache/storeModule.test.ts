import { describe, expect, it } from "vitest";
import { isDspexError } from "../../../../src/errors.js";
import { buildStore, isStoredReply, notAStore } from "../../../../workers/cache/storeModule.js";

describe("storeModule", () => {
  it("isStoredReply accepts a reply's shape and nothing else", () => {
    const ok = {
      text: "t",
      finishReason: "stop",
      model: "m",
      usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 },
    };
    expect(isStoredReply(ok)).toBe(true);
    expect(isStoredReply({ ...ok, toolCalls: [] })).toBe(true);
    expect(isStoredReply({ ...ok, toolCalls: "x" })).toBe(false);
    expect(isStoredReply({ ...ok, usage: null })).toBe(false);
    expect(isStoredReply({ ...ok, text: 1 })).toBe(false);
    expect(isStoredReply("t")).toBe(false);
    expect(isStoredReply(null)).toBe(false);
  });

  it("a module that cannot be imported is ERR_INVALID_ARGUMENT on cache.store.module", async () => {
    const error = await buildStore("./no/such/store.mjs", undefined).catch((e: unknown) => e);
    expect(isDspexError(error) && error.code).toBe("ERR_INVALID_ARGUMENT");
    expect((error as { field?: string }).field).toBe("cache.store.module");
  });

  it("notAStore names the module, never its options", () => {
    const error = notAStore("keyv-redis-like");
    expect(error.code).toBe("ERR_INVALID_ARGUMENT");
    expect(error.message).toContain('"keyv-redis-like"');
  });
});
