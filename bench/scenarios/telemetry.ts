/**
 * Scenario 8, telemetry overhead, side by side in one run (interleaved rounds, median kept):
 * - cache misses at 256 in flight (the last `--misses-inflight` level) with tracing and metrics on,
 *   through the real SDK (`BasicTracerProvider` + `BatchSpanProcessor` + `InMemorySpanExporter`, a
 *   `MeterProvider` with an in-memory reader), against telemetry off. Target >= 0.9.
 * - cache hits at 256 in flight (the cheapest call, where a fixed cost shows most) with
 *   `@opentelemetry/api` loaded and no SDK registered, against telemetry off: the "nil" claim.
 */
import type { System } from "../../src/index.js";
import { benchClient, benchSystem } from "../lib/dspex.js";
import { type LoadResult, medianRound, runLoad } from "../lib/load.js";
import { startMockProcess } from "../lib/mockProcess.js";
import type { BenchOptions } from "../lib/options.js";
import { inMemoryOtel } from "../lib/otelSdk.js";
import { messagesFor } from "../lib/payload.js";
import { heading, point } from "../lib/progress.js";
import { type Row, row } from "../lib/report.js";
import type { Scenario } from "../lib/scenario.js";

const NAME = "telemetry";

/** See the file comment. */
export const telemetry: Scenario = {
  name: "telemetry",
  title: "8. Telemetry overhead: tracing + metrics (real SDK) and the API with no SDK, against off",
  run: async (o: BenchOptions) => {
    heading(telemetry.title);
    const inFlight = Math.max(...o.missesInFlight, o.quick ? 16 : 256);
    const server = await startMockProcess(0);
    // The SDK over in-memory exporters, emptied after each round (bench/lib/otelSdk.ts).
    const otel = inMemoryOtel();
    const { tracerProvider, meterProvider } = otel;
    const client = (name: string) =>
      benchClient(name, server.baseURL, { maxConcurrency: inFlight, maxQueue: inFlight * 4 });
    const systems: Record<string, System> = {
      off: await benchSystem([client("off")], { telemetry: false }),
      sdk: await benchSystem([client("sdk")], { telemetry: { tracerProvider, meterProvider } }),
      // No provider given and none registered globally: the API is loaded and finds no SDK.
      noSdk: await benchSystem([client("noSdk")], {}),
    };
    const labels: Record<string, string> = {
      off: "telemetry off",
      sdk: "tracing + metrics, real SDK",
      noSdk: "API loaded, no SDK",
    };
    const misses: Record<string, LoadResult[]> = { off: [], sdk: [] };
    const hits: Record<string, LoadResult[]> = { off: [], noSdk: [] };
    let spansSeen = 0;
    try {
      for (let round = 0; round < o.rounds; round++) {
        for (const key of Object.keys(misses)) {
          const system = systems[key] as System;
          const r = await runLoad((seq) => system.call(key, messagesFor(seq, true), { temperature: 0 }), {
            inFlight,
            durationMs: o.durationMs,
            warmupMs: o.warmupMs,
            warmupCalls: o.warmupCalls,
          });
          point(`miss, ${labels[key]}`, r);
          misses[key]?.push(r);
          spansSeen += await otel.drainSpans();
        }
        for (const key of Object.keys(hits)) {
          const system = systems[key] as System;
          const r = await runLoad((seq) => system.call(key, messagesFor(seq, false), { temperature: 0 }), {
            inFlight,
            durationMs: o.durationMs,
            warmupMs: o.warmupMs,
            warmupCalls: o.warmupCalls,
          });
          point(`hit, ${labels[key]}`, r);
          hits[key]?.push(r);
        }
      }
    } finally {
      await Promise.allSettled(Object.values(systems).map((s) => s.stop()));
      await otel.shutdown();
      await server.close();
    }
    if (spansSeen === 0) throw new Error("telemetry: the SDK recorded no span: tracing was not on");
    const median = (list: LoadResult[] | undefined) => medianRound(list ?? []);
    const off = median(misses.off);
    const sdk = median(misses.sdk);
    const hitOff = median(hits.off);
    const hitNoSdk = median(hits.noSdk);
    const lat = (r: LoadResult) =>
      `p50 ${r.latency.p50Ms} / p99 ${r.latency.p99Ms} ms; CPU/call ${r.mainCpuPerCallUs} µs main thread`;
    const rows: Row[] = [
      row(
        NAME,
        `cache misses, ${inFlight} in flight, tracing + metrics on (SDK, in-memory)`,
        sdk.throughput,
        "calls/s",
        { label: "telemetry off", value: off.throughput },
        { op: ">=", value: 0.9 },
        lat(sdk),
      ),
      row(
        NAME,
        `cache misses, ${inFlight} in flight, telemetry off`,
        off.throughput,
        "calls/s",
        undefined,
        undefined,
        lat(off),
      ),
      row(
        NAME,
        `cache hits, ${inFlight} in flight, API loaded, no SDK`,
        hitNoSdk.throughput,
        "calls/s",
        { label: "telemetry off", value: hitOff.throughput },
        { op: ">=", value: 0.97 },
        lat(hitNoSdk),
      ),
      row(
        NAME,
        `cache hits, ${inFlight} in flight, telemetry off`,
        hitOff.throughput,
        "calls/s",
        undefined,
        undefined,
        lat(hitOff),
      ),
    ];
    return { rows, data: { inFlight, misses, hits, spansSeen } };
  },
};
