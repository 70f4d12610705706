/**
 * Latency histograms: HdrHistogram records every call in microseconds, so p99 is exact to three
 * significant digits however many calls a run makes (a sorted array would cost memory and time).
 */
import * as hdr from "hdr-histogram-js";

/** Percentiles of one run, in milliseconds. */
export interface LatencySummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Records durations given in milliseconds; summarizes them in milliseconds. */
export class LatencyHistogram {
  readonly #histogram = hdr.build({ lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3 });

  /** Records one duration (ms); stored as whole microseconds, at least 1. */
  record(ms: number): void {
    this.#histogram.recordValue(Math.max(1, Math.round(ms * 1_000)));
  }

  /**
   * Records a sampler's lateness (ms) the way HdrHistogram corrects coordinated omission: a sampler
   * due every `intervalMs` that was held up for `ms` missed the samples it would have taken meanwhile,
   * and those are recorded too (`ms - intervalMs`, `ms - 2 * intervalMs`, ...). Without them, a loop
   * blocked most of the time yields few samples and its percentiles read far too low.
   */
  recordLateness(ms: number, intervalMs: number): void {
    this.#histogram.recordValueWithExpectedInterval(
      Math.max(1, Math.round(ms * 1_000)),
      Math.round(intervalMs * 1_000),
    );
  }

  /** Number of recorded durations. */
  get count(): number {
    return this.#histogram.totalCount;
  }

  /** The percentiles, in milliseconds (all 0 when nothing was recorded). */
  summary(): LatencySummary {
    const h = this.#histogram;
    const ms = (us: number): number => round(us / 1_000);
    if (h.totalCount === 0) return { count: 0, meanMs: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, maxMs: 0 };
    return {
      count: h.totalCount,
      meanMs: ms(h.mean),
      p50Ms: ms(h.getValueAtPercentile(50)),
      p90Ms: ms(h.getValueAtPercentile(90)),
      p99Ms: ms(h.getValueAtPercentile(99)),
      maxMs: ms(h.maxValue),
    };
  }
}

/** Rounds to three significant-ish decimals, enough for a table and stable in JSON. */
export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 1 : abs >= 1 ? 2 : 3;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
