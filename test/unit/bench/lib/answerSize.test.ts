import { describe, expect, it } from "vitest";
import { sizedAnswer } from "../../../../bench/lib/answerSize.js";
import type { MockAnswerInput } from "../../../../mock/index.js";

const input = (text: string): MockAnswerInput => ({
  provider: "openai",
  model: "gpt-4o-mini",
  messages: [{ role: "user", text }],
  body: {},
});

describe("sized answers", () => {
  it("answers with exactly the chosen number of ASCII characters", () => {
    for (const chars of [20_000, 100_000, 10]) {
      const text = sizedAnswer(chars)(input("hello"));
      expect(text).toHaveLength(chars);
      expect(Buffer.byteLength(text)).toBe(chars);
    }
  });

  it("gives two conversations different answers, and one conversation the same answer", () => {
    const answer = sizedAnswer(20_000);
    expect(answer(input("request 1"))).not.toBe(answer(input("request 2")));
    expect(answer(input("request 1"))).toBe(answer(input("request 1")));
  });
});
