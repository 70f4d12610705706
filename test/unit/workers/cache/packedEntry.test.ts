import { describe, expect, it } from "vitest";
import { pack, unpack } from "../../../../workers/cache/packedEntry.js";
import type { StoredReply } from "../../../../workers/cache/replyCopy.js";

const stored = (text: string): StoredReply => ({
  text,
  usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 },
  finishReason: "stop",
  model: "m",
});

describe("packedEntry", () => {
  it("keeps a short text as a string", () => {
    const entry = pack(stored("Paris."));
    expect(entry.bytes).toBeUndefined();
    expect(unpack(entry)).toEqual({ ...stored("Paris."), cached: true });
  });

  it("moves a long ASCII text to Latin-1 bytes and back", () => {
    const text = "a".repeat(5_000);
    const entry = pack(stored(text));
    expect(entry.reply.text).toBe("");
    expect(entry.latin1).toBe(true);
    expect(entry.bytes?.length).toBe(5_000);
    expect(unpack(entry).text).toBe(text);
  });

  it("moves a long non-ASCII text to UTF-8 bytes and back", () => {
    const text = "é€🙂".repeat(1_000);
    const entry = pack(stored(text));
    expect(entry.latin1).toBe(false);
    expect(unpack(entry).text).toBe(text);
  });

  it("every hit is a fresh copy", () => {
    const entry = pack(stored("x".repeat(2_000)));
    const first = unpack(entry);
    first.usage.totalTokens = 99;
    first.text = "changed";
    expect(unpack(entry)).toEqual({ ...stored("x".repeat(2_000)), cached: true });
  });
});
