import { describe, expect, it } from "vitest";
import { decodeVector, encodeVector } from "../../../../workers/embed/vectorEntry.js";

const vector = Float32Array.from([0.1, -2.5, 3.25e-8, 1e30, -0]);

describe("vectorEntry", () => {
  it("round-trips a vector bit for bit, with its model, through JSON (as keyv stores it)", () => {
    const stored = JSON.parse(JSON.stringify(encodeVector({ vector, model: "m-1" })));
    const back = decodeVector(stored);
    expect(back?.model).toBe("m-1");
    expect(back?.vector).toBeInstanceOf(Float32Array);
    expect(new Uint8Array((back as { vector: Float32Array }).vector.buffer)).toEqual(
      new Uint8Array(vector.buffer),
    );
  });

  it("stores the bytes as base64: 4 bytes per dimension, ~1.33 characters per byte", () => {
    const big = new Float32Array(1536).map((_, i) => Math.sin(i));
    const entry = encodeVector({ vector: big, model: "m" });
    expect(entry.v.length).toBe(Math.ceil((1536 * 4) / 3) * 4);
    expect(Object.keys(entry).sort()).toEqual(["m", "v"]);
  });

  it("encodes only the view's bytes when the vector is a slice of a larger buffer", () => {
    const whole = Float32Array.from([9, 1, 2, 9]);
    const slice = whole.subarray(1, 3);
    expect(Array.from(decodeVector(encodeVector({ vector: slice, model: "m" }))?.vector ?? [])).toEqual([
      1, 2,
    ]);
  });

  it("gives a vector with a buffer of its own (not a view of Node's shared pool)", () => {
    const back = decodeVector(encodeVector({ vector, model: "m" })) as { vector: Float32Array };
    expect(back.vector.byteOffset).toBe(0);
    expect(back.vector.buffer.byteLength).toBe(vector.byteLength);
  });

  it.each([
    ["null", null],
    ["a string", "AAAA"],
    ["a reply", { text: "x", usage: {} }],
    ["no model", { v: "AACAPw==" }],
    ["a number model", { m: 1, v: "AACAPw==" }],
    ["empty bytes", { m: "m", v: "" }],
    ["a length not a multiple of 4 bytes", { m: "m", v: "AAAA" }],
    ["characters outside base64", { m: "m", v: "AA!AAA==" }],
    ["an array vector", { m: "m", v: [1, 2] }],
  ])("reads %s as no entry", (_, value) => {
    expect(decodeVector(value)).toBeUndefined();
  });
});
