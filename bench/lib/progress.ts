/** Progress on the terminal while a run goes: one line per measured point, on stderr. */
import type { LoadResult } from "./load.js";

/** Prints a scenario heading. */
export function heading(text: string): void {
  process.stderr.write(`\n== ${text}\n`);
}

/** Prints a free-form progress line. */
export function note(text: string): void {
  process.stderr.write(`   ${text}\n`);
}

/** Prints one load result. */
export function point(label: string, r: LoadResult): void {
  const errors = r.failed > 0 ? `  errors ${JSON.stringify(r.errors)}` : "";
  const stuck = r.stuck > 0 ? `  STUCK ${r.stuck}` : "";
  note(
    `${label.padEnd(34)} ${String(r.inFlight).padStart(5)} in flight  ${Math.round(r.throughput)
      .toLocaleString("en-US")
      .padStart(
        8,
      )}/s  p50 ${r.latency.p50Ms} ms  p99 ${r.latency.p99Ms} ms  main cpu ${Math.round(r.mainCpu * 100)}%${errors}${stuck}`,
  );
}
