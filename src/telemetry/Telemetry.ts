/**
 * A system's telemetry: decides per call whether anything listens (an OpenTelemetry tracer or meter
 * that records, or a diagnostics-channel subscriber) and, if so, hands the call a {@link CallTrace}.
 * With no SDK registered, or `@opentelemetry/api` not installed, `begin` returns `undefined` after a
 * few property reads, and the call runs exactly as it would without telemetry.
 *
 * The tracer and meter are looked up per call (a provider registered after `createSystem` is picked
 * up), and cached per provider.
 */
import type {
  Context,
  Meter,
  MeterProvider,
  ProxyTracerProvider,
  Span,
  SpanKind,
  SpanStatusCode,
  Tracer,
  TracerProvider,
} from "@opentelemetry/api";
import type { ResolvedClientSpec } from "../ClientSpec.js";
import type { SystemEvent } from "../events.js";
import type { ResolvedRouterSpec } from "../router/RouterSpec.js";
import type { GenerationParams, WireMessage } from "../types.js";
import { CallTrace } from "./CallTrace.js";
import { callChannelsActive, channels, type OperationKind } from "./channels.js";
import {
  type Attributes,
  type GenAiOperation,
  providerName,
  requestAttributes,
  serverOf,
  spanName,
} from "./genai.js";
import { type ClientFigures, GenAiMetrics } from "./metrics.js";
import { loadOtelApi, type OtelApi } from "./otel.js";
import { RouteTrace } from "./RouteTrace.js";

/** `createSystem(spec, { telemetry })`: how dspex reports to OpenTelemetry. */
export interface TelemetryOptions {
  /** Where spans go (default: the globally registered provider, if any). */
  tracerProvider?: TracerProvider;
  /** Where metrics go (default: the globally registered provider, if any). */
  meterProvider?: MeterProvider;
  /**
   * Put message contents on spans (`gen_ai.input.messages`, `gen_ai.output.messages`). Off by
   * default: prompts and answers often hold personal data.
   */
  captureContent?: boolean;
  /**
   * Send the call span's W3C `traceparent` header upstream with each request (a coalesced request
   * carries its first caller's). Off by default: it tells the vendor your trace ids.
   */
  propagateContext?: boolean;
}

/** A client's fixed telemetry facts, computed once. */
export interface ClientTags {
  client: string;
  provider: string;
  model: string;
  spanName: string;
  attemptName: string;
  attributes: Attributes;
  /** Where its requests go (an attempt span's `server.*`; the GenAI attributes are its call span's). */
  server: { address: string; port: number } | undefined;
  metricAttributes: Attributes;
  metricSets: MetricSets;
}

/** The metric attribute sets of one client, by error code and response model, made on first use. */
export class MetricSets {
  readonly #sets = new Map<string, { duration: Attributes; input: Attributes; output: Attributes }>();

  constructor(private readonly base: Attributes) {}

  /** The sets for an outcome (`code` "" for success) and a response model ("" when unknown). */
  of(code: string, model: string): { duration: Attributes; input: Attributes; output: Attributes } {
    const key = `${code}\u0000${model}`;
    let sets = this.#sets.get(key);
    if (sets === undefined) {
      const duration: Attributes = { ...this.base };
      if (model !== "") duration["gen_ai.response.model"] = model;
      if (code !== "") duration["error.type"] = code;
      sets = {
        duration,
        input: { ...duration, "gen_ai.token.type": "input" },
        output: { ...duration, "gen_ai.token.type": "output" },
      };
      // Bounded: a vendor that names a new model per answer must not grow this without end.
      if (this.#sets.size < 256) this.#sets.set(key, sets);
    }
    return sets;
  }
}

/** What a {@link CallTrace} needs from its system's telemetry. */
export interface TraceHost {
  readonly captureContent: boolean;
  readonly propagateContext: boolean;
  readonly spanKindClient: SpanKind;
  readonly statusError: SpanStatusCode;
  withSpan(parent: Context | undefined, span: Span): Context;
}

const NAME = "dspex";

/** A router's `fallback` event (issue #12), as telemetry reads it. */
interface FallbackEvent {
  type: "fallback";
  router: string;
  from: string;
  to: string;
  code: string;
}

/** See the module comment. */
export class Telemetry implements TraceHost {
  readonly captureContent: boolean;
  readonly propagateContext: boolean;
  readonly spanKindClient: SpanKind;
  readonly statusError: SpanStatusCode;
  readonly #api: OtelApi | undefined;
  readonly #options: TelemetryOptions;
  readonly #clients: () => Iterable<ClientFigures>;
  readonly #tags = new Map<string, ClientTags>();
  readonly #noopTracerProvider: TracerProvider | undefined;
  readonly #noopMeter: Meter | undefined;
  #tracerOwner: TracerProvider | undefined;
  #tracer: Tracer | undefined;
  #meterOwner: MeterProvider | undefined;
  #metrics: GenAiMetrics | undefined;

  /** Loads the API (if installed) and builds the system's telemetry. */
  static async create(options: TelemetryOptions, clients: () => Iterable<ClientFigures>): Promise<Telemetry> {
    return new Telemetry(await loadOtelApi(), options, clients);
  }

  constructor(api: OtelApi | undefined, options: TelemetryOptions, clients: () => Iterable<ClientFigures>) {
    this.#api = api;
    this.#options = options;
    this.#clients = clients;
    this.captureContent = options.captureContent === true;
    this.propagateContext = options.propagateContext === true;
    this.spanKindClient = (api?.SpanKind.CLIENT ?? 2) as SpanKind;
    this.statusError = (api?.SpanStatusCode.ERROR ?? 2) as SpanStatusCode;
    this.#noopTracerProvider = api === undefined ? undefined : new api.ProxyTracerProvider().getDelegate();
    this.#noopMeter = api?.createNoopMeter();
  }

  /**
   * A trace for one call, or `undefined` when nothing listens. Call it on the caller's turn: the
   * active context then is the caller's, and becomes the span's parent; a member's call of a routed
   * one takes its router's span as parent instead (`route`).
   */
  begin(
    operation: OperationKind,
    spec: ResolvedClientSpec,
    messages: WireMessage[] | undefined,
    params: GenerationParams,
    route?: RouteTrace,
  ): CallTrace | undefined {
    const tracer = this.#currentTracer();
    const metrics = this.#currentMetrics();
    if (tracer === undefined && metrics === undefined && !callChannelsActive()) return undefined;
    const request: Attributes = {};
    let parent: Context | undefined;
    if (tracer !== undefined) {
      requestAttributes(params, request);
      if (route === undefined) parent = (this.#api as OtelApi).context.active();
      else {
        parent = route.context;
        request["dspex.router"] = route.router;
      }
    }
    return new CallTrace(
      this,
      tracer,
      metrics,
      operation,
      this.#tagsOf(spec, operation),
      messages,
      request,
      parent,
    );
  }

  /**
   * The trace of one routed call (see `RouteTrace.ts`), or `undefined` when no tracer records. Its
   * parent is the caller's active context, or the router's own when it is a member of `outer`.
   */
  beginRoute(
    operation: OperationKind,
    router: Pick<ResolvedRouterSpec, "name" | "strategy">,
    outer: RouteTrace | undefined,
  ): RouteTrace | undefined {
    const tracer = this.#currentTracer();
    if (tracer === undefined) return undefined;
    const attributes: Attributes = {
      "dspex.router": router.name,
      "dspex.router.strategy": router.strategy,
    };
    if (operation === "stream") attributes["dspex.stream"] = true;
    if (outer !== undefined) attributes["dspex.router.parent"] = outer.router;
    const parent = outer === undefined ? (this.#api as OtelApi).context.active() : outer.context;
    const name = `${operation === "embed" ? "embeddings" : "chat"} ${router.name}`;
    return new RouteTrace(this, tracer, router.name, name, attributes, parent);
  }

  /** Supervision and breaker events: published on their channels and counted. */
  event(event: SystemEvent): void {
    switch (event.type) {
      case "restart":
        if (channels.restart.hasSubscribers) {
          const { type: _, ...payload } = event;
          channels.restart.publish(payload);
        }
        this.#currentMetrics()?.restarted(event.child, event.supervisor);
        return;
      case "breaker":
        if (channels.breaker.hasSubscribers) {
          const { type: _, ...payload } = event;
          channels.breaker.publish(payload);
        }
        this.#currentMetrics()?.breakerChanged(event.client, event.state, event.previous);
        return;
      default:
        // Routers (issue #12) emit `fallback`: a channel message and a counter here; the event on the
        // routed call's span is the router's (`RouteTrace.fallback`), which knows the call.
        if ((event as { type: string }).type === "fallback")
          this.#fallback(event as unknown as FallbackEvent);
        return;
    }
  }

  #fallback(event: FallbackEvent): void {
    const { type: _, ...payload } = event;
    if (channels.fallback.hasSubscribers) channels.fallback.publish(payload);
    this.#currentMetrics()?.fellBack({
      "dspex.router": event.router,
      "dspex.fallback.from": event.from,
      "dspex.fallback.to": event.to,
      "error.type": event.code,
    });
  }

  withSpan(parent: Context | undefined, span: Span): Context {
    const api = this.#api as OtelApi;
    return api.trace.setSpan(parent ?? api.context.active(), span);
  }

  #currentTracer(): Tracer | undefined {
    const api = this.#api;
    if (api === undefined) return undefined;
    let provider = this.#options.tracerProvider ?? api.trace.getTracerProvider();
    // The global is a ProxyTracerProvider (maybe from another copy of the API): look through it.
    const proxy = provider as Partial<ProxyTracerProvider>;
    if (typeof proxy.getDelegate === "function") provider = proxy.getDelegate();
    if (provider === this.#noopTracerProvider || provider.constructor?.name === "NoopTracerProvider")
      return undefined;
    if (provider !== this.#tracerOwner) {
      this.#tracerOwner = provider;
      this.#tracer = provider.getTracer(NAME);
    }
    return this.#tracer;
  }

  #currentMetrics(): GenAiMetrics | undefined {
    const api = this.#api;
    if (api === undefined) return undefined;
    const provider = this.#options.meterProvider ?? api.metrics.getMeterProvider();
    if (provider !== this.#meterOwner) {
      this.#meterOwner = provider;
      const meter = provider.getMeter(NAME);
      this.#metrics = meter === this.#noopMeter ? undefined : new GenAiMetrics(meter, this.#clients);
    }
    return this.#metrics;
  }

  #tagsOf(spec: ResolvedClientSpec, operation: OperationKind): ClientTags {
    const key = operation === "embed" ? `${spec.name}\u0000embed` : spec.name;
    let tags = this.#tags.get(key);
    if (tags === undefined) {
      const genAiOperation: GenAiOperation = operation === "embed" ? "embeddings" : "chat";
      const provider = providerName(spec.provider);
      const common: Attributes = {
        "gen_ai.operation.name": genAiOperation,
        "gen_ai.provider.name": provider,
        "gen_ai.request.model": spec.model,
      };
      const server = serverOf(spec.baseURL);
      if (server !== undefined) {
        common["server.address"] = server.address;
        common["server.port"] = server.port;
      }
      tags = {
        client: spec.name,
        provider,
        model: spec.model,
        spanName: spanName(genAiOperation, spec.model),
        attemptName: `${genAiOperation} ${spec.model} attempt`,
        attributes: { ...common, "dspex.client": spec.name },
        server,
        metricAttributes: { ...common, "dspex.client": spec.name },
        metricSets: new MetricSets({ ...common, "dspex.client": spec.name }),
      };
      this.#tags.set(key, tags);
    }
    return tags;
  }
}
