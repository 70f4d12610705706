/**
 * One call at a time: the latency a single caller feels, which no amount of concurrency hides. A dspex
 * cache miss beside undici's `Pool.request` from the main thread against the same 0 ms server, one call
 * in flight, interleaved rounds. The figure is dspex minus undici at p50 and p99, in microseconds: what
 * the worker hop and dspex's miss path add to one request. A dspex cache hit (the hop alone, no HTTP)
 * is measured beside them, so the two parts of that difference can be told apart.
 * Target: dspex <= 100 µs over undici at p50.
 */
import type { Contender } from "../lib/contender.js";
import { benchClient, benchSystem, dspexCaller } from "../lib/dspex.js";
import { undiciPool } from "../lib/httpPeers.js";
import { type LoadResult, medianRound } from "../lib/load.js";
import { startMockProcess } from "../lib/mockProcess.js";
import type { BenchOptions } from "../lib/options.js";
import { heading } from "../lib/progress.js";
import { type Row, row } from "../lib/report.js";
import { interleavedRounds } from "../lib/rounds.js";
import type { Scenario } from "../lib/scenario.js";

const NAME = "one call";

/** Microseconds from a summary's milliseconds (the histogram keeps whole microseconds). */
const us = (ms: number): number => Math.round(ms * 1_000);
const usText = (ms: number): string => `${us(ms).toLocaleString("en-US")} µs`;

/** See the file comment. */
export const oneCall: Scenario = {
  name: "one-call",
  title: "One call at a time: dspex's cache miss beside undici, p50 and p99",
  run: async (o: BenchOptions) => {
    heading(oneCall.title);
    const server = await startMockProcess(0);
    const system = await benchSystem([
      benchClient("miss", server.baseURL),
      benchClient("hit", server.baseURL),
    ]);
    const contenders: Record<string, Contender> = {
      undici: undiciPool(server.baseURL),
      dspex: dspexCaller(system, "miss", "dspex call (cache miss)", true),
      hit: dspexCaller(system, "hit", "dspex call (cache hit)", false),
    };
    let rounds: Record<string, LoadResult[]>;
    try {
      // Interleaved rounds; each figure is the median of its rounds.
      rounds = await interleavedRounds(contenders, o, 1);
    } finally {
      await Promise.allSettled(Object.values(contenders).map((c) => c.close()));
      await server.close();
    }
    const undici = medianRound(rounds.undici ?? []);
    const dspex = medianRound(rounds.dspex ?? []);
    const hit = medianRound(rounds.hit ?? []);
    const detail = (r: LoadResult): string =>
      `p99 ${usText(r.latency.p99Ms)}, ${r.throughput.toLocaleString("en-US")} calls/s; CPU/call ${r.mainCpuPerCallUs} µs main thread, ${r.processCpuPerCallUs} µs process`;
    const undiciP50 = { label: "undici Pool.request p50", value: us(undici.latency.p50Ms) };
    const rows: Row[] = [
      row(
        NAME,
        "dspex call (cache miss), p50",
        us(dspex.latency.p50Ms),
        "µs",
        undiciP50,
        undefined,
        detail(dspex),
      ),
      row(
        NAME,
        "dspex over undici, p50",
        us(dspex.latency.p50Ms) - us(undici.latency.p50Ms),
        "µs",
        undefined,
        { op: "<=", value: 100, on: "value" },
        "dspex cache-miss p50 minus undici Pool.request p50, 1 in flight, same server",
      ),
      row(
        NAME,
        "dspex over undici, p99",
        us(dspex.latency.p99Ms) - us(undici.latency.p99Ms),
        "µs",
        undefined,
        undefined,
        `dspex p99 ${usText(dspex.latency.p99Ms)}, undici p99 ${usText(undici.latency.p99Ms)}`,
      ),
      row(NAME, "undici Pool.request, p50", undiciP50.value, "µs", undefined, undefined, detail(undici)),
      row(
        NAME,
        "dspex call (cache hit), p50",
        us(hit.latency.p50Ms),
        "µs",
        undiciP50,
        undefined,
        `${detail(hit)}; the thread hop without HTTP`,
      ),
    ];
    return { rows, data: { medians: { undici, dspex, hit }, rounds } };
  },
};
