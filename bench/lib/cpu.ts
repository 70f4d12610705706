/**
 * CPU time of the main thread alone. `process.cpuUsage()` counts every thread of the process (the
 * workers too), so it cannot tell how busy the caller's event loop is. Node 23.9+ has
 * `process.threadCpuUsage()`; on Node 20 Linux exposes the main thread's times in
 * `/proc/self/task/<pid>/stat` (the main thread's tid is the pid), in clock ticks of 10 ms.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Where the figure came from: exact per thread, per thread in 10 ms ticks, or the whole process. */
export type CpuSource = "threadCpuUsage" | "procfs" | "process";

/** A reading of the main thread's CPU time. */
export interface CpuReading {
  /** User + system CPU time, in microseconds. */
  micros: number;
  source: CpuSource;
}

const TICK_US = 10_000; // USER_HZ is 100 on every mainstream Linux build

type ThreadCpuUsage = () => { user: number; system: number };

/** The main thread's CPU time so far. */
export function mainThreadCpu(): CpuReading {
  const threadCpuUsage = (process as unknown as { threadCpuUsage?: ThreadCpuUsage }).threadCpuUsage;
  if (typeof threadCpuUsage === "function") {
    const u = threadCpuUsage.call(process);
    return { micros: u.user + u.system, source: "threadCpuUsage" };
  }
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
    // Fields after the parenthesized command name; utime and stime are fields 14 and 15 of the line.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    if (Number.isFinite(ticks)) return { micros: ticks * TICK_US, source: "procfs" };
  } catch {
    // Not Linux: fall through to the process-wide figure, labelled as such.
  }
  const u = process.cpuUsage();
  return { micros: u.user + u.system, source: "process" };
}

/** Share of one core the main thread used between two readings over `wallMs`. */
export function cpuShare(before: CpuReading, after: CpuReading, wallMs: number): number {
  return wallMs > 0 ? (after.micros - before.micros) / 1_000 / wallMs : 0;
}

/**
 * Context switches of every thread of this process so far (voluntary: a thread waited; involuntary:
 * the scheduler took its core away), from `/proc/self/task/<tid>/status`; `undefined` off Linux.
 * More threads than cores shows here: on 2 cores, a second worker adds switches per call.
 */
export function processSwitches(): number | undefined {
  let tasks: string[];
  try {
    tasks = readdirSync("/proc/self/task");
  } catch {
    return undefined;
  }
  let switches = 0;
  for (const tid of tasks) {
    try {
      const status = readFileSync(`/proc/self/task/${tid}/status`, "utf8");
      for (const match of status.matchAll(SWITCHES)) switches += Number(match[1]);
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return switches;
}

const SWITCHES = /^(?:non)?voluntary_ctxt_switches:\s+(\d+)$/gm;
