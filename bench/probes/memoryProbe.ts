/**
 * Measures, in a fresh process, what `n` idle workers add to the process's RSS and how long they take
 * to start: `dspex` (a system of n clients) or `bare` (n echo workers, the floor for any thread).
 * Worker memory is not separable per thread (RSS is process-wide), so the figure is the RSS delta
 * divided by n. Run with --expose-gc. Prints one JSON line: {@link MemoryProbeResult}.
 *
 *   node --expose-gc dist/bench/probes/memoryProbe.js dspex 10 http://127.0.0.1:PORT/v1
 */
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { readyEchoWorkers } from "../lib/bareWorkers.js";
import { benchClient, benchSystem } from "../lib/dspex.js";

/** What the probe prints. */
export interface MemoryProbeResult {
  kind: "dspex" | "bare";
  n: number;
  rssBefore: number;
  rssAfter: number;
  /** (rssAfter - rssBefore) / n, in MiB. */
  perWorkerMiB: number;
  /** From the first spawn until every worker is ready, in ms. */
  startMs: number;
}

const SETTLE_MS = 750;

async function settledRss(): Promise<number> {
  await sleep(SETTLE_MS); // a timer that keeps this short-lived process alive
  (globalThis as { gc?: () => void }).gc?.();
  await sleep(50);
  return process.memoryUsage().rss;
}

const [kind, nRaw, baseURL = "http://127.0.0.1:9/v1"] = process.argv.slice(2);
const n = Number(nRaw);
if ((kind !== "dspex" && kind !== "bare") || !Number.isInteger(n) || n < 1) {
  throw new Error("usage: memoryProbe.js dspex|bare N [baseURL]");
}
const rssBefore = await settledRss();
const t0 = performance.now();
let stop: () => Promise<void>;
if (kind === "dspex") {
  // Without the warm spare: the figure is what one client worker costs. The spare is one more idle
  // worker per system, whatever its size (docs/benchmarks.md says so beside the table).
  const system = await benchSystem(
    Array.from({ length: n }, (_, i) => benchClient(`idle${i}`, baseURL)),
    { warmSpare: false },
  );
  stop = () => system.stop();
} else {
  const workers = await readyEchoWorkers(n);
  stop = async () => {
    await Promise.all(workers.map((w) => w.terminate()));
  };
}
const startMs = performance.now() - t0;
const rssAfter = await settledRss();
const result: MemoryProbeResult = {
  kind,
  n,
  rssBefore,
  rssAfter,
  perWorkerMiB: (rssAfter - rssBefore) / n / 2 ** 20,
  startMs,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
await stop();
