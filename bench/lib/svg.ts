/** Small helpers shared by the hand-written SVG charts. */

/** A round tick size (1, 2, 2.5 or 5 times a power of ten) giving at most 5 ticks up to `v`. */
export function niceStep(v: number): { size: number; ticks: number; max: number } {
  const p = 10 ** Math.floor(Math.log10(v / 5));
  const size = [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => v / s <= 5) ?? 10 * p;
  const ticks = Math.max(1, Math.ceil(v / size));
  return { size, ticks, max: size * ticks };
}

/** Text safe inside an SVG element or attribute. */
export function escapeXml(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}

/** A short axis label: `12.5k` from 1,000 up, one decimal below. */
export function compact(v: number): string {
  return v >= 1_000 ? `${Math.round(v / 100) / 10}k` : String(Math.round(v * 10) / 10);
}

/** A whole chart: a white page of `width` x `height` holding `parts`, `caption` in grey at the bottom. */
export function svgDocument(
  width: number,
  height: number,
  parts: readonly string[],
  caption: string,
): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...parts,
    `<text x="8" y="${height - 8}" fill="#555">${escapeXml(caption)}</text>`,
    "</svg>",
  ].join("\n");
}
