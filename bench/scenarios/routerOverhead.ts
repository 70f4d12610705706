/**
 * Scenario 10, router overhead: a `round_robin` router over two clients against one client, cache
 * misses at 256 in flight against a 0 ms server, interleaved rounds (median kept). Goal: the router's
 * throughput >= 0.95 of the direct client's. (Two clients are two worker threads: on two cores the
 * router side may even be faster; the figure says routing costs nothing that shows.)
 */
import { benchClient, benchSystem } from "../lib/dspex.js";
import { type LoadResult, medianRound, runLoad } from "../lib/load.js";
import { startMockProcess } from "../lib/mockProcess.js";
import type { BenchOptions } from "../lib/options.js";
import { messagesFor } from "../lib/payload.js";
import { heading, point } from "../lib/progress.js";
import { row } from "../lib/report.js";
import type { Scenario } from "../lib/scenario.js";

const NAME = "router overhead";

/** See the file comment. */
export const routerOverhead: Scenario = {
  name: "router",
  title: "10. Router overhead: round_robin over two clients vs one client, cache misses",
  run: async (o: BenchOptions) => {
    heading(routerOverhead.title);
    const inFlight = o.quick ? 64 : 256;
    const server = await startMockProcess(0);
    const settings = { maxConcurrency: inFlight, maxQueue: inFlight * 4 };
    const system = await benchSystem([
      benchClient("one", server.baseURL, settings),
      benchClient("left", server.baseURL, settings),
      benchClient("right", server.baseURL, settings),
      { type: "router", name: "rr", strategy: "round_robin", members: ["left", "right"] },
    ]);
    let seq = 0;
    const direct = () => system.call("one", messagesFor(seq++, true), { temperature: 0 });
    const routed = () => system.call("rr", messagesFor(seq++, true), { temperature: 0 });
    const rounds: { direct: LoadResult[]; routed: LoadResult[] } = { direct: [], routed: [] };
    const window = { inFlight, durationMs: o.durationMs, warmupMs: o.warmupMs, warmupCalls: o.warmupCalls };
    try {
      for (let round = 0; round < o.rounds; round++) {
        const d = await runLoad(direct, window);
        point(`one client, ${inFlight} in flight`, d);
        rounds.direct.push(d);
        const r = await runLoad(routed, window);
        point(`round_robin router over two clients, ${inFlight} in flight`, r);
        rounds.routed.push(r);
      }
    } finally {
      await system.stop();
      await server.close();
    }
    const d = medianRound(rounds.direct);
    const r = medianRound(rounds.routed);
    return {
      rows: [
        row(
          NAME,
          `round_robin router over two clients, cache misses, ${inFlight} in flight`,
          r.throughput,
          "calls/s",
          { label: "one client", value: d.throughput },
          { op: ">=", value: 0.95 },
          `p50 ${r.latency.p50Ms} / p99 ${r.latency.p99Ms} ms vs p50 ${d.latency.p50Ms} / p99 ${d.latency.p99Ms} ms; main-thread CPU/call ${r.mainCpuPerCallUs} vs ${d.mainCpuPerCallUs} µs`,
        ),
      ],
      data: rounds,
    };
  },
};
