/**
 * Scenario 3, latency-bound load: a server that waits `latencyMs` before each answer and `inFlight`
 * calls outstanding. The ideal is in-flight / latency calls per second (every call waiting exactly the
 * server's latency); the figure is the fraction of it reached, beside the openai SDK under the same
 * load and beside undici's Pool.request from the main thread (what this machine and server can do at
 * all). Target: dspex >= 0.9 of ideal. Every call is a cache miss.
 */
import type { Contender } from "../lib/contender.js";
import { benchClient, benchSystem, dspexCaller } from "../lib/dspex.js";
import { openaiSdk, undiciPool } from "../lib/httpPeers.js";
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
    // Enough rounds that the last round's tail is small beside the window; the window opens once every
    // lane has finished one call (all `n` connections open), so it measures the steady state, not the
    // ramp-up of opening thousands of sockets at once.
    const durationMs = Math.max(o.durationMs, 10 * o.latencyMs);
    const warmupMs = Math.max(o.warmupMs, 3 * o.latencyMs);
    const server = await startMockProcess(o.latencyMs);
    const system = await benchSystem([
      benchClient("slow", server.baseURL, { maxConcurrency: n, maxQueue: n }),
    ]);
    const contenders: Record<string, Contender> = {
      undici: undiciPool(server.baseURL),
      dspex: dspexCaller(system, "slow", "dspex call (cache miss)", true),
      openai: openaiSdk(server.baseURL),
    };
    const results: Record<string, LoadResult> = {};
    // The most requests the server held at once during each run: below `n`, the client side could not
    // keep `n` requests upstream; at `n`, any shortfall is the server's or the machine's.
    const serverMaxInFlight: Record<string, number> = {};
    try {
      for (const [key, c] of Object.entries(contenders)) {
        await server.resetStats();
        const r = await runLoad(c.call, {
          inFlight: n,
          durationMs,
          warmupMs,
          warmupCalls: Math.max(n, o.warmupCalls),
        });
        serverMaxInFlight[key] = (await server.stats()).maxInFlight;
        point(c.label, r);
        results[key] = r;
      }
    } finally {
      await Promise.allSettled(Object.values(contenders).map((c) => c.close()));
      await server.close();
    }
    const d = results.dspex as LoadResult;
    const s = results.openai as LoadResult;
    const u = results.undici as LoadResult;
    const idealRef = { label: `ideal ${n} / ${o.latencyMs} ms`, value: ideal };
    const lat = (r: LoadResult, key: string): string =>
      `p50 ${r.latency.p50Ms} / p99 ${r.latency.p99Ms} ms; server held up to ${serverMaxInFlight[key]} at once`;
    return {
      rows: [
        row(
          NAME,
          `dspex call, ${n} in flight, ${o.latencyMs} ms server`,
          d.throughput,
          "calls/s",
          idealRef,
          { op: ">=", value: 0.9 },
          lat(d, "dspex"),
        ),
        row(
          NAME,
          `openai SDK, ${n} in flight, ${o.latencyMs} ms server`,
          s.throughput,
          "calls/s",
          idealRef,
          undefined,
          lat(s, "openai"),
        ),
        row(
          NAME,
          `undici Pool.request, ${n} in flight, ${o.latencyMs} ms server`,
          u.throughput,
          "calls/s",
          idealRef,
          undefined,
          lat(u, "undici"),
        ),
      ],
      data: { serverMaxInFlight, ideal, latencyMs: o.latencyMs, results },
    };
  },
};
