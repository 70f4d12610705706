/**
 * Scenario 10, router overhead: a `round_robin` router over two clients against one client, cache
 * misses at 256 in flight against a 0 ms server, interleaved rounds (median kept). Goal: the router's
 * throughput >= 0.95 of the direct client's.
 *
 * A router over two clients runs two worker threads where one client runs one; on two cores shared
 * with the mock server's process, a second worker costs throughput of its own, router or not. So the
 * scenario also measures the same two clients called in alternation by the caller, with no router
 * (`pair`): `routed / pair` is what routing itself costs, `pair / one` what the second worker costs.
 * Each shape reports CPU per call (main thread, and the whole process: the workers are the rest) and
 * context switches per call, which say where the time went whatever the machine's load.
 * bench/micro/routerCost.ts breaks the same three shapes down further (the mock's CPU, calls per
 * `postMessage`); bench/micro/routerHotPath.ts measures the router's own work without threads.
 *
 *   npm run build && node dist/bench/run.js --scenario router --no-docs
 */
import type { System } from "../../src/index.js";
import { benchClient, benchSystem } from "../lib/dspex.js";
import { type LoadResult, medianRound, runLoad } from "../lib/load.js";
import { startMockProcess } from "../lib/mockProcess.js";
import type { BenchOptions } from "../lib/options.js";
import { messagesFor } from "../lib/payload.js";
import { heading, point } from "../lib/progress.js";
import { row } from "../lib/report.js";
import type { Scenario } from "../lib/scenario.js";

const NAME = "router overhead";

/** The three shapes of the load, each the same calls at the same concurrency. */
type Shape = "direct" | "pair" | "routed";

/** See the file comment. */
export const routerOverhead: Scenario = {
  name: "router",
  title: "10. Router overhead: round_robin over two clients vs one client, cache misses",
  run: async (o: BenchOptions) => {
    heading(routerOverhead.title);
    const inFlight = o.quick ? 64 : 256;
    const server = await startMockProcess(0);
    // Every client may take the whole load: none queues, whichever shape it serves in.
    const settings = { maxConcurrency: inFlight, maxQueue: inFlight * 4 };
    let system: System | undefined;
    const rounds: Record<Shape, LoadResult[]> = { direct: [], pair: [], routed: [] };
    try {
      system = await benchSystem([
        benchClient("one", server.baseURL, settings),
        benchClient("left", server.baseURL, settings),
        benchClient("right", server.baseURL, settings),
        { type: "router", name: "rr", strategy: "round_robin", members: ["left", "right"] },
      ]);
      const s = system;
      let seq = 0;
      const ask = (name: string) => s.call(name, messagesFor(seq++, true), { temperature: 0 });
      const shapes: Record<Shape, { label: string; call: () => Promise<unknown>; workers: number }> = {
        direct: { label: "one client", call: () => ask("one"), workers: 1 },
        pair: {
          label: "two clients called in alternation (no router)",
          call: () => ask(seq % 2 === 0 ? "left" : "right"),
          workers: 2,
        },
        routed: { label: "round_robin router over two clients", call: () => ask("rr"), workers: 2 },
      };
      const order: Shape[] = ["direct", "pair", "routed"];
      for (let round = 0; round < o.rounds; round++) {
        // Every other round runs the shapes in reverse: none always follows the same one.
        for (const shape of round % 2 === 0 ? order : [...order].reverse()) {
          const { label, call, workers } = shapes[shape];
          const result = await runLoad(call, {
            inFlight,
            durationMs: o.durationMs,
            warmupMs: o.warmupMs,
            // Every worker serves the warm-up quota (JIT, sockets), as in the many-clients scenario.
            warmupCalls: o.warmupCalls * workers,
          });
          point(`${label}, ${inFlight} in flight`, result);
          rounds[shape].push(result);
        }
      }
    } finally {
      await system?.stop();
      await server.close();
    }
    const d = medianRound(rounds.direct);
    const p = medianRound(rounds.pair);
    const r = medianRound(rounds.routed);
    const cpu = (x: LoadResult) =>
      `CPU/call main ${x.mainCpuPerCallUs} µs, process ${x.processCpuPerCallUs} µs, ${x.switchesPerCall ?? "?"} context switches`;
    const latency = (x: LoadResult) => `p50 ${x.latency.p50Ms} / p99 ${x.latency.p99Ms} ms`;
    return {
      rows: [
        row(
          NAME,
          `round_robin router over two clients, cache misses, ${inFlight} in flight`,
          r.throughput,
          "calls/s",
          { label: "one client", value: d.throughput },
          { op: ">=", value: 0.95 },
          `${latency(r)} vs ${latency(d)}; ${cpu(r)} vs ${cpu(d)}`,
        ),
        row(
          NAME,
          `the same router vs its two clients called in alternation (routing's own cost), ${inFlight} in flight`,
          r.throughput,
          "calls/s",
          { label: "two clients, no router", value: p.throughput },
          undefined,
          `${latency(p)}; ${cpu(p)}`,
        ),
        row(
          NAME,
          `two clients called in alternation vs one client (a second worker's cost on this machine), ${inFlight} in flight`,
          p.throughput,
          "calls/s",
          { label: "one client", value: d.throughput },
          undefined,
          `${cpu(p)} vs ${cpu(d)}`,
        ),
      ],
      data: rounds,
    };
  },
};
