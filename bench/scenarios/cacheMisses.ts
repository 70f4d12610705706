/**
 * Scenario 2, cache misses: every call a new request to a 0 ms server, at each in-flight level,
 * beside the same requests sent from the main thread by undici's Pool.request (the ceiling), the
 * global fetch and the official openai SDK (retries off). Targets at 64 in flight: >= 0.8 of undici
 * Pool.request, >= 4x the openai SDK. The dspex client may keep as many requests upstream as there
 * are calls in flight (`maxConcurrency`), like the peers, which have no limit.
 */
import type { Contender } from "../lib/contender.js";
import { benchClient, benchSystem, dspexCaller } from "../lib/dspex.js";
import { globalFetch, openaiSdk, undiciPool } from "../lib/httpPeers.js";
import { type LoadResult, medianRound } from "../lib/load.js";
import { startMockProcess } from "../lib/mockProcess.js";
import type { BenchOptions } from "../lib/options.js";
import { heading } from "../lib/progress.js";
import { type Row, row } from "../lib/report.js";
import { interleavedRounds, latencyCpuNote as lat } from "../lib/rounds.js";
import type { Scenario } from "../lib/scenario.js";

const NAME = "cache misses";

/** See the file comment. */
export const cacheMisses: Scenario = {
  name: "cache-misses",
  title: "2. Cache misses against a 0 ms server, beside main-thread HTTP clients",
  run: async (o: BenchOptions) => {
    heading(cacheMisses.title);
    const server = await startMockProcess(0);
    const top = Math.max(...o.missesInFlight);
    const system = await benchSystem([
      benchClient("misses", server.baseURL, { maxConcurrency: top, maxQueue: top * 4 }),
    ]);
    const contenders: Record<string, Contender> = {
      undici: undiciPool(server.baseURL),
      dspex: dspexCaller(system, "misses", "dspex call (cache miss)", true),
      fetch: globalFetch(server.baseURL),
      openai: openaiSdk(server.baseURL),
    };
    const results: Record<string, LoadResult[]> = { undici: [], dspex: [], fetch: [], openai: [] };
    const allRounds: { inFlight: number; rounds: Record<string, LoadResult[]> }[] = [];
    try {
      for (const n of o.missesInFlight) {
        // Interleaved rounds; each figure is the median of its rounds.
        const rounds = await interleavedRounds(contenders, o, n);
        for (const [key, list] of Object.entries(rounds)) results[key]?.push(medianRound(list));
        allRounds.push({ inFlight: n, rounds });
      }
    } finally {
      await Promise.allSettled(Object.values(contenders).map((c) => c.close()));
      await server.close();
    }
    const rows: Row[] = [];
    const at = (key: string, i: number): LoadResult => results[key]?.[i] as LoadResult;
    o.missesInFlight.forEach((n, i) => {
      const undici = { label: "undici Pool.request", value: at("undici", i).throughput };
      const sdk = { label: "openai SDK", value: at("openai", i).throughput };
      const d = at("dspex", i);
      const at64 = n === 64;
      rows.push(
        row(
          NAME,
          `dspex call, ${n} in flight`,
          d.throughput,
          "calls/s",
          undici,
          at64 ? { op: ">=", value: 0.8 } : undefined,
          lat(d),
        ),
        row(
          NAME,
          `dspex call, ${n} in flight`,
          d.throughput,
          "calls/s",
          sdk,
          at64 ? { op: ">=", value: 4 } : undefined,
        ),
        row(
          NAME,
          `undici Pool.request, ${n} in flight`,
          undici.value,
          "calls/s",
          undefined,
          undefined,
          lat(at("undici", i)),
        ),
        row(
          NAME,
          `global fetch, ${n} in flight`,
          at("fetch", i).throughput,
          "calls/s",
          undici,
          undefined,
          lat(at("fetch", i)),
        ),
        row(
          NAME,
          `openai SDK, ${n} in flight`,
          sdk.value,
          "calls/s",
          undici,
          undefined,
          lat(at("openai", i)),
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
        title: "Cache misses: calls/s to a 0 ms loopback server",
        series: [
          series("dspex", "dspex system.call (worker HTTP)"),
          series("undici", "undici Pool.request, main thread (ceiling)"),
          series("fetch", "global fetch, main thread"),
          series("openai", "openai SDK 6, retries off"),
        ],
      },
      data: { medians: results, rounds: allRounds },
    };
  },
};
