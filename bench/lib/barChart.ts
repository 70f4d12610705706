/**
 * A bar chart written by hand as SVG (no charting dependency), for figures that compare contenders at
 * one load rather than along a sweep: one panel per figure, one horizontal bar per contender, panels in
 * a grid. The first bar of each panel is dspex, drawn in the accent colour.
 */
import { compact, escapeXml, niceStep, svgDocument } from "./svg.js";

/** One figure across the contenders. */
export interface BarPanel {
  title: string;
  /** Appended to each bar's value, e.g. ` µs`. */
  unit: string;
  bars: { label: string; value: number }[];
}

const W = 400;
const BAR = 18;
const GAP = 6;
const M = { left: 138, right: 64, top: 30, bottom: 26 };
const ACCENT = "#d62728";
const OTHER = "#7f9cbf";

/** Renders the panels in a grid of `columns`, with `caption` under them. */
export function barChart(panels: BarPanel[], caption: string, columns = 2): string {
  const rows = Math.ceil(panels.length / columns);
  const tallest = Math.max(0, ...panels.map((p) => p.bars.length));
  const h = M.top + tallest * (BAR + GAP) + M.bottom;
  const width = W * Math.min(columns, panels.length);
  const height = h * rows + 24;
  const parts = panels.map((p, i) => panel(p, (i % columns) * W, Math.floor(i / columns) * h));
  return svgDocument(width, height, parts, caption);
}

function panel(p: BarPanel, x0: number, y0: number): string {
  const step = niceStep(Math.max(Number.MIN_VALUE, ...p.bars.map((b) => b.value)));
  const plotW = W - M.left - M.right;
  const plotH = p.bars.length * (BAR + GAP);
  const sx = (v: number): number => (v / step.max) * plotW;
  const left = x0 + M.left;
  const out: string[] = [
    `<text x="${x0 + 8}" y="${y0 + 18}" font-size="13" font-weight="bold">${escapeXml(p.title)}</text>`,
  ];
  for (let i = 0; i <= step.ticks; i++) {
    const x = left + sx(step.size * i);
    out.push(
      `<line x1="${x}" x2="${x}" y1="${y0 + M.top - 4}" y2="${y0 + M.top + plotH}" stroke="#e5e5e5"/>`,
      `<text x="${x}" y="${y0 + M.top + plotH + 14}" text-anchor="middle" fill="#555">${compact(step.size * i)}</text>`,
    );
  }
  p.bars.forEach((b, i) => {
    const y = y0 + M.top + i * (BAR + GAP);
    const w = Math.max(1, sx(b.value));
    out.push(
      `<text x="${left - 6}" y="${y + BAR - 5}" text-anchor="end">${escapeXml(b.label)}</text>`,
      `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${BAR}" fill="${i === 0 ? ACCENT : OTHER}"/>`,
      `<text x="${(left + w + 4).toFixed(1)}" y="${y + BAR - 5}"${i === 0 ? ' font-weight="bold"' : ""}>${escapeXml(`${formatValue(b.value)}${p.unit}`)}</text>`,
    );
  });
  return out.join("\n");
}

/** Three significant digits, thousands grouped: what a reader compares at a glance. */
function formatValue(v: number): string {
  if (v >= 999.5) return Math.round(v).toLocaleString("en-US");
  return String(Number(v.toPrecision(3)));
}
