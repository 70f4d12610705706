import { describe, expect, it } from "vitest";
import { throughputChart } from "../../../../bench/lib/chart.js";
import { parseOptions, SCENARIOS } from "../../../../bench/lib/options.js";
import { markdownTable, row, textTable } from "../../../../bench/lib/report.js";

describe("bench rows", () => {
  it("computes the ratio to the baseline and judges a ratio target", () => {
    const r = row(
      "cache hits",
      "dspex, 256 in flight",
      60_000,
      "calls/s",
      { label: "echo", value: 100_000 },
      {
        op: ">=",
        value: 0.6,
      },
    );
    expect(r.ratio).toBe(0.6);
    expect(r.met).toBe(true);
    const missed = row(
      "cache hits",
      "dspex",
      59_000,
      "calls/s",
      { label: "echo", value: 100_000 },
      {
        op: ">=",
        value: 0.6,
      },
    );
    expect(missed.met).toBe(false);
  });

  it("judges a target on the value when asked to", () => {
    expect(
      row("restart", "p50", 99, "ms", { label: "bare", value: 30 }, { op: "<", value: 100, on: "value" }).met,
    ).toBe(true);
    expect(row("restart", "lost", 1, "calls", undefined, { op: "==", value: 0, on: "value" }).met).toBe(
      false,
    );
  });

  it("judges an at-most target, and shows a small ratio with three decimals", () => {
    const sdk = { label: "openai SDK", value: 537 };
    const within = row("event loop", "main-thread CPU per call", 16, "µs", sdk, { op: "<=", value: 0.03 });
    expect(within.met).toBe(true);
    expect(markdownTable([within])).toContain("| 0.030 |");
    const over = row("event loop", "main-thread CPU per call", 17, "µs", sdk, { op: "<=", value: 0.03 });
    expect(over.met).toBe(false);
    expect(
      row("one call", "over undici", 100, "µs", undefined, { op: "<=", value: 100, on: "value" }).met,
    ).toBe(true);
  });

  it("renders the same rows as a text and a Markdown table", () => {
    const rows = [
      row("s", "a | b", 1_234.5, "calls/s", { label: "peer", value: 617.25 }, { op: ">=", value: 4 }),
    ];
    expect(textTable(rows)).toContain("MISSED");
    const md = markdownTable(rows);
    expect(md.split("\n")).toHaveLength(3);
    expect(md).toContain("a \\| b");
    expect(md).toContain("2.00");
  });
});

describe("bench options", () => {
  it("defaults to every scenario at full size and writes the docs only then", () => {
    const o = parseOptions([], {});
    expect(o?.scenarios).toEqual([...SCENARIOS]);
    expect(o?.hitsInFlight).toEqual([1, 16, 256]);
    expect(o?.writeDocs).toBe(true);
    expect(parseOptions(["--scenario", "restart"], {})?.writeDocs).toBe(false);
  });

  it("takes flags over the environment, and --quick sizes", () => {
    const o = parseOptions(["--quick", "--kills", "7"], { BENCH_KILLS: "9", BENCH_DURATION_MS: "50" });
    expect(o?.kills).toBe(7);
    expect(o?.durationMs).toBe(50);
    expect(o?.missesInFlight).toEqual([16]);
    expect(o?.writeDocs).toBe(false);
  });

  it("sizes the one-call, large-answer and event-loop scenarios", () => {
    const full = parseOptions([], {});
    expect(full?.scenarios).toEqual(expect.arrayContaining(["one-call", "large-answers", "event-loop"]));
    expect([full?.answerKb, full?.answerInFlight, full?.loopInFlight, full?.loopLatencyMs]).toEqual([
      [20, 100],
      64,
      500,
      50,
    ]);
    const quick = parseOptions(["--quick", "--answer-kb", "5"], { BENCH_LOOP_INFLIGHT: "40" });
    expect([quick?.answerKb, quick?.answerInFlight, quick?.loopInFlight]).toEqual([[5], 16, 40]);
  });

  it("rejects an unknown scenario and a bad size", () => {
    expect(() => parseOptions(["--scenario", "nope"], {})).toThrow(/unknown "nope"/);
    expect(() => parseOptions(["--kills", "0"], {})).toThrow(/positive integer/);
    expect(parseOptions(["--help"], {})).toBeUndefined();
  });
});

describe("bench chart", () => {
  it("draws one line per contender and escapes labels", () => {
    const svg = throughputChart(
      [
        {
          title: "hits <1>",
          series: [
            {
              label: "a & b",
              points: [
                { inFlight: 1, throughput: 10 },
                { inFlight: 256, throughput: 90 },
              ],
            },
            {
              label: "c",
              points: [
                { inFlight: 1, throughput: 20 },
                { inFlight: 256, throughput: 40 },
              ],
            },
          ],
        },
      ],
      "caption",
    );
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain("a &amp; b");
    expect(svg).toContain("hits &lt;1&gt;");
  });
});
