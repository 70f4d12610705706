/**
 * The metrics dspex records through an OpenTelemetry `Meter`: the GenAI client metrics of the
 * conventions (see `genai.ts` for the version) and dspex's own figures of the tree. Instruments are
 * made once per meter; the observable ones read the proxies' live stats at collection time, so they
 * cost nothing between collections.
 */
import type { Attributes, Histogram, Meter } from "@opentelemetry/api";
import type { ClientStats } from "../types.js";

/** A client as the observable instruments read it. */
export interface ClientFigures {
  readonly name: string;
  readonly stats: ClientStats;
  /** What its answers cost so far, in US dollars (src/traffic/ClientTraffic.ts). */
  readonly traffic: { readonly cost: number };
}

/** Bucket boundaries the conventions ask for (seconds). */
const DURATION_BUCKETS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];
/** ... and for token counts. */
const TOKEN_BUCKETS = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];
/** Chunk timings (seconds). */
const CHUNK_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** The instruments of one meter. */
export class GenAiMetrics {
  readonly duration: Histogram;
  readonly tokens: Histogram;
  readonly timeToFirstChunk: Histogram;
  readonly timePerChunk: Histogram;
  readonly #restarts;
  readonly #breakerChanges;
  readonly #fallbacks;

  constructor(meter: Meter, clients: () => Iterable<ClientFigures>) {
    this.duration = meter.createHistogram("gen_ai.client.operation.duration", {
      description: "GenAI operation duration",
      unit: "s",
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
    this.tokens = meter.createHistogram("gen_ai.client.token.usage", {
      description: "Measures number of input and output tokens used",
      unit: "{token}",
      advice: { explicitBucketBoundaries: TOKEN_BUCKETS },
    });
    this.timeToFirstChunk = meter.createHistogram("gen_ai.client.operation.time_to_first_chunk", {
      description: "Time to receive the first chunk of a stream",
      unit: "s",
      advice: { explicitBucketBoundaries: CHUNK_BUCKETS },
    });
    this.timePerChunk = meter.createHistogram("gen_ai.client.operation.time_per_output_chunk", {
      description: "Time per output chunk after the first",
      unit: "s",
      advice: { explicitBucketBoundaries: CHUNK_BUCKETS },
    });
    this.#restarts = meter.createCounter("dspex.restarts", {
      description: "Restarts of clients and supervisors",
      unit: "{restart}",
    });
    this.#breakerChanges = meter.createCounter("dspex.breaker.transitions", {
      description: "Circuit breaker state changes",
      unit: "{transition}",
    });
    // Read at collection, like the figures below: a counter added to per call would hash its
    // attribute set on every answer (the SDK's largest per-call cost, measured: docs/observability.md).
    meter
      .createObservableCounter("dspex.cost", { description: "Cost of answered calls", unit: "USD" })
      .addCallback((result) => {
        for (const client of clients()) result.observe(client.traffic.cost, { "dspex.client": client.name });
      });
    this.#fallbacks = meter.createCounter("dspex.router.fallbacks", {
      description: "Calls a router moved from one member to the next",
      unit: "{fallback}",
    });

    const gauge = (name: string, description: string, unit: string, read: (s: ClientStats) => number) => {
      meter.createObservableGauge(name, { description, unit }).addCallback((result) => {
        for (const client of clients()) result.observe(read(client.stats), { "dspex.client": client.name });
      });
    };
    const counter = (name: string, description: string, unit: string, read: (s: ClientStats) => number) => {
      meter.createObservableCounter(name, { description, unit }).addCallback((result) => {
        for (const client of clients()) result.observe(read(client.stats), { "dspex.client": client.name });
      });
    };
    gauge(
      "dspex.queue.depth",
      "Calls held on the main thread while the worker (re)starts",
      "{call}",
      (s) => s.queued,
    );
    gauge("dspex.in_flight", "Calls sent to the worker and not yet answered", "{call}", (s) => s.inFlight);
    gauge("dspex.cache.hit_ratio", "Cache hits over answered lookups since start", "1", (s) => {
      const looked = s.cacheHits + s.cacheMisses;
      return looked === 0 ? 0 : s.cacheHits / looked;
    });
    counter("dspex.cache.hits", "Calls answered from the cache", "{call}", (s) => s.cacheHits);
    counter("dspex.cache.misses", "Calls answered from upstream", "{call}", (s) => s.cacheMisses);
    counter(
      "dspex.redeliveries",
      "Calls delivered again to a restarted worker",
      "{call}",
      (s) => s.redelivered,
    );
    counter("dspex.retries", "Upstream attempts retried", "{attempt}", (s) => s.retries);
    counter(
      "dspex.rate_limit.waits",
      "Calls that waited for the client's rate limit",
      "{call}",
      rateLimitWaits,
    );
  }

  /** A client or supervisor was restarted. */
  restarted(child: string, supervisor: string): void {
    this.#restarts.add(1, { "dspex.child": child, "dspex.supervisor": supervisor });
  }

  /** A breaker changed state. */
  breakerChanged(client: string, state: string, previous: string): void {
    this.#breakerChanges.add(1, {
      "dspex.client": client,
      "dspex.breaker.state": state,
      "dspex.breaker.previous": previous,
    });
  }

  /** A router moved a call on. */
  fellBack(attributes: Attributes): void {
    this.#fallbacks.add(1, attributes);
  }
}

/** Rate-limit waits, when the client's stats count them (clients with `limits`). */
function rateLimitWaits(stats: ClientStats): number {
  const waits = (stats as { rateLimitWaits?: unknown }).rateLimitWaits;
  return typeof waits === "number" ? waits : 0;
}
