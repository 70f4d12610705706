/**
 * The caller's event loop under load: 500 calls in flight against a server that answers after 50 ms,
 * from one process, through each client users pick: dspex, undici's `Pool.request`, the global `fetch`,
 * the official openai SDK, the Vercel AI SDK and LangChain.js (retries off everywhere; each sends the
 * same chat request to the mock's OpenAI endpoint and reads the answer). Each contender runs alone.
 * Figures: main-thread CPU per call (what each call costs the application's own thread), the event
 * loop's timer delay p99 and utilization during the window (how free the loop stays for everything else
 * the application does), and throughput against the ideal in-flight / latency. dspex's main-thread CPU
 * per call is a ratio to the openai SDK's. Target: <= 0.03x. Draws its own chart (README's picture).
 */
import { type BarPanel, barChart } from "../lib/barChart.js";
import type { Contender } from "../lib/contender.js";
import { benchClient, benchSystem, dspexCaller } from "../lib/dspex.js";
import { langChain, vercelAiSdk } from "../lib/frameworkPeers.js";
import { globalFetch, openaiSdk, undiciPool } from "../lib/httpPeers.js";
import { type LoadResult, medianRound, runLoad } from "../lib/load.js";
import { startMockProcess } from "../lib/mockProcess.js";
import type { BenchOptions } from "../lib/options.js";
import { heading, note, point } from "../lib/progress.js";
import { type Row, row } from "../lib/report.js";
import type { Scenario } from "../lib/scenario.js";

const NAME = "event loop";

/** The chart's path in the repository, as README.md and docs/benchmarks.md link it. */
export const EVENT_LOOP_CHART = "docs/benchmarks-event-loop.svg";

/** Short names for the chart, in the order of the table (dspex first: the accent bar). */
const SHORT: Record<string, string> = {
  dspex: "dspex",
  undici: "undici Pool.request",
  fetch: "fetch",
  openai: "openai SDK",
  aiSdk: "Vercel AI SDK",
  langChain: "LangChain.js",
};

function panels(results: Record<string, LoadResult>, n: number, latencyMs: number): BarPanel[] {
  const bars = (pick: (r: LoadResult) => number) =>
    Object.entries(results).map(([key, r]) => ({ label: SHORT[key] ?? key, value: pick(r) }));
  return [
    {
      title: "Main-thread CPU per call (lower is better)",
      unit: " µs",
      bars: bars((r) => r.mainCpuPerCallUs),
    },
    {
      title: "Event-loop delay p99 (lower is better)",
      unit: " ms",
      bars: bars((r) => r.eventLoop?.delayP99Ms ?? 0),
    },
    {
      title: "Event-loop utilization (lower is better)",
      unit: " %",
      bars: bars((r) => Math.round((r.eventLoop?.utilization ?? 0) * 100)),
    },
    {
      title: `Calls/s (ideal ${((n * 1_000) / latencyMs).toLocaleString("en-US")}; higher is better)`,
      unit: "",
      bars: bars((r) => r.throughput),
    },
  ];
}

/** See the file comment. */
export const eventLoop: Scenario = {
  name: "event-loop",
  title: "The caller's event loop: many calls in flight to a slow server, through each client",
  run: async (o: BenchOptions) => {
    heading(eventLoop.title);
    const n = o.loopInFlight;
    const latencyMs = o.loopLatencyMs;
    const ideal = (n * 1_000) / latencyMs;
    // Long enough for the delay percentiles (a sample every 10 ms) and for many rounds of the server's
    // latency; the window opens once every lane has finished a call (every connection open).
    const durationMs = Math.max(o.durationMs, 20 * latencyMs);
    const warmupMs = Math.max(o.warmupMs, 3 * latencyMs);
    const server = await startMockProcess(latencyMs);
    const system = await benchSystem([
      benchClient("loop", server.baseURL, { maxConcurrency: n, maxQueue: n }),
    ]);
    const contenders: Record<string, Contender> = {
      dspex: dspexCaller(system, "loop", "dspex call (cache miss)", true),
      undici: undiciPool(server.baseURL),
      fetch: globalFetch(server.baseURL),
      openai: openaiSdk(server.baseURL),
      aiSdk: await vercelAiSdk(server.baseURL),
      langChain: await langChain(server.baseURL),
    };
    const rounds: Record<string, LoadResult[]> = Object.fromEntries(
      Object.keys(contenders).map((key) => [key, []]),
    );
    try {
      for (let round = 0; round < o.rounds; round++) {
        for (const [key, c] of Object.entries(contenders)) {
          const r = await runLoad(c.call, {
            inFlight: n,
            durationMs,
            warmupMs,
            warmupCalls: Math.max(n, o.warmupCalls),
            eventLoop: true,
          });
          point(c.label, r);
          note(
            `  event loop: delay p99 ${r.eventLoop?.delayP99Ms} ms, utilization ${r.eventLoop?.utilization}; main thread ${r.mainCpuPerCallUs} µs/call`,
          );
          rounds[key]?.push(r);
        }
      }
    } finally {
      await Promise.allSettled(Object.values(contenders).map((c) => c.close()));
      await server.close();
    }
    const results = Object.fromEntries(Object.entries(rounds).map(([k, list]) => [k, medianRound(list)]));
    const sdk = results.openai as LoadResult;
    const idealRef = { label: `ideal ${n} / ${latencyMs} ms`, value: ideal };
    const sdkCpu = { label: "openai SDK", value: sdk.mainCpuPerCallUs };
    const sdkDelay = { label: "openai SDK", value: sdk.eventLoop?.delayP99Ms ?? 0 };
    const rows: Row[] = Object.entries(results).flatMap(([key, r]) => {
      const label = contenders[key]?.label ?? key;
      const loop = r.eventLoop;
      return [
        row(
          NAME,
          `${label}, ${n} in flight, ${latencyMs} ms server`,
          r.throughput,
          "calls/s",
          idealRef,
          undefined,
          `p50 ${r.latency.p50Ms} / p99 ${r.latency.p99Ms} ms`,
        ),
        row(
          NAME,
          `main-thread CPU per call, ${label}`,
          r.mainCpuPerCallUs,
          "µs",
          key === "openai" ? undefined : sdkCpu,
          key === "dspex" ? { op: "<=", value: 0.03 } : undefined,
          `${Math.round(r.mainCpu * 100)} % of a core; ${r.processCpuPerCallUs} µs process`,
        ),
        row(
          NAME,
          `event-loop delay p99, ${label}`,
          loop?.delayP99Ms ?? Number.NaN,
          "ms",
          key === "openai" ? undefined : sdkDelay,
          undefined,
          `p50 ${loop?.delayP50Ms} / max ${loop?.delayMaxMs} ms (monitorEventLoopDelay p99 ${loop?.monitorP99Ms}); utilization ${loop?.utilization}`,
        ),
      ];
    });
    return {
      rows,
      charts: [
        {
          file: EVENT_LOOP_CHART,
          render: (caption: string) => barChart(panels(results, n, latencyMs), caption),
        },
      ],
      data: { inFlight: n, latencyMs, ideal, medians: results, rounds },
    };
  },
};
