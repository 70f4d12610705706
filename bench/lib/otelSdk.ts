/**
 * The OpenTelemetry SDK as the telemetry benchmarks run it: spans through the `BatchSpanProcessor`
 * production uses (batches exported off the call path) into an in-memory exporter, and metrics through
 * a `MeterProvider` with an in-memory reader. Sized so that no span is dropped at the benchmarks' rates;
 * the exporter keeps every span, so a benchmark empties it between rounds.
 */
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";

/** The providers to hand dspex, and the parts a benchmark reads and shuts down. */
export interface InMemoryOtel {
  readonly spans: InMemorySpanExporter;
  readonly processor: BatchSpanProcessor;
  readonly tracerProvider: BasicTracerProvider;
  readonly meterProvider: MeterProvider;
  /** Exports what is pending, counts the finished spans and empties the exporter; returns the count. */
  drainSpans(): Promise<number>;
  shutdown(): Promise<void>;
}

/** A tracer and a meter provider over in-memory exporters (see the module comment). */
export function inMemoryOtel(): InMemoryOtel {
  const spans = new InMemorySpanExporter();
  const processor = new BatchSpanProcessor(spans, {
    maxQueueSize: 1 << 17,
    maxExportBatchSize: 2048,
    scheduledDelayMillis: 200,
  });
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [processor] });
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 1_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    spans,
    processor,
    tracerProvider,
    meterProvider,
    drainSpans: async () => {
      await processor.forceFlush();
      const seen = spans.getFinishedSpans().length;
      spans.reset();
      return seen;
    },
    shutdown: async () => {
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
    },
  };
}
