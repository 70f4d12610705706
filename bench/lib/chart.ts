/**
 * The throughput chart, written by hand as SVG (no charting dependency): one panel per workload,
 * calls in flight on a log x axis, calls per second on a linear y axis, one line per contender.
 */
import { compact, escapeXml, niceStep, svgDocument } from "./svg.js";

/** One contender's line in a panel. */
export interface Series {
  label: string;
  points: { inFlight: number; throughput: number }[];
}

/** One panel of the chart. */
export interface Panel {
  title: string;
  series: Series[];
}

const COLORS = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];
const W = 460;
const H = 320;
const M = { left: 64, right: 16, top: 36, bottom: 112 };

/** Renders the panels side by side. The first series of each panel is drawn thickest (dspex). */
export function throughputChart(panels: Panel[], caption: string): string {
  const width = W * panels.length;
  const parts = panels.map((p, i) => panel(p, i * W));
  // The caption sits 8 px above the bottom edge, as on every chart (svgDocument).
  return svgDocument(width, H + 24, parts, caption);
}

function panel(p: Panel, x0: number): string {
  const xs = [...new Set(p.series.flatMap((s) => s.points.map((pt) => pt.inFlight)))].sort((a, b) => a - b);
  const step = niceStep(Math.max(1, ...p.series.flatMap((s) => s.points.map((pt) => pt.throughput))));
  const maxY = step.max;
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const lo = Math.log10(xs[0] ?? 1);
  const hi = Math.log10(xs[xs.length - 1] ?? 10);
  const span = hi - lo || 1;
  const sx = (v: number): number =>
    x0 + M.left + (xs.length === 1 ? plotW / 2 : ((Math.log10(v) - lo) / span) * plotW);
  const sy = (v: number): number => M.top + plotH - (v / maxY) * plotH;
  const out: string[] = [];
  out.push(`<text x="${x0 + M.left}" y="20" font-size="13" font-weight="bold">${escapeXml(p.title)}</text>`);
  for (let i = 0; i <= step.ticks; i++) {
    const v = step.size * i;
    const y = sy(v);
    out.push(`<line x1="${x0 + M.left}" x2="${x0 + M.left + plotW}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${x0 + M.left - 6}" y="${y + 4}" text-anchor="end">${compact(v)}</text>`);
  }
  for (const x of xs) {
    out.push(`<text x="${sx(x)}" y="${M.top + plotH + 16}" text-anchor="middle">${x}</text>`);
  }
  out.push(
    `<text x="${x0 + M.left + plotW / 2}" y="${M.top + plotH + 32}" text-anchor="middle" fill="#555">calls in flight (log scale)</text>`,
  );
  out.push(
    `<text transform="translate(${x0 + 14},${M.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#555">calls per second</text>`,
  );
  out.push(
    `<rect x="${x0 + M.left}" y="${M.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
  );
  p.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = s.points
      .slice()
      .sort((a, b) => a.inFlight - b.inFlight)
      .map((pt) => `${sx(pt.inFlight).toFixed(1)},${sy(pt.throughput).toFixed(1)}`);
    const strokeWidth = i === 0 ? 3 : 1.5;
    out.push(
      `<polyline points="${pts.join(" ")}" fill="none" stroke="${color}" stroke-width="${strokeWidth}"/>`,
    );
    for (const pt of pts) {
      const [cx, cy] = pt.split(",");
      out.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${color}"/>`);
    }
    const lx = x0 + M.left;
    const ly = M.top + plotH + 50 + i * 15;
    out.push(
      `<line x1="${lx}" x2="${lx + 18}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="${strokeWidth}"/>`,
    );
    out.push(`<text x="${lx + 24}" y="${ly}">${escapeXml(s.label)}</text>`);
  });
  return out.join("\n");
}
