import { describe, expect, it } from "vitest";
import { barChart } from "../../../../bench/lib/barChart.js";

const bars = [
  { label: "dspex", value: 16 },
  { label: "openai SDK", value: 537 },
  { label: "A & B <SDK>", value: 955 },
];

describe("bar chart", () => {
  it("draws one bar per contender, dspex first in the accent colour, bars in proportion", () => {
    const svg = barChart([{ title: "CPU per call", unit: " µs", bars }], "caption");
    const rects = [
      ...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)" height="18" fill="(#[0-9a-f]+)"/g),
    ];
    expect(rects).toHaveLength(3);
    expect(rects[0]?.[2]).toBe("#d62728");
    expect(new Set(rects.slice(1).map((r) => r[2]))).toEqual(new Set(["#7f9cbf"]));
    const widths = rects.map((r) => Number(r[1]));
    expect(widths[2] ?? 0).toBeCloseTo(((widths[1] ?? 0) * 955) / 537, 0);
    expect(svg).toContain("537 µs");
  });

  it("escapes labels and lays panels out in a grid of two columns", () => {
    const panel = { title: "t <1>", unit: "", bars };
    const svg = barChart([panel, panel, panel], "a & b");
    expect(svg).toContain("A &amp; B &lt;SDK&gt;");
    expect(svg).toContain("t &lt;1&gt;");
    expect(svg).toMatch(/^<svg [^>]*width="800"/);
    const one = barChart([panel], "c");
    expect(one).toMatch(/^<svg [^>]*width="400"/);
    const height = (s: string): number => Number(/height="(\d+)"/.exec(s)?.[1]);
    expect(height(svg)).toBeGreaterThan(height(one));
  });
});
