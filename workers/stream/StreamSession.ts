/**
 * One `stream` request inside the worker, from the cache lookup to the `end` message.
 *
 * Up to the first chunk a stream is a call: a cache hit is replayed as one chunk; otherwise it goes
 * through the same {@link UpstreamPipeline} as calls (a mailbox slot, held until the stream is over: an
 * open stream is an upstream request in flight; the retry loop; the breaker), so an HTTP error, an error event or
 * a dropped connection *before the first chunk* is retried like a call's. An attempt ends at the first
 * event that carries part of the answer. After that nothing is retried: a failure ends the stream
 * with its typed error, after the text that came before it.
 *
 * Flow control ({@link CreditWindow}): with no credit left the session stops reading the socket, so
 * the worker holds at most one socket read of decoded text plus undici's body buffer
 * (`BODY_HIGH_WATER_MARK`), and the main thread at most `credit` chunks.
 *
 * Time-outs (`ERR_TIMEOUT`): `firstChunkTimeoutMs` from the request's arrival to the first progress
 * (queueing and retries included; the call's `deadline` also bounds that phase), then
 * `idleTimeoutMs` of upstream silence between events that carry the answer. Time spent waiting for
 * credit (a slow reader) is not upstream's silence and does not count.
 *
 * Chunks carry text and reasoning deltas; the last chunk carries the reply's other fields (finish
 * reason, usage, model, tool calls, id, refusal, reasoning details, logprobs: `stream/chunkFields.ts`).
 * A stream that completes is stored in the cache under the call's key before `end` is posted.
 */
import { type ErrorData, toErrorData } from "../../src/errors.js";
import type { CallMeta, WireStreamRequest } from "../../src/protocol.js";
import { scrubError } from "../../src/redact.js";
import type { Reply, StreamChunk } from "../../src/types.js";
import { Cancellation, type CancelSignal } from "../Cancellation.js";
import { AttemptFailure, errorDataOf } from "../http/AttemptFailure.js";
import type { Transport } from "../http/Transport.js";
import type { UpstreamPipeline } from "../pipeline/UpstreamPipeline.js";
import type { UpstreamRequest } from "../providers/Provider.js";
import type { RetryOutcome } from "../resilience/RetryPolicy.js";
import { passGate, settleStream } from "../traffic/passGate.js";
import { CreditWindow } from "./CreditWindow.js";
import { finishChunk, replayChunk } from "./chunkFields.js";
import { type OpenedStream, openStreamAttempt } from "./StreamAttempt.js";
import {
  type StreamCache,
  type StreamDeps,
  type StreamMessage,
  type StreamPath,
  StreamRun,
  streamPath,
} from "./StreamDeps.js";
import type { UpstreamStream } from "./UpstreamStream.js";

/** Why a session tore its upstream request down (one instance: an Error's stack is costly to capture). */
const STOPPED = new AttemptFailure("aborted", { code: "ERR_ABORTED", message: "the stream was stopped" });

/** One stream in the worker; see the module comment. */
export class StreamSession {
  readonly id: number;
  readonly #deps: StreamDeps;
  readonly #pipeline: UpstreamPipeline;
  readonly #transport: Transport;
  readonly #request: WireStreamRequest;
  readonly #clock: () => number;
  /** Aborted when the session stops early: tears down whatever is in flight. Made on a cache miss. */
  #cancellation: Cancellation | undefined;
  /** Chunks decoded and not yet sent (waiting for credit). */
  readonly #window: CreditWindow;
  #texts: string[] = [];
  #upstream: UpstreamStream | undefined;
  #timer: NodeJS.Timeout | undefined;
  /**
   * `open` while it may still post; `cut` once cancelled by the main thread or failed (its upstream
   * request is torn down); `ended` once `end` was posted (nothing to tear down). Past `open`, nothing
   * more is posted.
   */
  #phase: "open" | "cut" | "ended" = "open";
  #meta: CallMeta = { attempts: 0 };
  /** Resolves when the session has released everything. */
  readonly finished: Promise<void>;

  constructor(deps: StreamDeps, message: StreamMessage, path: StreamPath = streamPath(deps)) {
    this.id = message.id;
    this.#deps = deps;
    this.#pipeline = path.pipeline;
    this.#transport = path.transport;
    this.#request = message.request;
    this.#window = new CreditWindow(message.credit, (chunks) =>
      this.#deps.post({ type: "chunk", id: this.id, chunks }),
    );
    this.#clock = deps.clock ?? Date.now;
    this.finished = this.#run();
  }

  /** The main thread's caller took `n` chunks. */
  credit(n: number): void {
    this.#window.grant(n);
  }

  /** The caller left or aborted: stop, tear the upstream request down, post nothing more. */
  cancel(): void {
    if (this.#phase !== "open") return;
    this.#phase = "cut";
    this.#stop();
  }

  async #run(): Promise<void> {
    const ms = this.#request.firstChunkTimeoutMs;
    this.#arm(ms, `no chunk arrived within ${ms} ms (firstChunkTimeoutMs)`);
    try {
      await this.#serve();
    } catch (error) {
      // Not an upstream failure (those are handled where they happen): a bug, reported as plain data.
      this.#fail({
        code: "ERR_BAD_RESPONSE",
        message: error instanceof Error ? error.message : String(error),
      });
    } finally {
      if (this.#phase === "ended") this.#disarm();
      else {
        this.#phase = "cut";
        this.#stop();
      }
    }
  }

  async #serve(): Promise<void> {
    const deps = this.#deps;
    const request = this.#request;
    const cache = request.cache === "skip" ? undefined : deps.cache;
    const key = cache === undefined ? undefined : deps.cacheKey(request);
    if (cache !== undefined && key !== undefined && request.cache === "use") {
      const hit = await cache.get(key);
      if (this.#phase !== "open") return;
      if (hit !== undefined) {
        this.#disarm();
        await this.#replay(hit, cache);
        return;
      }
    }
    let upstreamRequest: UpstreamRequest;
    try {
      upstreamRequest = deps.provider.buildRequest(deps.client, request, true);
      if (request.traceparent !== undefined) upstreamRequest.headers.traceparent = request.traceparent;
    } catch (error) {
      this.#fail(toErrorData(error, "ERR_INVALID_ARGUMENT"));
      return;
    }
    const signal = this.#signal();
    const attempt = () =>
      openStreamAttempt({
        transport: this.#transport,
        request: upstreamRequest,
        attemptTimeoutMs: request.attemptTimeoutMs,
        deadline: request.deadline,
        clock: this.#clock,
        signal,
      });
    const gate = deps.gate;
    const gated =
      gate === undefined
        ? attempt
        : () => {
            // As a call's: the gate learns from the answer's headers; its usage comes at its end, so the
            // gate keeps the estimate.
            const tokens = gate.countsTokens ? (deps.estimator?.estimate(request) ?? 0) : 0;
            return passGate(
              gate,
              tokens,
              request.deadline,
              signal,
              attempt,
              (opened, ticket) => settleStream(gate, opened.upstream.headers?.rateLimit, ticket),
              run.timings,
            );
          };
    const plan = { ...deps.client.retry, maxRetries: request.maxRetries };
    const run = new StreamRun(plan, this.#pipeline.parts, request.deadline, signal, this.id);
    if (request.timing === true) run.timings = [];
    // The slot is held while the body is read: `#pump` runs inside the pipeline.
    await this.#pipeline.run(gated, run, (outcome) => this.#opened(outcome, cache, key));
  }

  /** The pipeline's outcome: a failure before the first chunk, or a stream to read. */
  async #opened(
    outcome: RetryOutcome<OpenedStream>,
    cache: StreamCache | undefined,
    key: string | undefined,
  ): Promise<void> {
    if (outcome.attempts > 0 || outcome.ok) {
      this.#meta = { attempts: outcome.attempts };
      if (outcome.upstreamErrors !== undefined) this.#meta.upstreamErrors = outcome.upstreamErrors;
      if (outcome.timings !== undefined) this.#meta.timings = outcome.timings;
    }
    if (!outcome.ok) {
      this.#fail(outcome.error);
      return;
    }
    await this.#pump(outcome.value, cache, key);
  }

  /** From the first progress to the end: send with credit, read when there is room. */
  async #pump(opened: OpenedStream, cache: StreamCache | undefined, key: string | undefined): Promise<void> {
    const upstream = opened.upstream;
    this.#upstream = upstream;
    this.#take(opened.deltas);
    const idleMs = this.#request.idleTimeoutMs;
    const stalled = `the stream stalled: no chunk for ${idleMs} ms (idleTimeoutMs)`;
    let ended = upstream.reader.done;
    let failure = opened.failure;
    let quietSince = this.#clock();
    this.#disarm();
    const window = this.#window;
    while (this.#phase === "open") {
      window.flush();
      if (window.waiting > 0) {
        await window.creditArrives();
        quietSince = this.#clock(); // a slow reader is not upstream's silence
        continue;
      }
      if (failure !== undefined) {
        this.#fail(failure.data);
        return;
      }
      if (ended) break;
      this.#arm(Math.max(0, quietSince + idleMs - this.#clock()), stalled);
      let read: Awaited<ReturnType<UpstreamStream["read"]>>;
      try {
        read = await upstream.read();
      } catch (error) {
        if (this.#phase === "open") this.#fail(errorDataOf(error, "ERR_NETWORK"));
        return;
      } finally {
        this.#disarm();
      }
      this.#take(read.deltas);
      if (read.progressed) quietSince = this.#clock();
      failure = read.failure;
      ended = read.ended;
    }
    if (this.#phase !== "open") return;
    upstream.release();
    const summary = upstream.reader.summary();
    // The real usage teaches the token estimate, as a call's reply does (when upstream reported it).
    if (summary.usage.totalTokens > 0) this.#deps.estimator?.learn(this.#request, summary.usage);
    const last = window.last ?? this.#queue({ text: "", cached: false });
    finishChunk(last, summary);
    await window.drain();
    if (this.#phase !== "open") return;
    if (cache !== undefined && key !== undefined) {
      const reply: Reply = { text: this.#texts.join(""), cached: false, ...summary };
      // Never awaited: the answer (and the concurrency slot) do not wait for a store (see ResponseCache).
      cache.set(key, reply);
      const entries = cache.entries;
      if (entries !== undefined) this.#meta.cacheEntries = entries;
    }
    if (this.#phase !== "open") return;
    this.#upstream = undefined; // finished cleanly: its connection goes back to the pool, not destroyed
    this.#deps.post({ type: "end", id: this.id, finishReason: summary.finishReason, meta: this.#meta });
    this.#phase = "ended";
  }

  /** A cache hit, replayed as one chunk that is also the last. */
  async #replay(hit: Reply, cache: StreamCache): Promise<void> {
    this.#window.push(replayChunk(hit));
    await this.#window.drain();
    if (this.#phase !== "open") return;
    const meta: CallMeta = { attempts: 0 };
    const entries = cache.entries;
    if (entries !== undefined) meta.cacheEntries = entries;
    this.#deps.post({ type: "end", id: this.id, finishReason: hit.finishReason, meta });
    this.#phase = "ended";
  }

  #take(deltas: StreamChunk[]): void {
    for (const chunk of deltas) this.#queue(chunk);
  }

  #queue(chunk: StreamChunk): StreamChunk {
    this.#window.push(chunk);
    if (chunk.text !== "") this.#texts.push(chunk.text);
    return chunk;
  }

  /** Fails the stream once: posts the typed error, then tears everything down. */
  #fail(error: ErrorData): void {
    if (this.#phase !== "open") return;
    this.#phase = "cut";
    const data = scrubError(error, this.#deps.client.apiKey);
    this.#deps.post({ type: "error", id: this.id, error: data, meta: this.#meta });
    this.#stop();
  }

  #stop(): void {
    this.#disarm();
    this.#window.close();
    this.#upstream?.destroy(STOPPED);
    this.#cancellation?.abort();
  }

  /** The session's signal (made on first use: a cache hit never needs one). */
  #signal(): CancelSignal {
    if (this.#cancellation === undefined) {
      this.#cancellation = new Cancellation();
      if (this.#phase !== "open") this.#cancellation.abort();
    }
    return this.#cancellation;
  }

  #arm(ms: number, message: string): void {
    this.#disarm();
    this.#timer = setTimeout(() => this.#fail({ code: "ERR_TIMEOUT", message }), ms);
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
