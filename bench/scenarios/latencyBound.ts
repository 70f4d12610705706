/**
 * Scenario 3, latency-bound load: a server that waits `latencyMs` before each answer and `inFlight`
 * calls outstanding. The ideal is in-flight / latency calls per second (every call waiting exactly the
 * server's latency); the figure is the fraction of it reached, beside the openai SDK under the same
 * load. Target: dspex >= 0.9 of ideal. Every call is a cache miss.
 */
import type { Contender } from "../lib/contender.js";
import { benchClient, benchSystem, dspexCaller } from "../lib/dspex.js";
import { openaiSdk } from "../lib/httpPeers.js";
import { type LoadResult, runLoad } from "../lib/load.js";
import { startMockProcess } from "../lib/mockProcess.js";
import type { BenchOptions } from "../lib/options.js";
import { heading, point } from "../lib/progress.js";
import { row } from "../lib/report.js";
import type { Scenario } from "../lib/scenario.js";

const NAME = "latency-bound";

/** See the file comment. */
export const latencyBound: Scenario = {
  name: "latency",
  title: "3. Latency-bound load: many calls waiting on a slow server",
  run: async (o: BenchOptions) => {
    heading(latencyBound.title);
    const n = o.latencyInFlight;
    const ideal = (n * 1_000) / o.latencyMs;
    // Enough rounds that ramp-up and the last round's tail are small beside the window.
    const durationMs = Math.max(o.durationMs, 10 * o.latencyMs);
    const warmupMs = Math.max(o.warmupMs, 3 * o.latencyMs);
    const server = await startMockProcess(o.latencyMs);
    const system = await benchSystem([
      benchClient("slow", server.baseURL, { maxConcurrency: n, maxQueue: n }),
    ]);
    const contenders: Record<string, Contender> = {
      dspex: dspexCaller(system, "slow", "dspex call (cache miss)", true),
      openai: openaiSdk(server.baseURL),
    };
    const results: Record<string, LoadResult> = {};
    try {
      for (const [key, c] of Object.entries(contenders)) {
        const r = await runLoad(c.call, { inFlight: n, durationMs, warmupMs });
        point(c.label, r);
        results[key] = r;
      }
    } finally {
      await Promise.allSettled(Object.values(contenders).map((c) => c.close()));
      await server.close();
    }
    const d = results.dspex as LoadResult;
    const s = results.openai as LoadResult;
    const idealRef = { label: `ideal ${n} / ${o.latencyMs} ms`, value: ideal };
    const lat = (r: LoadResult): string => `p50 ${r.latency.p50Ms} / p99 ${r.latency.p99Ms} ms`;
    return {
      rows: [
        row(
          NAME,
          `dspex call, ${n} in flight, ${o.latencyMs} ms server (${lat(d)})`,
          d.throughput,
          "calls/s",
          idealRef,
          {
            op: ">=",
            value: 0.9,
          },
        ),
        row(
          NAME,
          `openai SDK, ${n} in flight, ${o.latencyMs} ms server (${lat(s)})`,
          s.throughput,
          "calls/s",
          idealRef,
        ),
      ],
      data: { ideal, latencyMs: o.latencyMs, results },
    };
  },
};
