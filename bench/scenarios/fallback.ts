/**
 * Scenario 9, fallback: a `fallback` router over a primary and a secondary client.
 *
 * - Primary down, its breaker open: a router call skips it without a try. Figure: the router call's p50
 *   over a direct call to the secondary (the member that answers), one call in flight, interleaved
 *   rounds, cache misses. Goal: added p50 < 0.1 ms.
 * - Primary failing with 503 before any breaker opens (its breaker is off, so every call meets the 503
 *   first): calls failed (goal 0) and p99, beside a direct call to the secondary.
 */
import { benchClient, benchSystem } from "../lib/dspex.js";
import { type LoadResult, medianRound, runLoad } from "../lib/load.js";
import { startMockProcess } from "../lib/mockProcess.js";
import type { BenchOptions } from "../lib/options.js";
import { messagesFor } from "../lib/payload.js";
import { heading, point } from "../lib/progress.js";
import { type Row, row } from "../lib/report.js";
import type { Scenario } from "../lib/scenario.js";

const NAME = "fallback";
const DOWN_MODEL = "down-model";
const FAILING_IN_FLIGHT = 16;

/** See the file comment. */
export const fallback: Scenario = {
  name: "fallback",
  title: "9. Fallback: a router over a primary that is down, and one that fails with 503",
  run: async (o: BenchOptions) => {
    heading(fallback.title);
    const server = await startMockProcess(0);
    await server.fault({ kind: "status", status: 503 }, { model: DOWN_MODEL });
    const system = await benchSystem([
      benchClient("open", server.baseURL, {
        model: DOWN_MODEL,
        retry: { maxRetries: 0 },
        breaker: { failures: 1, halfOpenAfterMs: 3_600_000 },
      }),
      benchClient("failing", server.baseURL, { model: DOWN_MODEL, retry: { maxRetries: 0 }, breaker: false }),
      benchClient("secondary", server.baseURL, { maxConcurrency: 64 }),
      { type: "router", name: "skip", strategy: "fallback", members: ["open", "secondary"] },
      { type: "router", name: "retry", strategy: "fallback", members: ["failing", "secondary"] },
    ]);
    const window = { durationMs: o.durationMs, warmupMs: o.warmupMs, warmupCalls: o.warmupCalls };
    let seq = 0;
    const direct = () => system.call("secondary", messagesFor(seq++, true), { temperature: 0 });
    const skip = () => system.call("skip", messagesFor(seq++, true), { temperature: 0 });
    const failing = () => system.call("retry", messagesFor(seq++, true), { temperature: 0 });
    const rounds: Record<string, LoadResult[]> = { direct: [], skip: [] };
    let failingRun: LoadResult;
    let directLoaded: LoadResult;
    try {
      // Open the primary's breaker.
      await system.call("open", messagesFor(-1, true)).catch(() => undefined);
      for (let round = 0; round < o.rounds; round++) {
        const d = await runLoad(direct, { inFlight: 1, ...window });
        point("direct call to the secondary, 1 in flight", d);
        rounds.direct?.push(d);
        const s = await runLoad(skip, { inFlight: 1, ...window });
        point("router call, primary's breaker open, 1 in flight", s);
        rounds.skip?.push(s);
      }
      directLoaded = await runLoad(direct, { inFlight: FAILING_IN_FLIGHT, ...window });
      point(`direct call to the secondary, ${FAILING_IN_FLIGHT} in flight`, directLoaded);
      failingRun = await runLoad(failing, { inFlight: FAILING_IN_FLIGHT, ...window });
      point(`router call, primary failing 503, ${FAILING_IN_FLIGHT} in flight`, failingRun);
    } finally {
      await system.stop();
      await server.close();
    }
    const d = medianRound(rounds.direct ?? []);
    const s = medianRound(rounds.skip ?? []);
    const rows: Row[] = [
      row(
        NAME,
        "router call, primary's breaker open: added p50 over a direct call",
        s.latency.p50Ms - d.latency.p50Ms,
        "ms",
        undefined,
        { op: "<", value: 0.1, on: "value" },
        `router p50 ${s.latency.p50Ms} ms / p99 ${s.latency.p99Ms} ms; direct p50 ${d.latency.p50Ms} ms / p99 ${d.latency.p99Ms} ms`,
      ),
      row(
        NAME,
        `router call, primary failing 503 (no breaker), ${FAILING_IN_FLIGHT} in flight: calls failed`,
        failingRun.failed,
        "calls",
        undefined,
        { op: "==", value: 0, on: "value" },
        `${failingRun.ok} ok; errors ${JSON.stringify(failingRun.errors)}`,
      ),
      row(
        NAME,
        `router call, primary failing 503, ${FAILING_IN_FLIGHT} in flight: p99`,
        failingRun.latency.p99Ms,
        "ms",
        { label: "direct call p99", value: directLoaded.latency.p99Ms },
        undefined,
        `p50 ${failingRun.latency.p50Ms} ms; ${Math.round(failingRun.throughput)} calls/s vs ${Math.round(directLoaded.throughput)} direct`,
      ),
    ];
    return { rows, data: { direct: rounds.direct, skip: rounds.skip, failing: failingRun, directLoaded } };
  },
};
