/**
 * How free the caller's event loop stayed during a measured window: how late a timer due every 10 ms
 * fires (what a user's own timers and I/O callbacks wait beyond their time) and the event-loop
 * utilization (`performance.eventLoopUtilization`: the share of the window the loop spent running
 * callbacks rather than waiting for I/O).
 *
 * The delay is sampled here rather than read from `perf_hooks.monitorEventLoopDelay` alone, because
 * that histogram takes one sample per timer turn: a loop blocked for most of the window yields a handful
 * of samples (none at all when one turn spans the window), and its percentiles read low or zero exactly
 * when the loop is worst (nodejs/node#34661). This sampler records each lateness with the samples a
 * 10 ms sampler missed meanwhile (HdrHistogram's coordinated-omission correction), and counts the turn
 * still running when the window closes. `monitorEventLoopDelay`'s own p99 is kept beside it (with the
 * 10 ms period subtracted: it records whole intervals) for comparison with figures taken that way.
 */
import {
  type EventLoopUtilization,
  type IntervalHistogram,
  monitorEventLoopDelay,
  performance,
} from "node:perf_hooks";
import { LatencyHistogram, round } from "./histogram.js";

/** The event loop's figures over one window. */
export interface EventLoopSummary {
  /** Timer lateness, median, in ms. */
  delayP50Ms: number;
  /** Timer lateness, 99th percentile, in ms. */
  delayP99Ms: number;
  /** Longest timer lateness, in ms. */
  delayMaxMs: number;
  /** `monitorEventLoopDelay`'s p99 (uncorrected, 0 when it took no sample), in ms. */
  monitorP99Ms: number;
  /** Share of the window the loop was busy, 0 to 1. */
  utilization: number;
}

/** The sampling period: `monitorEventLoopDelay`'s default, cheap enough not to move what it measures. */
const RESOLUTION_MS = 10;

/** The state of a probe: idle, or watching since `start()`. */
type ProbeState =
  | { kind: "idle" }
  | {
      kind: "watching";
      monitor: IntervalHistogram;
      lateness: LatencyHistogram;
      utilizationAtStart: EventLoopUtilization;
      due: number;
      timer: NodeJS.Timeout;
    };

/** Watches the event loop from `start()` to `stop()`. */
export class EventLoopProbe {
  #state: ProbeState = { kind: "idle" };

  /** Opens the window. */
  start(): void {
    if (this.#state.kind === "watching") throw new Error("EventLoopProbe: already started");
    const monitor = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    monitor.enable();
    this.#state = {
      kind: "watching",
      monitor,
      lateness: new LatencyHistogram(),
      utilizationAtStart: performance.eventLoopUtilization(),
      due: performance.now() + RESOLUTION_MS,
      timer: this.#arm(),
    };
  }

  /** Closes the window and summarizes it. */
  stop(): EventLoopSummary {
    const state = this.#state;
    if (state.kind !== "watching") throw new Error("EventLoopProbe: stop before start");
    this.#state = { kind: "idle" };
    clearTimeout(state.timer);
    // The turn running now has held the next sample back since it was due: it counts too.
    const late = performance.now() - state.due;
    if (late > 0) state.lateness.recordLateness(late, RESOLUTION_MS);
    const utilization = performance.eventLoopUtilization(state.utilizationAtStart).utilization;
    state.monitor.disable();
    const delay = state.lateness.summary();
    const monitorP99 =
      state.monitor.count > 0 ? Math.max(0, state.monitor.percentile(99) / 1e6 - RESOLUTION_MS) : 0;
    return {
      delayP50Ms: delay.p50Ms,
      delayP99Ms: delay.p99Ms,
      delayMaxMs: delay.maxMs,
      monitorP99Ms: round(monitorP99),
      utilization: round(utilization),
    };
  }

  #arm(): NodeJS.Timeout {
    const timer = setTimeout(this.#sample, RESOLUTION_MS);
    timer.unref();
    return timer;
  }

  readonly #sample = (): void => {
    const state = this.#state;
    if (state.kind !== "watching") return;
    const now = performance.now();
    state.lateness.recordLateness(Math.max(0, now - state.due), RESOLUTION_MS);
    state.due = now + RESOLUTION_MS;
    state.timer = this.#arm();
  };
}
