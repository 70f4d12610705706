/**
 * One traced call, stream or embedding request on the main thread: its span (when a tracer records),
 * its metrics (when a meter records) and its diagnostics-channel messages (when someone subscribes).
 *
 * The span covers the whole call, queueing, retries and redeliveries included. The worker reports each
 * upstream attempt's timing with the answer (`CallMeta.timings`); each becomes a child span here, with
 * the worker's start and end times, and each wait the worker reported (for a mailbox slot, at the rate
 * gate) an event on the call span. The proxy feeds {@link observe} every message for the call, and the
 * owner of the call settles it once with {@link succeed} or {@link fail}; anything after that (an
 * answer that arrives late) changes nothing, and no span is ended twice.
 */
import type { Context, Span, Tracer } from "@opentelemetry/api";
import type { EmbedReply } from "../embedTypes.js";
import type { DspexError } from "../errors.js";
import type {
  AttemptTiming,
  CallMeta,
  FromWorker,
  UpstreamTiming,
  WaitTiming,
  WireRequest,
} from "../protocol.js";
import type { WireMessage } from "../types.js";
import {
  type CallEndMessage,
  type CallErrorMessage,
  type CallStartMessage,
  channels,
  type OperationKind,
} from "./channels.js";
import {
  type Attributes,
  type AttributeValue,
  epochNow,
  type ReplyFacts,
  responseAttributes,
  type UsageFacts,
} from "./genai.js";
import type { GenAiMetrics } from "./metrics.js";
import type { ClientTags, TraceHost } from "./Telemetry.js";

let nextId = 1;

/** See the module comment. */
export class CallTrace {
  readonly id = nextId++;
  #span: Span | undefined;
  #startTime = 0;
  #done = false;
  #attempts = 0;
  #redeliveries = 0;
  #cached = false;
  #coalesced = false;
  #chunks = 0;
  #lastChunkAt = 0;
  /** Milliseconds the worker reported waiting for a mailbox slot, and at the rate gate. */
  #mailboxWaitMs = 0;
  #rateLimitWaitMs = 0;
  /** A stream's facts, gathered from its last chunk. */
  #streamFacts: ReplyFacts | undefined;
  /** Streamed text, only when contents are captured. */
  #texts: string[] | undefined;

  constructor(
    private readonly host: TraceHost,
    private readonly tracer: Tracer | undefined,
    private readonly metrics: GenAiMetrics | undefined,
    readonly operation: OperationKind,
    readonly tags: ClientTags,
    private readonly messages: WireMessage[] | undefined,
    private readonly requestAttributes: Attributes,
    private readonly parent: Context | undefined,
  ) {}

  /** The call's span, when a tracer records it (tests and the router read it). */
  get span(): Span | undefined {
    return this.#span;
  }

  /** The call starts now (a stream: at its first pull). */
  open(): void {
    this.#startTime = performance.now();
    const tracer = this.tracer;
    if (tracer !== undefined) {
      const tags = this.tags;
      // Timed on the clock the worker's timings use (epoch ms, sub-millisecond), so that they fit in it.
      // The SDK copies the attributes it is given: the client's fixed set goes as it is, the call's own
      // are set on the span (no merged copy per call).
      const span = tracer.startSpan(
        tags.spanName,
        {
          kind: this.host.spanKindClient,
          attributes: tags.attributes,
          startTime: performance.timeOrigin + this.#startTime,
        },
        this.parent,
      );
      if (span.isRecording()) {
        this.#span = span;
        const request = this.requestAttributes;
        for (const key in request) span.setAttribute(key, request[key] as AttributeValue);
        if (this.operation === "stream") {
          span.setAttribute("dspex.stream", true);
          if (this.host.captureContent) this.#texts = [];
        }
        if (this.host.captureContent && this.messages !== undefined)
          span.setAttribute("gen_ai.input.messages", JSON.stringify(this.messages));
      }
    }
    if (channels.callStart.hasSubscribers) channels.callStart.publish(this.#startMessage());
  }

  /**
   * Marks the call's wire request: the worker times its attempts, and (with `propagateContext`) sends
   * this span's W3C `traceparent` upstream.
   */
  mark(request: Pick<WireRequest, "timing" | "traceparent">): void {
    // Timings become attempt spans and wait events: asked for only when a span records them.
    if (this.#span === undefined) return;
    request.timing = true;
    if (this.host.propagateContext) {
      const traceparent = this.traceparent();
      if (traceparent !== undefined) request.traceparent = traceparent;
    }
  }

  /** The W3C `traceparent` of this call's span (`undefined` when no span records). */
  traceparent(): string | undefined {
    const context = this.#span?.spanContext();
    if (context === undefined) return undefined;
    const flags = context.traceFlags.toString(16).padStart(2, "0");
    return `00-${context.traceId}-${context.spanId}-${flags}`;
  }

  /** Every message the worker sends for this call, before the call handles it. */
  observe(message: FromWorker): void {
    switch (message.type) {
      case "chunk":
        this.#onChunks(message.chunks);
        return;
      case "reply":
        this.#onMeta(message.meta, message.reply.cached, true);
        return;
      case "embedded":
        // An embedding request is a hit when every input was; partly cached ones count as misses.
        this.#onMeta(message.meta, message.reply.cachedInputs === message.reply.vectors.length, true);
        return;
      case "end":
        // A stream that made no attempt was replayed from the cache (streams are not coalesced).
        this.#onMeta(message.meta, message.meta.attempts === 0, false);
        return;
      case "error":
        this.#onMeta(message.meta, false, false);
        return;
      default:
        return;
    }
  }

  /** The worker died with the call in flight; it goes to the next incarnation (delivery number `n`). */
  redelivered(deliveries: number): void {
    this.#redeliveries++;
    this.#span?.addEvent("dspex.redelivery", { "dspex.deliveries": deliveries }, epochNow());
  }

  /**
   * An embedding request: how many inputs it carries and the dimensions it asked for
   * (`gen_ai.embeddings.dimension.count`, when set). Call it after {@link open}.
   */
  embedding(inputs: number, dimensions: number | undefined): void {
    const span = this.#span;
    if (span === undefined) return;
    span.setAttribute("dspex.embed.inputs", inputs);
    if (dimensions !== undefined) span.setAttribute("gen_ai.embeddings.dimension.count", dimensions);
  }

  /** An embedding request answered: its usage, model and cost, and how many inputs the cache served. */
  readonly succeedEmbed = (reply: EmbedReply): void => {
    if (this.#done) return;
    const span = this.#span;
    if (span !== undefined) {
      span.setAttribute("dspex.embed.cached_inputs", reply.cachedInputs);
      span.setAttribute("dspex.embed.requests", reply.requests);
      const first = reply.vectors[0];
      if (first !== undefined) span.setAttribute("gen_ai.embeddings.dimension.count", first.length);
    }
    const facts: ReplyFacts = {
      model: reply.model,
      usage: { promptTokens: reply.usage.promptTokens },
      cost: reply.cost,
      client: reply.client,
    };
    this.succeed(facts);
  };

  /** The call answered. A stream passes nothing: its facts came with its last chunk. */
  readonly succeed = (reply?: ReplyFacts & { text?: string }): void => {
    if (this.#done) return;
    this.#done = true;
    const facts = reply ?? this.#streamFacts ?? {};
    const endedAt = performance.now();
    const durationMs = endedAt - this.#startTime;
    const span = this.#span;
    if (span !== undefined) {
      const attributes: Attributes = {
        "dspex.cache.hit": this.#cached,
        "dspex.coalesced": this.#coalesced,
        "dspex.attempts": this.#attempts,
      };
      if (this.#redeliveries > 0) attributes["dspex.redeliveries"] = this.#redeliveries;
      this.#waitAttributes(attributes);
      responseAttributes(facts, attributes);
      if (this.host.captureContent) {
        const text = reply?.text ?? this.#texts?.join("");
        if (text !== undefined)
          attributes["gen_ai.output.messages"] = JSON.stringify([
            {
              role: "assistant",
              parts: [{ type: "text", content: text }],
              finish_reason: facts.finishReason,
            },
          ]);
      }
      span.setAttributes(attributes);
      span.end(performance.timeOrigin + endedAt);
    }
    const metrics = this.metrics;
    if (metrics !== undefined) this.#record(metrics, durationMs, facts, undefined);
    if (channels.callEnd.hasSubscribers) {
      const message = this.#startMessage() as CallEndMessage;
      message.durationMs = durationMs;
      message.cached = this.#cached;
      message.coalesced = this.#coalesced;
      message.attempts = this.#attempts;
      message.redeliveries = this.#redeliveries;
      message.finishReason = facts.finishReason;
      message.inputTokens = facts.usage?.promptTokens;
      message.outputTokens = facts.usage?.completionTokens;
      message.cost = facts.cost;
      channels.callEnd.publish(message);
    }
  };

  /** The call failed with `error` (its message already scrubbed of keys). */
  readonly fail = (error: unknown): void => {
    if (this.#done) return;
    this.#done = true;
    const data = error as Partial<DspexError>;
    const code = typeof data.code === "string" ? data.code : "ERR_UNKNOWN";
    const text = typeof data.message === "string" ? data.message : String(error);
    const endedAt = performance.now();
    const durationMs = endedAt - this.#startTime;
    const span = this.#span;
    if (span !== undefined) {
      const attributes: Attributes = {
        "error.type": code,
        "dspex.attempts": this.#attempts,
        "dspex.coalesced": this.#coalesced,
      };
      if (typeof data.status === "number") attributes["http.response.status_code"] = data.status;
      if (this.#redeliveries > 0) attributes["dspex.redeliveries"] = this.#redeliveries;
      this.#waitAttributes(attributes);
      if (code === "ERR_CIRCUIT_OPEN")
        span.addEvent("dspex.breaker.rejected", undefined, performance.timeOrigin + endedAt);
      const retryAfterMs = (data as { retryAfterMs?: unknown }).retryAfterMs;
      if (typeof retryAfterMs === "number") attributes["dspex.retry_after_ms"] = retryAfterMs;
      span.setAttributes(attributes);
      span.setStatus({ code: this.host.statusError, message: text });
      span.end(performance.timeOrigin + endedAt);
    }
    const metrics = this.metrics;
    if (metrics !== undefined) this.#record(metrics, durationMs, undefined, code);
    if (channels.callError.hasSubscribers) {
      const message = this.#startMessage() as CallErrorMessage;
      message.durationMs = durationMs;
      message.code = code as CallErrorMessage["code"];
      message.message = text;
      message.status = typeof data.status === "number" ? data.status : undefined;
      message.attempts = this.#attempts;
      message.redeliveries = this.#redeliveries;
      channels.callError.publish(message);
    }
  };

  /** A stream the caller left early (`break`): not an error, the span just ends. */
  closed(): void {
    if (this.#done) return;
    this.#span?.setAttribute("dspex.stream.closed_early", true);
    this.succeed();
  }

  #startMessage(): CallStartMessage {
    const tags = this.tags;
    return {
      id: this.id,
      client: tags.client,
      operation: this.operation,
      provider: tags.provider,
      model: tags.model,
      startTime: this.#startTime,
    };
  }

  #onMeta(meta: CallMeta, cached: boolean, replied: boolean): void {
    // An answer after the call settled here (its deadline, an abort) is not this call's any more.
    if (this.#done) return;
    this.#attempts += meta.attempts;
    this.#cached = cached;
    // A reply that is neither a hit nor the fruit of an attempt joined another caller's request.
    this.#coalesced = replied && meta.attempts === 0 && !cached;
    const timings = meta.timings;
    const span = this.#span;
    if (timings !== undefined && span !== undefined && this.tracer !== undefined)
      this.#timed(timings, this.tracer, span);
  }

  /**
   * The worker's timings as spans and events. Times are clamped into the call span (from its start to
   * now): the worker's clock reads are another thread's, and a span must never run backwards.
   */
  #timed(timings: UpstreamTiming[], tracer: Tracer, parent: Span): void {
    const floor = performance.timeOrigin + this.#startTime;
    const ceiling = performance.timeOrigin + performance.now();
    let context: Context | undefined;
    // An attempt starts after the waits before it (the worker's attempt timing includes its gate wait).
    let after = floor;
    let attempt = 0;
    for (const timing of timings) {
      const start = clamp(timing.start, after, ceiling);
      const end = clamp(timing.end, start, ceiling);
      if ("wait" in timing) {
        this.#waited(timing, start, end, parent);
        after = end;
        continue;
      }
      attempt++;
      context ??= this.host.withSpan(this.parent, parent);
      this.#attemptSpan(timing, attempt, start, end, tracer, context);
    }
  }

  #waited(timing: WaitTiming, start: number, end: number, span: Span): void {
    const ms = end - start;
    if (timing.wait === "mailbox") {
      this.#mailboxWaitMs += ms;
      span.addEvent("dspex.mailbox.wait", { "dspex.wait_ms": ms }, start);
    } else {
      this.#rateLimitWaitMs += ms;
      span.addEvent(
        "dspex.rate_limit.wait",
        { "dspex.wait_ms": ms, "dspex.rate_limit.gate": timing.gate ?? "pacing" },
        start,
      );
    }
  }

  #attemptSpan(
    timing: AttemptTiming,
    attempt: number,
    start: number,
    end: number,
    tracer: Tracer,
    context: Context,
  ): void {
    // The call span carries the GenAI attributes; an attempt only what is its own (and a GenAI-aware
    // tool does not count it as another operation).
    const server = this.tags.server;
    const attributes: Attributes =
      server === undefined
        ? { "dspex.attempt": attempt }
        : { "server.address": server.address, "server.port": server.port, "dspex.attempt": attempt };
    if (timing.status !== undefined) attributes["http.response.status_code"] = timing.status;
    if (timing.code !== undefined) attributes["error.type"] = timing.code;
    if (timing.retryDelayMs !== undefined) attributes["dspex.retry.delay_ms"] = timing.retryDelayMs;
    const span = tracer.startSpan(
      this.tags.attemptName,
      { kind: this.host.spanKindClient, attributes, startTime: start },
      context,
    );
    if (timing.code !== undefined) span.setStatus({ code: this.host.statusError, message: timing.code });
    span.end(end);
  }

  /** The waits' totals, when there were any. */
  #waitAttributes(into: Attributes): void {
    if (this.#mailboxWaitMs > 0) into["dspex.mailbox.wait_ms"] = this.#mailboxWaitMs;
    if (this.#rateLimitWaitMs > 0) into["dspex.rate_limit.wait_ms"] = this.#rateLimitWaitMs;
  }

  #onChunks(
    chunks: readonly {
      text: string;
      finishReason?: string;
      usage?: UsageFacts;
      model?: string;
      cached: boolean;
    }[],
  ): void {
    const now = performance.now();
    const metrics = this.metrics;
    if (metrics !== undefined) {
      const attributes = this.tags.metricAttributes;
      let from = 0;
      if (this.#chunks === 0) {
        metrics.timeToFirstChunk.record((now - this.#startTime) / 1000, attributes);
        from = 1;
      }
      // Chunks posted together arrive together: spread the gap since the last arrival over them.
      const gaps = chunks.length - from;
      if (gaps > 0) {
        const each = (now - (this.#chunks === 0 ? now : this.#lastChunkAt)) / 1000 / gaps;
        for (let i = 0; i < gaps; i++) metrics.timePerChunk.record(each, attributes);
      }
    }
    this.#chunks += chunks.length;
    this.#lastChunkAt = now;
    const texts = this.#texts;
    for (const chunk of chunks) {
      if (texts !== undefined) texts.push(chunk.text);
      if (chunk.finishReason !== undefined || chunk.usage !== undefined) {
        const facts: ReplyFacts = { ...(chunk as ReplyFacts) };
        this.#streamFacts = facts;
      }
    }
  }

  #record(
    metrics: GenAiMetrics,
    durationMs: number,
    facts: ReplyFacts | undefined,
    code: string | undefined,
  ): void {
    // Attribute sets are made once per client, response model and outcome, not per call.
    const sets = this.tags.metricSets.of(code ?? "", facts?.model ?? "");
    metrics.duration.record(durationMs / 1000, sets.duration);
    // Tokens are counted where they were billed: a cache hit or a joined request billed none.
    const usage = facts?.usage;
    if (usage !== undefined && this.#attempts > 0) {
      if (usage.promptTokens !== undefined) metrics.tokens.record(usage.promptTokens, sets.input);
      if (usage.completionTokens !== undefined) metrics.tokens.record(usage.completionTokens, sets.output);
    }
  }
}

/** `value` within [low, high]; `low` wins when the range is empty (a clock read after the ceiling). */
function clamp(value: number, low: number, high: number): number {
  return Math.max(low, Math.min(value, high));
}
