import { describe, expect, it } from "vitest";
import { contentText, countWords, defaultAnswer, limitWords, splitWords } from "../../../mock/answer.js";

describe("defaultAnswer", () => {
  const user = (text: string) => ({ role: "user", text });

  it("is the same for the same conversation and different for any change", () => {
    const base = [{ role: "system", text: "be brief" }, user("hello")];
    expect(defaultAnswer(base)).toBe(defaultAnswer([{ role: "system", text: "be brief" }, user("hello")]));
    expect(defaultAnswer(base)).toMatch(/^Mock answer [0-9a-f]{8} to "hello"$/);
    expect(defaultAnswer([user("hello")])).not.toBe(defaultAnswer(base));
    expect(defaultAnswer([user("hello"), { role: "assistant", text: "hi" }, user("hello")])).not.toBe(
      defaultAnswer([user("hello")]),
    );
  });

  it("quotes the last user text on one line, cut to 48 characters", () => {
    const long = `${"word ".repeat(20)}\n\nend`;
    const answer = defaultAnswer([user("first"), user(long)]);
    expect(answer).toMatch(/to "word word .*\.\.\."$/);
    expect(answer).not.toContain("\n");
    expect(answer.split('"')[1]).toHaveLength(48 + 3);
  });
});

describe("word helpers", () => {
  it("count words separated by any whitespace", () => {
    expect(countWords("")).toBe(0);
    expect(countWords("  one\ttwo\n three  ")).toBe(3);
  });

  it("split into chunks that join back to the exact text", () => {
    const text = 'Mock answer 1a2b3c4d to "a  b\tc"';
    for (const size of [1, 2, 3, 100]) {
      const pieces = splitWords(text, size);
      expect(pieces.join("")).toBe(text);
      expect(pieces).toHaveLength(Math.ceil(countWords(text) / size));
    }
    expect(splitWords("one two", 1)).toEqual(["one ", "two"]);
  });

  it("cut to a word limit and say whether they cut", () => {
    expect(limitWords("a b c d", 2)).toEqual({ text: "a b", truncated: true });
    expect(limitWords("a b", 2)).toEqual({ text: "a b", truncated: false });
    expect(limitWords("a b", undefined)).toEqual({ text: "a b", truncated: false });
  });
});

describe("contentText", () => {
  it("reads strings and arrays of text parts, ignoring other parts", () => {
    expect(contentText("plain")).toBe("plain");
    expect(
      contentText([
        { type: "text", text: "a" },
        { type: "image_url", image_url: {} },
        { type: "text", text: "b" },
      ]),
    ).toBe("a\nb");
    expect(contentText(null)).toBe("");
  });
});
