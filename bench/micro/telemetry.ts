/**
 * What telemetry costs the main thread per call: cache misses at 256 in flight against the mock
 * server (in its own process), with tracing and metrics on (the real SDK: `BatchSpanProcessor` into an
 * `InMemorySpanExporter`, a `MeterProvider` with an in-memory reader) and with telemetry off, in
 * alternating rounds. Main-thread CPU per settled call barely moves with machine load, unlike
 * throughput, so this is the figure to compare on a busy machine.
 *
 *   npm run build && node dist/bench/micro/telemetry.js                 # 6 rounds of 20,000 calls
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof dist/bench/micro/telemetry.js on   # profile one mode
 *
 * Prints, per mode, the median over rounds of main-thread CPU per call (µs) and the spans recorded.
 */
import type { System } from "../../src/index.js";
import { mainThreadCpu } from "../lib/cpu.js";
import { benchClient, benchSystem } from "../lib/dspex.js";
import { startMockProcess } from "../lib/mockProcess.js";
import { inMemoryOtel } from "../lib/otelSdk.js";
import { messagesFor } from "../lib/payload.js";

const CALLS = Number(process.env.TELEMETRY_BENCH_CALLS ?? 20_000);
const ROUNDS = Number(process.env.TELEMETRY_BENCH_ROUNDS ?? 6);
const IN_FLIGHT = 256;
const only = process.argv[2] as "on" | "off" | undefined;

let seq = 0;

/** Runs `n` calls, `IN_FLIGHT` at a time; resolves with main-thread µs per call. */
async function load(system: System, name: string, n: number): Promise<number> {
  const before = mainThreadCpu().micros;
  let started = 0;
  const lane = async (): Promise<void> => {
    while (started < n) {
      started++;
      await system.call(name, messagesFor(seq++, true), { temperature: 0 });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return (mainThreadCpu().micros - before) / n;
}

const server = await startMockProcess(0);
const otel = inMemoryOtel();
const { tracerProvider, meterProvider } = otel;
const client = (name: string) =>
  benchClient(name, server.baseURL, { maxConcurrency: IN_FLIGHT, maxQueue: IN_FLIGHT * 4 });
const modes = (only === undefined ? ["off", "on"] : [only]) as ("on" | "off")[];
const systems = {
  off: await benchSystem([client("off")], { telemetry: false }),
  on: await benchSystem([client("on")], { telemetry: { tracerProvider, meterProvider } }),
};
const results: Record<string, number[]> = { off: [], on: [] };
let spansSeen = 0;
try {
  for (const mode of modes) await load(systems[mode], mode, 2_000); // warm-up: JIT, sockets
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of modes) {
      results[mode]?.push(await load(systems[mode], mode, CALLS));
      spansSeen += await otel.drainSpans();
    }
  }
} finally {
  await Promise.allSettled([systems.off.stop(), systems.on.stop()]);
  await otel.shutdown();
  await server.close();
}
const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? Number.NaN;
for (const mode of modes) {
  const list = results[mode] ?? [];
  console.log(
    `telemetry ${mode}: main-thread CPU per call, median of ${list.length} rounds of ${CALLS}: ` +
      `${median(list).toFixed(1)} µs (rounds: ${list.map((v) => v.toFixed(1)).join(", ")})`,
  );
}
console.log(`spans recorded: ${spansSeen}`);
