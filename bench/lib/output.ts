/**
 * Where a run's results go: JSON under bench/results/, the SVG chart into docs/, and the latest
 * table into docs/benchmarks.md between two markers (the prose around them is written by hand).
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { markdownTable, type Row } from "./report.js";

/** The repository root, from dist/bench/lib/. */
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** The chart's path in the repository, as docs/benchmarks.md links it. */
export const CHART_FILE = "docs/benchmarks-throughput.svg";

const START = "<!-- bench:results:start -->";
const END = "<!-- bench:results:end -->";

/** The machine a run measured, for the JSON and the docs. */
export function machine(): Record<string, string | number> {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? "unknown",
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${process.platform} ${process.arch}`,
    node: process.version,
  };
}

/**
 * Writes `results` as bench/results/latest[-quick].json and, when `keep` (a full run that updates the
 * docs), also as bench/results/<stamp>.json, so the results behind each published table stay on
 * record without every trial run adding a file. Returns the paths.
 */
export async function writeJson(
  results: unknown,
  quick: boolean,
  stamp: string,
  keep: boolean,
): Promise<string[]> {
  const dir = `${ROOT}bench/results/`;
  await mkdir(dir, { recursive: true });
  const text = `${JSON.stringify(results, null, 2)}\n`;
  const files = [`${dir}latest${quick ? "-quick" : ""}.json`];
  if (keep) files.push(`${dir}${stamp}.json`);
  await Promise.all(files.map((f) => writeFile(f, text)));
  return files;
}

/** Writes a chart (by default the throughput chart) at its path in the repository. */
export async function writeChart(svg: string, path: string = CHART_FILE): Promise<string> {
  const file = `${ROOT}${path}`;
  await mkdir(`${ROOT}docs`, { recursive: true });
  await writeFile(file, svg);
  return file;
}

/** Replaces the results block of docs/benchmarks.md (the markers must be there). */
export async function writeDocsTable(rows: Row[], command: string, when: string): Promise<string> {
  const file = `${ROOT}docs/benchmarks.md`;
  const doc = await readFile(file, "utf8");
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${file}: results markers not found`);
  const m = machine();
  const block = [
    START,
    "",
    `Measured ${when} on ${m.cpu} (${m.cores} cores, ${m.memoryGiB} GiB), ${m.os}, Node ${m.node}, with:`,
    "",
    "```sh",
    command,
    "```",
    "",
    markdownTable(rows),
    "",
    `![Throughput against calls in flight](${CHART_FILE.replace("docs/", "")})`,
    "",
  ].join("\n");
  await writeFile(file, doc.slice(0, start) + block + doc.slice(end));
  return file;
}
