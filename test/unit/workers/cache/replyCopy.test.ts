import { describe, expect, it } from "vitest";
import type { Reply } from "../../../../src/types.js";
import { copyReply, copyStored } from "../../../../workers/cache/replyCopy.js";

const reply = (): Reply => ({
  text: "t",
  cached: false,
  usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3, reasoningTokens: 1 },
  finishReason: "tool_calls",
  model: "m",
  id: "r1",
  toolCalls: [{ id: "c1", name: "f", arguments: "{}" }],
  logprobs: [{ token: "t", logprob: -0.1 }] as unknown as Reply["logprobs"],
});

describe("replyCopy", () => {
  it("copyReply: equal, sharing no mutable part, cached as it was", () => {
    const original = reply();
    const copy = copyReply(original);
    expect(copy).toEqual(original);
    expect(copy.usage).not.toBe(original.usage);
    expect(copy.toolCalls?.[0]).not.toBe(original.toolCalls?.[0]);
    expect(copy.logprobs).not.toBe(original.logprobs);
  });

  it("copyStored: an entry has no `cached`; a hit has `cached: true`", () => {
    const original = reply();
    expect("cached" in copyStored(original)).toBe(false);
    expect(copyStored(original, true).cached).toBe(true);
    expect(copyStored(original).usage).toEqual(original.usage);
  });
});
