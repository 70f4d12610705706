import { describe, expect, it } from "vitest";
import { createCacheKeyer, createTextHasher } from "../../../../workers/cache/CacheKey.js";
import { EmbedKeys } from "../../../../workers/embed/EmbedKeys.js";

const CLIENT = {
  provider: "openai" as const,
  baseURL: "http://127.0.0.1:1/v1",
  model: "m",
  headers: undefined,
};

describe("EmbedKeys", async () => {
  const hash = await createTextHasher();
  const keys = new EmbedKeys(CLIENT, hash);

  it("keys each input apart, the same input alike", () => {
    const keyOf = keys.forRequest({}, undefined);
    expect(keyOf("a")).toBe(keyOf("a"));
    expect(keyOf("a")).not.toBe(keyOf("b"));
    expect(keyOf("a")).toMatch(/^dspex:v1:[0-9a-f]{16}$/);
  });

  it("changes with dimensions, extra, the client and answer-changing headers; not with other headers", () => {
    const base = keys.forRequest({}, undefined)("a");
    expect(keys.forRequest({ dimensions: 8 }, undefined)("a")).not.toBe(base);
    expect(keys.forRequest({ extra: { user: "u" } }, undefined)("a")).not.toBe(base);
    expect(new EmbedKeys({ ...CLIENT, model: "n" }, hash).forRequest({}, undefined)("a")).not.toBe(base);
    expect(keys.forRequest({}, { "anthropic-beta": "x" })("a")).not.toBe(base);
    expect(keys.forRequest({}, { "x-trace": "1" })("a")).toBe(base);
  });

  it("never equals a chat call's key for the same text", async () => {
    const keyer = await createCacheKeyer();
    const chat = keyer({ ...CLIENT, messages: [{ role: "user", content: "a" }], params: {} });
    expect(keys.forRequest({}, undefined)("a")).not.toBe(chat);
  });

  it("cannot be confused by an input that imitates the context", () => {
    const keyOf = keys.forRequest({}, undefined);
    expect(keyOf("a\u0000b")).not.toBe(keyOf("a"));
  });
});
