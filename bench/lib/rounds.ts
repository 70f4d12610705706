/**
 * Contenders measured side by side: one load run of each, then the next round, so that noise from
 * other work on the machine spreads over all of them; each figure is then the median of its rounds
 * ({@link medianRound}). Also the detail line the rounds' rows carry.
 */
import type { Contender } from "./contender.js";
import { type LoadResult, runLoad } from "./load.js";
import type { BenchOptions } from "./options.js";
import { point } from "./progress.js";

/**
 * `o.rounds` interleaved rounds of every contender at `inFlight`; each run is reported as a point
 * (labelled `label(contender)`). Returns each contender's rounds, by its key in `contenders`.
 */
export async function interleavedRounds(
  contenders: Record<string, Contender>,
  o: Pick<BenchOptions, "rounds" | "durationMs" | "warmupMs" | "warmupCalls">,
  inFlight: number,
  label: (c: Contender) => string = (c) => c.label,
): Promise<Record<string, LoadResult[]>> {
  const rounds: Record<string, LoadResult[]> = {};
  for (const key of Object.keys(contenders)) rounds[key] = [];
  for (let round = 0; round < o.rounds; round++) {
    for (const [key, c] of Object.entries(contenders)) {
      const r = await runLoad(c.call, {
        inFlight,
        durationMs: o.durationMs,
        warmupMs: o.warmupMs,
        warmupCalls: o.warmupCalls,
      });
      point(label(c), r);
      rounds[key]?.push(r);
    }
  }
  return rounds;
}

/** A row's detail: latency percentiles and CPU per call (main thread, whole process). */
export function latencyCpuNote(r: LoadResult): string {
  return `p50 ${r.latency.p50Ms} / p99 ${r.latency.p99Ms} ms; CPU/call ${r.mainCpuPerCallUs} µs main thread, ${r.processCpuPerCallUs} µs process`;
}
