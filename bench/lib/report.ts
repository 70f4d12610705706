/**
 * Results for people and for machines: one {@link Row} per figure (scenario, figure, value, the
 * ceiling or peer it is compared with, their ratio, the target), a fixed-width table for the
 * terminal, a Markdown table for docs/benchmarks.md, and the JSON written under bench/results/.
 */
import { round } from "./histogram.js";

/** A target on a row's ratio (or on its value when the row has no baseline). */
export interface Target {
  /** `>=`: at least; `<=`: at most; `<`: below; `==`: exactly. */
  op: ">=" | "<=" | "<" | "==";
  value: number;
  /** What the target reads: the ratio (default) or the value itself. */
  on?: "ratio" | "value";
}

/** One line of the results table. */
export interface Row {
  scenario: string;
  /** What was measured, e.g. `dspex call, cache hit, 256 in flight`. */
  figure: string;
  value: number;
  unit: string;
  /** The ceiling or peer measured in the same run. */
  baseline?: { label: string; value: number };
  /** value / baseline.value. */
  ratio?: number;
  target?: Target;
  /** Whether the target was met (absent when there is no target). */
  met?: boolean;
  /** Supporting figures (latencies, CPU per call), shown last. */
  detail?: string;
}

/** Builds a row, computing the ratio and whether the target is met. */
export function row(
  scenario: string,
  figure: string,
  value: number,
  unit: string,
  baseline?: { label: string; value: number },
  target?: Target,
  detail?: string,
): Row {
  const r: Row = { scenario, figure, value: round(value), unit };
  if (detail !== undefined) r.detail = detail;
  if (baseline !== undefined) {
    r.baseline = { label: baseline.label, value: round(baseline.value) };
    r.ratio = baseline.value > 0 ? round(value / baseline.value) : Number.NaN;
  }
  if (target !== undefined) {
    r.target = target;
    const subject = target.on === "value" || r.ratio === undefined ? value : r.ratio;
    r.met =
      target.op === ">="
        ? subject >= target.value
        : target.op === "<="
          ? subject <= target.value
          : target.op === "<"
            ? subject < target.value
            : subject === target.value;
  }
  return r;
}

function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1_000) return Math.round(n).toLocaleString("en-US");
  return String(round(n));
}

function targetText(r: Row): string {
  if (r.target === undefined) return "";
  const subject = r.target.on === "value" || r.ratio === undefined ? "" : "ratio ";
  const verdict = r.met ? "met" : "MISSED";
  return `${subject}${r.target.op} ${r.target.value}: ${verdict}`;
}

function cells(r: Row): string[] {
  return [
    r.scenario,
    r.figure,
    `${formatNumber(r.value)} ${r.unit}`,
    r.baseline ? `${r.baseline.label}: ${formatNumber(r.baseline.value)}` : "",
    r.ratio === undefined ? "" : r.ratio.toFixed(Math.abs(r.ratio) < 0.1 ? 3 : 2),
    targetText(r),
    r.detail ?? "",
  ];
}

const HEADER = ["scenario", "figure", "value", "ceiling or peer (same run)", "ratio", "target", "detail"];

/** The table for the terminal. */
export function textTable(rows: Row[]): string {
  const body = rows.map(cells);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...body.map((c) => (c[i] ?? "").length)));
  const line = (c: string[]): string =>
    c
      .map((x, i) => x.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(HEADER), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

/** The same table in Markdown. */
export function markdownTable(rows: Row[]): string {
  const esc = (s: string): string => s.replaceAll("|", "\\|");
  const line = (c: string[]): string => `| ${c.map(esc).join(" | ")} |`;
  return [line(HEADER), line(HEADER.map(() => "---")), ...rows.map((r) => line(cells(r)))].join("\n");
}
