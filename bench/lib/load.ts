/**
 * The load generator: keeps exactly `inFlight` calls outstanding (a closed loop: each lane starts its
 * next call when the previous one settles), for a duration or a number of calls. A warm-up phase runs
 * first and is not counted; only calls that settle inside the measured window count, so throughput is
 * (calls settled in the window) / (window length).
 */
import { performance } from "node:perf_hooks";
import { type CpuReading, cpuShare, mainThreadCpu, processSwitches } from "./cpu.js";
import { EventLoopProbe, type EventLoopSummary } from "./eventLoop.js";
import { LatencyHistogram, type LatencySummary, round } from "./histogram.js";

/** One call of the system under test; `seq` numbers the calls from 0. */
export type CallFn = (seq: number) => Promise<unknown>;

/** How much load to apply. */
export interface LoadOptions {
  /** Calls kept outstanding at once. */
  inFlight: number;
  /** Length of the measured window, in ms (ignored when `count` is set). */
  durationMs?: number;
  /** Measure exactly this many calls instead of a time window (no warm-up then unless `warmupMs`). */
  count?: number;
  /** Warm-up before measuring, in ms (JIT, connection pools, caches). */
  warmupMs?: number;
  /**
   * Also wait, before measuring, until this many calls have settled (at most `drainTimeoutMs`): with
   * `inFlight`, every lane has made a call, so every connection it needs is open.
   */
  warmupCalls?: number;
  /** Longest wait for the last calls to settle after the window, in ms (default 30,000). */
  drainTimeoutMs?: number;
  /** Also watch the event loop (timer delay, utilization) during the window. */
  eventLoop?: boolean;
}

/** What one load run measured. */
export interface LoadResult {
  inFlight: number;
  /** Calls that resolved inside the window. */
  ok: number;
  /** Calls that rejected inside the window, by error code (or name). */
  errors: Record<string, number>;
  failed: number;
  windowMs: number;
  /** Resolved calls per second. */
  throughput: number;
  /** Rejected calls per second. */
  failuresPerSec: number;
  /** Latency of the calls that resolved. */
  latency: LatencySummary;
  /** Latency of the calls that rejected. */
  failureLatency: LatencySummary;
  /** Share of one core the main thread used during the window. */
  mainCpu: number;
  /** Main-thread CPU per settled call, in microseconds. */
  mainCpuPerCallUs: number;
  /**
   * CPU of the whole process (main thread and its workers; the mock server runs elsewhere) per settled
   * call, in microseconds: the client side's full cost of a call, which machine load barely moves.
   */
  processCpuPerCallUs: number;
  cpuSource: CpuReading["source"];
  /** Context switches of the process's threads per settled call (Linux only): threads contending for cores. */
  switchesPerCall?: number;
  /** Calls still unsettled when the drain time-out ran out (should be 0). */
  stuck: number;
  /** How free the event loop stayed during the window, when `eventLoop` asked for it. */
  eventLoop?: EventLoopSummary;
}

/** Runs `call` under a closed-loop load of `inFlight` lanes and measures it. */
export async function runLoad(call: CallFn, options: LoadOptions): Promise<LoadResult> {
  const { inFlight, warmupMs = 0, drainTimeoutMs = 30_000 } = options;
  const histogram = new LatencyHistogram();
  const failureHistogram = new LatencyHistogram();
  const errors: Record<string, number> = {};
  let seq = 0;
  let ok = 0;
  let failed = 0;
  let measuring = false;
  let stopping = false;
  let issued = 0;
  let pending = 0;
  let settledEver = 0;
  let warmedUp: (() => void) | undefined;

  const lane = async (): Promise<void> => {
    let turns = 0;
    while (!stopping) {
      // A call that settles at once (a synchronous rejection) would spin this loop in microtasks and
      // starve the timer that ends the window: let the event loop turn now and then.
      if (++turns % 64 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      if (options.count !== undefined && issued >= options.count && measuring) return;
      // Timed runs count every call that settles inside the window (steady-state completions per
      // second); counted runs count exactly the calls issued once measuring began.
      const counted = options.count === undefined || measuring;
      if (measuring) issued++;
      const start = performance.now();
      pending++;
      try {
        await call(seq++);
        if (measuring && counted) {
          ok++;
          histogram.record(performance.now() - start);
        }
      } catch (error) {
        if (measuring && counted) {
          failed++;
          failureHistogram.record(performance.now() - start);
          const code = errorCode(error);
          errors[code] = (errors[code] ?? 0) + 1;
        }
      } finally {
        pending--;
        settledEver++;
        if (warmedUp !== undefined && settledEver >= (options.warmupCalls ?? 0)) warmedUp();
      }
    }
  };

  const lanes = Array.from({ length: inFlight }, lane);
  if (warmupMs > 0) await delay(warmupMs);
  if (options.warmupCalls !== undefined && settledEver < options.warmupCalls) {
    const enough = new Promise<void>((resolve) => {
      warmedUp = resolve;
    });
    await Promise.race([enough, delay(drainTimeoutMs)]);
    warmedUp = undefined;
  }
  const probe = options.eventLoop === true ? new EventLoopProbe() : undefined;
  probe?.start();
  const cpuBefore = mainThreadCpu();
  const processBefore = process.cpuUsage();
  const switchesBefore = processSwitches();
  const t0 = performance.now();
  measuring = true;
  let windowMs: number;
  let cpuAfter: CpuReading;
  let processAfter: NodeJS.CpuUsage;
  let switchesAfter: number | undefined;
  let eventLoop: EventLoopSummary | undefined;
  if (options.count !== undefined) {
    await settleAll(lanes, drainTimeoutMs + (options.durationMs ?? 600_000));
    windowMs = performance.now() - t0;
    cpuAfter = mainThreadCpu();
    processAfter = process.cpuUsage(processBefore);
    switchesAfter = processSwitches();
    eventLoop = probe?.stop();
  } else {
    await delay(options.durationMs ?? 2_000);
    windowMs = performance.now() - t0;
    cpuAfter = mainThreadCpu();
    processAfter = process.cpuUsage(processBefore);
    switchesAfter = processSwitches();
    eventLoop = probe?.stop();
    measuring = false;
  }
  stopping = true;
  const settled = await settleAll(lanes, drainTimeoutMs);
  const stuck = settled ? 0 : pending;
  const settledCalls = ok + failed;
  const cpuMs = (cpuAfter.micros - cpuBefore.micros) / 1_000;
  const result: LoadResult = {
    inFlight,
    ok,
    errors,
    failed,
    windowMs: round(windowMs),
    throughput: round((ok * 1_000) / windowMs),
    failuresPerSec: round((failed * 1_000) / windowMs),
    latency: histogram.summary(),
    failureLatency: failureHistogram.summary(),
    mainCpu: round(cpuShare(cpuBefore, cpuAfter, windowMs)),
    mainCpuPerCallUs: settledCalls > 0 ? round((cpuMs * 1_000) / settledCalls) : 0,
    processCpuPerCallUs:
      settledCalls > 0 ? round((processAfter.user + processAfter.system) / settledCalls) : 0,
    cpuSource: cpuAfter.source,
    stuck,
  };
  if (eventLoop !== undefined) result.eventLoop = eventLoop;
  if (switchesBefore !== undefined && switchesAfter !== undefined && settledCalls > 0) {
    result.switchesPerCall = round((switchesAfter - switchesBefore) / settledCalls);
  }
  return result;
}

/** The stable code of an error (`ERR_...`), or its name. */
export function errorCode(error: unknown): string {
  if (typeof error === "object" && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string") return code;
    const name = (error as { name?: unknown }).name;
    if (typeof name === "string") return name;
  }
  return "unknown";
}

/** Resolves after `ms`; the timer does not keep the process alive. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** True when every promise settled within `timeoutMs`, false when the time ran out first. */
async function settleAll(promises: Promise<unknown>[], timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
    timer.unref();
  });
  const done = Promise.allSettled(promises).then(() => true as const);
  const result = await Promise.race([done, timedOut]);
  clearTimeout(timer);
  return result;
}

/** The round with the median throughput (rounds measured alike, so noise from other work drops out). */
export function medianRound(rounds: LoadResult[]): LoadResult {
  const sorted = [...rounds].sort((a, b) => a.throughput - b.throughput);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  if (median === undefined) throw new Error("medianRound: no rounds");
  return median;
}
