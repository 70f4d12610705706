/**
 * How free the caller's event loop stayed during a measured window: the delay of a 10 ms timer
 * (`perf_hooks.monitorEventLoopDelay`, what a user's own timers and I/O callbacks wait beyond their due
 * time) and the event-loop utilization (`performance.eventLoopUtilization`: the share of the window the
 * loop spent running callbacks rather than waiting in the poll phase).
 */
import {
  type EventLoopUtilization,
  type IntervalHistogram,
  monitorEventLoopDelay,
  performance,
} from "node:perf_hooks";
import { round } from "./histogram.js";

/** The event loop's figures over one window. */
export interface EventLoopSummary {
  /** Timer delay beyond its due time, median, in ms. */
  delayP50Ms: number;
  /** Timer delay, 99th percentile, in ms. */
  delayP99Ms: number;
  /** Longest timer delay seen, in ms. */
  delayMaxMs: number;
  /** Share of the window the loop was busy, 0 to 1. */
  utilization: number;
}

/** The sampling period of the delay monitor: Node's default, cheap enough not to move what it measures. */
const RESOLUTION_MS = 10;

/** Watches the event loop from `start()` to `stop()`. */
export class EventLoopProbe {
  #histogram: IntervalHistogram | undefined;
  #utilizationAtStart: EventLoopUtilization | undefined;

  /** Opens the window. */
  start(): void {
    this.#histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    this.#histogram.enable();
    this.#utilizationAtStart = performance.eventLoopUtilization();
  }

  /** Closes the window and summarizes it. */
  stop(): EventLoopSummary {
    const histogram = this.#histogram;
    const atStart = this.#utilizationAtStart;
    if (histogram === undefined || atStart === undefined)
      throw new Error("EventLoopProbe: stop before start");
    const utilization = performance.eventLoopUtilization(atStart).utilization;
    histogram.disable();
    this.#histogram = undefined;
    this.#utilizationAtStart = undefined;
    // The histogram records the whole interval between samples (resolution included), in ns.
    const delayMs = (ns: number): number => round(Math.max(0, ns / 1e6 - RESOLUTION_MS));
    const sampled = histogram.count > 0;
    return {
      delayP50Ms: sampled ? delayMs(histogram.percentile(50)) : 0,
      delayP99Ms: sampled ? delayMs(histogram.percentile(99)) : 0,
      delayMaxMs: sampled ? delayMs(histogram.max) : 0,
      utilization: round(utilization),
    };
  }
}
