/**
 * Scenario 1, cache hits: `system.call` of a cached request at each in-flight level, beside the
 * ceilings for anything that crosses a thread, all carrying the same call and reply messages: a bare
 * worker echo (postMessage both ways through an id -> promise map), a one-thread piscina pool and a
 * comlink-wrapped echo. Target: dspex at 256 in flight >= 0.6 of the bare echo.
 */

import type { Contender } from "../lib/contender.js";
import { benchClient, benchSystem, dspexCaller } from "../lib/dspex.js";
import { type LoadResult, medianRound, runLoad } from "../lib/load.js";
import { startMockProcess } from "../lib/mockProcess.js";
import type { BenchOptions } from "../lib/options.js";
import { heading, point } from "../lib/progress.js";
import { type Row, row } from "../lib/report.js";
import type { Scenario } from "../lib/scenario.js";
import { bareEcho, comlinkEcho, piscinaEcho } from "../lib/threadCeilings.js";

const NAME = "cache hits";

/** See the file comment. */
export const cacheHits: Scenario = {
  name: "cache-hits",
  title: "1. Cache hits through the worker, beside the thread-hop ceilings",
  run: async (o: BenchOptions) => {
    heading(cacheHits.title);
    const server = await startMockProcess(0);
    const system = await benchSystem([benchClient("hits", server.baseURL)]);
    const dspex = dspexCaller(system, "hits", "dspex call (cache hit)", false);
    const echo = await bareEcho();
    const comlink = await comlinkEcho();
    const results: Record<string, LoadResult[]> = { dspex: [], echo: [], piscina: [], comlink: [] };
    const allRounds: { inFlight: number; rounds: Record<string, LoadResult[]> }[] = [];
    try {
      await dspex.call(0); // the one miss that fills the cache
      for (const n of o.hitsInFlight) {
        const piscina = await piscinaEcho(n);
        const rounds: Record<string, LoadResult[]> = { echo: [], dspex: [], piscina: [], comlink: [] };
        const measure = async (key: string, c: Contender): Promise<void> => {
          const r = await runLoad(c.call, {
            inFlight: n,
            durationMs: o.durationMs,
            warmupMs: o.warmupMs,
            warmupCalls: o.warmupCalls,
          });
          point(c.label, r);
          rounds[key]?.push(r);
        };
        try {
          // Interleaved per level and round, so noise from other work on the machine spreads over all
          // of them; each figure is the median of its rounds.
          for (let round = 0; round < o.rounds; round++) {
            await measure("echo", echo);
            await measure("dspex", dspex);
            await measure("piscina", piscina);
            await measure("comlink", comlink);
          }
          for (const [key, list] of Object.entries(rounds)) results[key]?.push(medianRound(list));
          allRounds.push({ inFlight: n, rounds });
        } finally {
          await piscina.close();
        }
      }
    } finally {
      await Promise.allSettled([dspex.close(), echo.close(), comlink.close()]);
      await server.close();
    }
    const rows: Row[] = [];
    const at = (key: string, i: number): LoadResult => results[key]?.[i] as LoadResult;
    o.hitsInFlight.forEach((n, i) => {
      const ceiling = { label: "bare worker echo", value: at("echo", i).throughput };
      const lat = (r: LoadResult): string =>
        `p50 ${r.latency.p50Ms} / p99 ${r.latency.p99Ms} ms, ${r.processCpuPerCallUs} µs CPU/call`;
      rows.push(
        row(
          NAME,
          `dspex call, ${n} in flight`,
          at("dspex", i).throughput,
          "calls/s",
          ceiling,
          n === 256 ? { op: ">=", value: 0.6 } : undefined,
          `${lat(at("dspex", i))}; echo ${lat(at("echo", i))}`,
        ),
        row(
          NAME,
          `piscina task, ${n} in flight`,
          at("piscina", i).throughput,
          "calls/s",
          ceiling,
          undefined,
          lat(at("piscina", i)),
        ),
        row(
          NAME,
          `comlink call, ${n} in flight`,
          at("comlink", i).throughput,
          "calls/s",
          ceiling,
          undefined,
          lat(at("comlink", i)),
        ),
      );
    });
    const series = (key: string, label: string) => ({
      label,
      points: (results[key] ?? []).map((r) => ({ inFlight: r.inFlight, throughput: r.throughput })),
    });
    return {
      rows,
      panel: {
        title: "Cache hits: calls/s through one worker thread",
        series: [
          series("dspex", "dspex system.call (cache hit)"),
          series("echo", "bare worker echo (ceiling)"),
          series("piscina", "piscina 5, 1 thread"),
          series("comlink", "comlink 4.4 wrap()"),
        ],
      },
      data: { medians: results, rounds: allRounds },
    };
  },
};
