/** The shape every scenario file exports: options in, rows (and maybe a chart panel) out. */
import type { Panel } from "./chart.js";
import type { BenchOptions } from "./options.js";
import type { Row } from "./report.js";

/** A chart a scenario draws itself, written into docs/ by a run that updates the docs. */
export interface ChartFile {
  /** Its path in the repository, e.g. `docs/benchmarks-event-loop.svg`. */
  file: string;
  /** The SVG, with `caption` (when, where, the command) under it. */
  render: (caption: string) => string;
}

/** What one scenario produced. */
export interface ScenarioResult {
  /** Lines of the results table. */
  rows: Row[];
  /** A panel of the throughput chart, for the scenarios that sweep calls in flight. */
  panel?: Panel;
  /** Charts of its own (beside its panel of the throughput chart). */
  charts?: ChartFile[];
  /** Every raw measurement, for the JSON file. */
  data: Record<string, unknown>;
}

/** A scenario: runs bounded load against 127.0.0.1 only, stops by itself, releases everything. */
export interface Scenario {
  name: string;
  title: string;
  run(options: BenchOptions): Promise<ScenarioResult>;
}
