/**
 * Scenario 6, open breaker: one client's upstream answers 500 until its breaker opens (retries off,
 * a half-open wait longer than the run), then a storm of calls to it fails fast with ERR_CIRCUIT_OPEN
 * while a healthy client on the same system keeps serving. Figures: rejections per second, requests
 * that reached the server meanwhile (must be 0: "no request sent"), and the healthy client's p99
 * during the storm beside its p99 alone, measured in the same run.
 */
import { benchClient, benchSystem } from "../lib/dspex.js";
import { type LoadResult, runLoad } from "../lib/load.js";
import { startMockProcess } from "../lib/mockProcess.js";
import type { BenchOptions } from "../lib/options.js";
import { messagesFor } from "../lib/payload.js";
import { heading, note, point } from "../lib/progress.js";
import { row } from "../lib/report.js";
import type { Scenario } from "../lib/scenario.js";

const NAME = "open breaker";
const BROKEN_MODEL = "broken-model";
const STORM_IN_FLIGHT = 256;
const HEALTHY_IN_FLIGHT = 16;

/** See the file comment. */
export const openBreaker: Scenario = {
  name: "breaker",
  title: "6. Open breaker: failing fast, and the other clients meanwhile",
  run: async (o: BenchOptions) => {
    heading(openBreaker.title);
    const server = await startMockProcess(0);
    await server.fault({ kind: "status", status: 500 }, { model: BROKEN_MODEL });
    const system = await benchSystem([
      benchClient("broken", server.baseURL, {
        model: BROKEN_MODEL,
        breaker: { failures: 3, halfOpenAfterMs: 3_600_000 },
        retry: { maxRetries: 0 },
        maxQueue: STORM_IN_FLIGHT * 4,
      }),
      benchClient("healthy", server.baseURL),
    ]);
    const healthy = (seq: number) => system.call("healthy", messagesFor(seq, true), { temperature: 0 });
    const broken = (seq: number) => system.call("broken", messagesFor(seq, true), { temperature: 0 });
    const window = { durationMs: o.durationMs, warmupMs: o.warmupMs, warmupCalls: o.warmupCalls };
    let alone: LoadResult;
    let storm: LoadResult;
    let during: LoadResult;
    let sentWhileOpen: number;
    let opened = false;
    try {
      alone = await runLoad(healthy, { inFlight: HEALTHY_IN_FLIGHT, ...window });
      point("healthy client alone", alone);
      for (let i = 0; i < 20 && !opened; i++) {
        opened = await broken(i).then(
          () => false,
          (error: { code?: string }) => error.code === "ERR_CIRCUIT_OPEN",
        );
      }
      if (!opened) throw new Error("the breaker did not open after 20 failing calls");
      const before = await server.stats();
      const brokenBefore = before.faulted;
      [storm, during] = await Promise.all([
        runLoad(broken, { inFlight: STORM_IN_FLIGHT, ...window }),
        runLoad(healthy, { inFlight: HEALTHY_IN_FLIGHT, ...window }),
      ]);
      sentWhileOpen = (await server.stats()).faulted - brokenBefore;
      note(
        `open breaker storm: ${Math.round(storm.failuresPerSec).toLocaleString("en-US")} rejections/s ${JSON.stringify(storm.errors)}; requests sent ${sentWhileOpen}`,
      );
      point("healthy client during the storm", during);
    } finally {
      await system.stop();
      await server.close();
    }
    const other =
      storm.ok +
      Object.entries(storm.errors).reduce((a, [k, v]) => a + (k === "ERR_CIRCUIT_OPEN" ? 0 : v), 0);
    return {
      rows: [
        row(
          NAME,
          `ERR_CIRCUIT_OPEN rejections, ${STORM_IN_FLIGHT} in flight`,
          storm.failuresPerSec,
          "calls/s",
          undefined,
          undefined,
          `${other} other outcomes; rejection p50 ${storm.failureLatency.p50Ms} / p99 ${storm.failureLatency.p99Ms} ms`,
        ),
        row(NAME, "requests reaching the server while open", sentWhileOpen, "requests", undefined, {
          op: "==",
          value: 0,
          on: "value",
        }),
        row(
          NAME,
          "healthy client p99 during the storm",
          during.latency.p99Ms,
          "ms",
          { label: "its p99 alone", value: alone.latency.p99Ms },
          undefined,
          `${HEALTHY_IN_FLIGHT} in flight, cache misses`,
        ),
        row(NAME, "healthy client throughput during the storm", during.throughput, "calls/s", {
          label: "alone",
          value: alone.throughput,
        }),
      ],
      data: { alone, storm, during, sentWhileOpen },
    };
  },
};
