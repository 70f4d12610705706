/**
 * Scenario 4, many clients: the same total load (cache misses, 0 ms server) spread round-robin over
 * 1, 2, 4, 8 clients (one worker each). Figures: total throughput (beside one client) and the share
 * of a core the main thread spends, which is what the worker hop leaves on the caller's event loop.
 */
import type { System } from "../../src/index.js";
import { benchClient, benchSystem } from "../lib/dspex.js";
import { type LoadResult, runLoad } from "../lib/load.js";
import { startMockProcess } from "../lib/mockProcess.js";
import type { BenchOptions } from "../lib/options.js";
import { messagesFor } from "../lib/payload.js";
import { heading, point } from "../lib/progress.js";
import { type Row, row } from "../lib/report.js";
import type { Scenario } from "../lib/scenario.js";

const NAME = "many clients";

/** See the file comment. */
export const manyClients: Scenario = {
  name: "clients",
  title: "4. Many clients sharing one load",
  run: async (o: BenchOptions) => {
    heading(manyClients.title);
    const total = o.clientsInFlight;
    const server = await startMockProcess(0);
    const results: { clients: number; result: LoadResult }[] = [];
    try {
      for (const k of o.clients) {
        const names = Array.from({ length: k }, (_, i) => `c${i}`);
        const share = Math.ceil(total / k);
        const system: System = await benchSystem(
          names.map((name) => benchClient(name, server.baseURL, { maxConcurrency: share, maxQueue: total })),
        );
        try {
          const r = await runLoad(
            (seq) => system.call(names[seq % k] as string, messagesFor(seq, true), { temperature: 0 }),
            {
              inFlight: total,
              durationMs: o.durationMs,
              warmupMs: o.warmupMs,
              // Every worker warms its own JIT and sockets: each serves the warm-up quota first.
              warmupCalls: o.warmupCalls * k,
            },
          );
          point(`${k} client${k === 1 ? "" : "s"}`, r);
          results.push({ clients: k, result: r });
        } finally {
          await system.stop();
        }
      }
    } finally {
      await server.close();
    }
    const one = results[0];
    const rows: Row[] = [];
    for (const { clients, result } of results) {
      const plural = clients === 1 ? "" : "s";
      const scaling =
        one && clients !== one.clients
          ? { label: `${one.clients} client`, value: one.result.throughput }
          : undefined;
      rows.push(
        row(
          NAME,
          `${clients} client${plural}, ${total} in flight in all`,
          result.throughput,
          "calls/s",
          scaling,
          undefined,
          `p50 ${result.latency.p50Ms} / p99 ${result.latency.p99Ms} ms`,
        ),
        row(
          NAME,
          `main thread CPU, ${clients} client${plural}`,
          result.mainCpu * 100,
          "% of a core",
          undefined,
          undefined,
          `${result.mainCpuPerCallUs} µs per call`,
        ),
      );
    }
    return { rows, data: { totalInFlight: total, results } };
  },
};
