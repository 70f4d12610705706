import { describe, expect, it } from "vitest";
import { isDspexError } from "../../../src/errors.js";
import { splitOptions, takeMessages } from "../../../src/validate.js";

function invalid(fn: () => unknown, field: string): void {
  try {
    fn();
  } catch (error) {
    expect(isDspexError(error, "ERR_INVALID_ARGUMENT")).toBe(true);
    expect((error as { field?: string }).field).toBe(field);
    return;
  }
  throw new Error(`expected ERR_INVALID_ARGUMENT on ${field}`);
}

describe("takeMessages", () => {
  it("accepts OpenAI-shaped messages with every role and extra JSON fields", () => {
    expect(() =>
      takeMessages([
        { role: "system", content: "be brief" },
        { role: "developer", content: "rules" },
        { role: "user", content: [{ type: "text", text: "hi" }], name: "ann" },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "t1", type: "function", function: { name: "f", arguments: "{}" } }],
        },
        { role: "tool", content: "42", tool_call_id: "t1" },
      ]),
    ).not.toThrow();
  });

  it("rejects non-arrays, empty arrays, bad roles and bad content, naming the field", () => {
    invalid(() => takeMessages("hello"), "messages");
    invalid(() => takeMessages([]), "messages");
    invalid(() => takeMessages([null]), "messages[0]");
    invalid(() => takeMessages([{ role: "wizard", content: "x" }]), "messages[0].role");
    invalid(() => takeMessages([{ role: "user", content: 42 }]), "messages[0].content");
    invalid(() => takeMessages([{ role: "user", content: null }]), "messages[0].content");
    invalid(() => takeMessages([{ role: "user" }]), "messages[0].content");
  });

  it("rejects values that cannot cross a thread", () => {
    invalid(() => takeMessages([{ role: "user", content: "x", fn: () => 1 }]), "messages[0].fn");
    invalid(
      () => takeMessages([{ role: "user", content: [{ type: "text", text: Symbol("s") }] }]),
      "messages[0].content[0].text",
    );
    invalid(() => takeMessages([{ role: "user", content: "x", when: new Date() }]), "messages[0].when");
    invalid(() => takeMessages([{ role: "user", content: "x", n: Number.NaN }]), "messages[0].n");
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => takeMessages([{ role: "user", content: "x", cycle }])).toThrow(/deeper than/);
  });
});

describe("splitOptions", () => {
  it("separates what changes the answer from what does not", () => {
    const signal = new AbortController().signal;
    const { params, controls } = splitOptions({
      temperature: 0,
      maxTokens: 10,
      topP: 1,
      stop: ["\n"],
      seed: 7,
      extra: { logprobs: false },
      signal,
      timeoutMs: 100,
      maxRetries: 0,
      cache: "skip",
    });
    expect(params).toEqual({
      temperature: 0,
      maxTokens: 10,
      topP: 1,
      stop: ["\n"],
      seed: 7,
      extra: { logprobs: false },
    });
    expect(controls).toEqual({ signal, timeoutMs: 100, maxRetries: 0, cache: "skip" });
  });

  it("drops undefined values so they cannot change a cache key", () => {
    expect(splitOptions({ temperature: undefined }).params).toEqual({});
  });

  it("rejects unknown keys, wrong types and out-of-range values", () => {
    invalid(() => splitOptions({ temprature: 0 }), "options.temprature");
    invalid(() => splitOptions({ temperature: "hot" }), "options.temperature");
    invalid(() => splitOptions({ maxTokens: 1.5 }), "options.maxTokens");
    invalid(() => splitOptions({ timeoutMs: 0 }), "options.timeoutMs");
    invalid(() => splitOptions({ cache: "maybe" }), "options.cache");
    invalid(() => splitOptions({ signal: {} }), "options.signal");
    invalid(() => splitOptions({ stop: [1] }), "options.stop");
    invalid(() => splitOptions({ idleTimeoutMs: 5 }), "options.idleTimeoutMs");
    invalid(() => splitOptions(5), "options");
    expect(splitOptions({ idleTimeoutMs: 5 }, true).controls.idleTimeoutMs).toBe(5);
  });
});
