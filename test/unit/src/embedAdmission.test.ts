import { describe, expect, it } from "vitest";
import { splitEmbedOptions, takeInputs } from "../../../src/embedAdmission.js";

function refusal(run: () => unknown): { code: unknown; field: unknown; message: string } {
  try {
    run();
  } catch (error) {
    const e = error as { code: unknown; field: unknown; message: string };
    return { code: e.code, field: e.field, message: e.message };
  }
  throw new Error("did not throw");
}

describe("takeInputs", () => {
  it("copies a non-empty array of non-empty strings", () => {
    const inputs = ["a", "b"];
    const taken = takeInputs(inputs);
    inputs.push("c");
    expect(taken).toEqual(["a", "b"]);
  });

  it("names what is wrong", () => {
    expect(refusal(() => takeInputs("a")).field).toBe("inputs");
    expect(refusal(() => takeInputs([])).field).toBe("inputs");
    expect(refusal(() => takeInputs(["a", null])).field).toBe("inputs[1]");
    expect(refusal(() => takeInputs(["", "a"])).field).toBe("inputs[0]");
    const trap = new Proxy(["a"], {
      get(target, key) {
        if (key === "0") throw new Error("trap");
        return Reflect.get(target, key);
      },
    });
    expect(refusal(() => takeInputs(trap))).toMatchObject({
      code: "ERR_INVALID_ARGUMENT",
      field: "inputs[0]",
    });
  });
});

describe("splitEmbedOptions", () => {
  it("splits parameters (keyed) from controls (not keyed)", () => {
    const signal = new AbortController().signal;
    const split = splitEmbedOptions({
      dimensions: 8,
      extra: { user: "u" },
      signal,
      timeoutMs: 10,
      attemptTimeoutMs: 5,
      maxRetries: 1,
      cache: "skip",
      redeliver: "never",
      headers: { "X-Trace": "1" },
      batchSize: 10,
    });
    expect(split.params).toEqual({ dimensions: 8, extra: { user: "u" } });
    expect(split.controls).toEqual({
      signal,
      timeoutMs: 10,
      attemptTimeoutMs: 5,
      maxRetries: 1,
      cache: "skip",
      redeliver: "never",
      headers: { "x-trace": "1" },
      batchSize: 10,
    });
  });

  it("refuses an unknown key naming the closest known one, and bad values naming the field", () => {
    const typo = refusal(() => splitEmbedOptions({ dimension: 8 }));
    expect(typo).toMatchObject({ code: "ERR_INVALID_ARGUMENT", field: "options.dimension" });
    expect(typo.message).toContain("did you mean dimensions?");
    expect(refusal(() => splitEmbedOptions({ temperature: 0 })).field).toBe("options.temperature");
    expect(refusal(() => splitEmbedOptions({ dimensions: 1.5 })).field).toBe("options.dimensions");
    expect(refusal(() => splitEmbedOptions({ cache: "always" })).field).toBe("options.cache");
    expect(refusal(() => splitEmbedOptions({ signal: {} })).field).toBe("options.signal");
    expect(refusal(() => splitEmbedOptions({ headers: { authorization: "x" } })).field).toBe(
      "options.headers.authorization",
    );
    expect(refusal(() => splitEmbedOptions({ extra: { f: () => 1 } })).field).toBe("options.extra.f");
    expect(refusal(() => splitEmbedOptions(3)).field).toBe("options");
  });
});
