/**
 * A real OpenTelemetry SDK for telemetry tests: a tracer provider with an in-memory exporter, a meter
 * provider with an in-memory reader, and the async-hooks context manager (so a caller's active span is
 * the parent of a dspex call span), beside a real mock server and real worker threads.
 */
import { context, type Span } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { type MockServer, type MockServerOptions, startMockServer } from "../../../../mock/index.js";
import { createSystem, type System, type SystemOptions } from "../../../../src/System.js";
import type { SystemSpec } from "../../../../src/types.js";

let contextManager: AsyncLocalStorageContextManager | undefined;

/** Installs the async-hooks context manager once for the test file. */
export function useContextManager(): void {
  if (contextManager !== undefined) return;
  contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
}

/** A system wired to its own SDK providers. */
export interface OtelEnv {
  server: MockServer;
  system: System;
  spans: InMemorySpanExporter;
  tracerProvider: BasicTracerProvider;
  meterProvider: MeterProvider;
  metrics: InMemoryMetricExporter;
  reader: PeriodicExportingMetricReader;
  close(): Promise<void>;
}

/** Starts a mock server, SDK providers and a system reporting to them. */
export async function otelEnv(
  build: (server: MockServer) => SystemSpec,
  options: {
    server?: MockServerOptions;
    system?: SystemOptions;
    captureContent?: boolean;
    propagateContext?: boolean;
  } = {},
): Promise<OtelEnv> {
  useContextManager();
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metrics, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const server = await startMockServer({ latencyMs: 0, ...options.server });
  const system = await createSystem(build(server), {
    warmSpare: false,
    ...options.system,
    telemetry: {
      tracerProvider,
      meterProvider,
      captureContent: options.captureContent === true,
      propagateContext: options.propagateContext === true,
    },
  });
  return {
    server,
    system,
    spans,
    tracerProvider,
    meterProvider,
    metrics,
    reader,
    close: async () => {
      await system.stop();
      await server.close();
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
    },
  };
}

/** Runs `body` inside an active span of a test tracer (the caller's request), and ends it. */
export async function inRequest<T>(env: OtelEnv, body: (span: Span) => Promise<T>): Promise<T> {
  const tracer = env.tracerProvider.getTracer("test");
  return tracer.startActiveSpan("http request", async (span) => {
    try {
      return await body(span);
    } finally {
      span.end();
    }
  });
}

/** Finished spans named like `name` (a prefix). */
export function spansNamed(env: OtelEnv, prefix: string): ReadableSpan[] {
  return env.spans.getFinishedSpans().filter((s) => s.name.startsWith(prefix));
}

/** The parent span id of a finished span. */
export function parentOf(span: ReadableSpan | undefined): string | undefined {
  return span?.parentSpanContext?.spanId;
}
