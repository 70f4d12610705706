/**
 * What tracing and metrics cost one call on the main thread, with no thread and no socket in the way:
 * a call's trace driven by hand through what the proxy does for a cache miss (begin, open, mark the
 * request, the worker's reply with one timed attempt, succeed), recorded by the real SDK
 * (`BatchSpanProcessor` into an `InMemorySpanExporter`, emptied between runs; a `MeterProvider` with an
 * in-memory reader). Far steadier than a whole-system figure on a busy machine.
 *
 *   npm run build && node dist/bench/micro/callTrace.js        # N=20000 traces per run, 9 runs
 *
 * Prints the fastest run's CPU per traced call, in µs.
 */
import * as api from "@opentelemetry/api";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import type { ResolvedClientSpec } from "../../src/ClientSpec.js";
import type { FromWorker, WireRequest } from "../../src/protocol.js";
import { Telemetry } from "../../src/telemetry/Telemetry.js";
import type { Reply } from "../../src/types.js";
import { messagesFor } from "../lib/payload.js";

const N = Number(process.env.CALL_TRACE_BENCH_N ?? 20_000);
const RUNS = 9;

const spec = {
  name: "gpt",
  provider: "openai",
  model: "gpt-4o-mini",
  baseURL: "http://127.0.0.1:8080/v1",
} as unknown as ResolvedClientSpec;

const spans = new InMemorySpanExporter();
const processor = new BatchSpanProcessor(spans, { maxQueueSize: 1 << 17, maxExportBatchSize: 2048 });
const tracerProvider = new BasicTracerProvider({ spanProcessors: [processor] });
const reader = new PeriodicExportingMetricReader({
  exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
  exportIntervalMillis: 3_600_000,
});
const meterProvider = new MeterProvider({ readers: [reader] });
const telemetry = new Telemetry(api, { tracerProvider, meterProvider }, () => []);

function reply(seq: number, start: number): Extract<FromWorker, { type: "reply" }> {
  const answer = {
    text: "Paris.",
    finishReason: "stop",
    model: "gpt-4o-mini-2024-07-18",
    id: `chatcmpl-${seq}`,
    usage: { promptTokens: 24, completionTokens: 3, totalTokens: 27 },
    cost: 0.0000054,
    cached: false,
  } as unknown as Reply;
  return {
    type: "reply",
    id: seq,
    reply: answer,
    meta: { attempts: 1, timings: [{ start, end: start + 0.01 }] },
  };
}

function run(): number {
  const before = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const messages = messagesFor(i, true) as never;
    const trace = telemetry.begin("call", spec, messages, { temperature: 0 });
    if (trace === undefined) throw new Error("nothing listens");
    trace.open();
    const request = {} as WireRequest;
    trace.mark(request);
    const message = reply(i, performance.timeOrigin + performance.now());
    trace.observe(message);
    trace.succeed(message.reply);
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / N;
}

const results: number[] = [];
for (let r = 0; r < RUNS; r++) {
  results.push(run());
  await processor.forceFlush();
  spans.reset();
}
results.sort((a, b) => a - b);
console.log(
  `traced call (begin, open, reply with one attempt, succeed): fastest of ${RUNS} runs of ${N}: ` +
    `${results[0]?.toFixed(2)} µs CPU; median ${results[Math.floor(RUNS / 2)]?.toFixed(2)} µs`,
);
await meterProvider.shutdown();
await tracerProvider.shutdown();
