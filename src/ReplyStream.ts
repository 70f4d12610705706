/**
 * The main-thread end of a stream: what `system.stream()` returns. The proxy feeds it the worker's
 * chunks (`push`), the end (`end`) or a failure (`fail`); the caller pulls chunks with `for await`.
 *
 * Backpressure is credit-based. The worker starts with `highWaterMark` credits and spends one per
 * chunk; this class gives credits back (`onCredit`) as the caller takes chunks, in batches of a quarter
 * of the mark so a fast reader costs one message per several chunks. Chunks received but not yet taken
 * therefore never exceed `highWaterMark`, however slowly the caller reads: see {@link buffered}.
 *
 * The request starts on the caller's first pull (`onStart`), so an iterable that is never iterated
 * costs nothing. Leaving the loop early (`break`, `return`, a throw in the loop body) or aborting the
 * signal calls `onCancel` once, drops what is buffered, and settles any waiting pull.
 */
import { abortError } from "./abortError.js";
import type { CallerStack } from "./CallerStack.js";
import { type DspexError, dspexError } from "./errors.js";
import type { CallMeta } from "./protocol.js";
import type { FinishReason, StreamChunk, ToolCall, Usage } from "./types.js";

/** How a {@link ReplyStream} reaches its proxy. */
export interface ReplyStreamOptions {
  /** Chunks the worker may send ahead of the caller (the bound on {@link ReplyStream.buffered}). */
  highWaterMark: number;
  /** Aborts the stream: pulls reject with `ERR_ABORTED` at once and upstream is cancelled. */
  signal?: AbortSignal | undefined;
  /** The client's name, for error messages. */
  client?: string | undefined;
  /** The caller's stack, taken at `stream()`, given to the errors this stream settles with. */
  stack?: CallerStack | undefined;
  /** Called once, on the first pull: send the request to the worker now. */
  onStart?: (() => void) | undefined;
  /** The caller took `n` chunks: the worker may send `n` more. */
  onCredit: (n: number) => void;
  /** The caller left early or the signal aborted: cancel upstream and forget this stream. */
  onCancel: (reason: "aborted" | "closed") => void;
}

/** Where a stream is in its life. */
export type ReplyStreamState = "idle" | "open" | "ended" | "failed" | "closed";

interface Waiter {
  resolve: (result: IteratorResult<StreamChunk, undefined>) => void;
  reject: (error: DspexError) => void;
}

const DONE: IteratorResult<StreamChunk, undefined> = { done: true, value: undefined };

/** A streamed answer; see the module comment. Iterate it once. */
export class ReplyStream<T = unknown> implements AsyncIterableIterator<StreamChunk, undefined> {
  readonly #options: ReplyStreamOptions;
  readonly #creditBatch: number;
  #state: ReplyStreamState = "idle";
  #buffer: StreamChunk[] = [];
  #waiters: Waiter[] = [];
  #error: DspexError | undefined;
  /** The failure still has to be thrown to the caller (once, after the buffered chunks). */
  #errorPending = false;
  #owed = 0;
  #received = 0;
  #maxBuffered = 0;
  #texts: string[] = [];
  #reasoning: string[] = [];
  #finishReason: FinishReason | undefined;
  #usage: Usage | undefined;
  #model: string | undefined;
  #toolCalls: ToolCall[] | undefined;
  #cached = false;
  #parsed: T | undefined;
  #meta: CallMeta | undefined;
  #deliveries = 0;
  readonly #onAbort: (() => void) | undefined;

  constructor(options: ReplyStreamOptions) {
    this.#options = options;
    this.#creditBatch = Math.max(1, Math.ceil(options.highWaterMark / 4));
    const signal = options.signal;
    if (signal !== undefined && !signal.aborted) {
      this.#onAbort = () => this.#abort();
      signal.addEventListener("abort", this.#onAbort, { once: true });
    }
  }

  /**
   * A stream that fails on its first pull (bad arguments, unknown client): `stream()` never throws.
   * @internal
   */
  static failed(error: DspexError): ReplyStream {
    const stream = new ReplyStream({ highWaterMark: 1, onCredit: () => {}, onCancel: () => {} });
    stream.#state = "failed";
    stream.#error = error;
    stream.#errorPending = true;
    return stream;
  }

  // ---- what the caller sees ------------------------------------------------------------------

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The next chunk; `done` after the last one. Rejects with the stream's typed error. */
  next(): Promise<IteratorResult<StreamChunk, undefined>> {
    if (this.#state === "idle") this.#start();
    const chunk = this.#buffer.shift();
    if (chunk !== undefined) {
      this.#took();
      return Promise.resolve({ done: false, value: chunk });
    }
    switch (this.#state) {
      case "open":
        return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
      case "failed":
        if (this.#errorPending) {
          this.#errorPending = false;
          return Promise.reject(this.#error);
        }
        return Promise.resolve(DONE);
      default:
        return Promise.resolve(DONE);
    }
  }

  /** Leaves early (what `break` calls): cancels upstream, drops what is buffered. */
  return(): Promise<IteratorResult<StreamChunk, undefined>> {
    this.#close("closed");
    return Promise.resolve(DONE);
  }

  /** Leaves early because of `error`: cancels upstream like {@link return}, then rejects with it. */
  throw(error?: unknown): Promise<IteratorResult<StreamChunk, undefined>> {
    this.#close("closed");
    return Promise.reject(error);
  }

  /** Where the stream is: `idle` (not pulled yet), `open`, `ended`, `failed` or `closed` (left early). */
  get state(): ReplyStreamState {
    return this.#state;
  }

  /** The text received so far; once ended, the whole answer (what `call` returns as `text`). */
  get text(): string {
    if (this.#texts.length > 1) this.#texts = [this.#texts.join("")];
    return this.#texts[0] ?? "";
  }

  /** The reasoning received so far, joined; `undefined` when the model sent none. */
  get reasoning(): string | undefined {
    return this.#reasoning.length === 0 ? undefined : this.#reasoning.join("");
  }

  /** Why generation stopped; set by the last chunk. */
  get finishReason(): FinishReason | undefined {
    return this.#finishReason;
  }

  /** Token counts; set by the last chunk. */
  get usage(): Usage | undefined {
    return this.#usage;
  }

  /** The model that answered; set by the last chunk. */
  get model(): string | undefined {
    return this.#model;
  }

  /** Tool calls the model asked for; set by the last chunk when there were any. */
  get toolCalls(): ToolCall[] | undefined {
    return this.#toolCalls;
  }

  /**
   * With `schema`: the validated answer, once the last chunk arrived (as on that chunk), typed from the
   * schema (`system.stream(name, messages, { schema })` returns a `ReplyStream` of its output type).
   */
  get parsed(): T | undefined {
    return this.#parsed;
  }

  /** True when the answer was replayed from the client's cache. */
  get cached(): boolean {
    return this.#cached;
  }

  /** What the worker reported about the finished stream (attempts, upstream errors). */
  get meta(): CallMeta | undefined {
    return this.#meta;
  }

  /**
   * How many times the stream's request was delivered to a worker, once it ended (1, or more when a
   * worker died or was stopped before the first chunk and the request was delivered again).
   */
  get deliveries(): number {
    return this.#deliveries;
  }

  /** The failure, once `state` is `failed`. */
  get error(): DspexError | undefined {
    return this.#error;
  }

  /** Chunks received from the worker so far. */
  get received(): number {
    return this.#received;
  }

  /** Chunks received and not yet taken by the caller: never more than `highWaterMark`. */
  get buffered(): number {
    return this.#buffer.length;
  }

  /** The most chunks ever buffered at once (the backpressure bound, observed). */
  get maxBuffered(): number {
    return this.#maxBuffered;
  }

  // ---- what the proxy feeds --------------------------------------------------------------------

  /** Chunks from the worker, in order. Ignored once the stream is over. @internal */
  push(chunks: readonly StreamChunk[]): void {
    if (this.#state !== "open" && this.#state !== "idle") return;
    for (const chunk of chunks) {
      this.#received++;
      if (chunk.text !== "") this.#texts.push(chunk.text);
      if (chunk.reasoning !== undefined && chunk.reasoning !== "") this.#reasoning.push(chunk.reasoning);
      if (chunk.cached) this.#cached = true;
      if (chunk.finishReason !== undefined) this.#finishReason = chunk.finishReason;
      if (chunk.usage !== undefined) this.#usage = chunk.usage;
      if (chunk.model !== undefined) this.#model = chunk.model;
      if (chunk.toolCalls !== undefined) this.#toolCalls = chunk.toolCalls;
      // The chunk's `parsed` came from the schema this stream was typed with (src/StructuredStream.ts).
      if (chunk.parsed !== undefined) this.#parsed = chunk.parsed as T;
      const waiter = this.#waiters.shift();
      if (waiter !== undefined) {
        this.#owed++; // handed over at once: its credit is due now
        waiter.resolve({ done: false, value: chunk });
      } else {
        this.#buffer.push(chunk);
      }
    }
    if (this.#buffer.length > this.#maxBuffered) this.#maxBuffered = this.#buffer.length;
    this.#returnCredit();
  }

  /** The worker finished the stream, after `deliveries` deliveries. @internal */
  end(finishReason: FinishReason, meta: CallMeta, deliveries = 1): void {
    if (this.#state !== "open" && this.#state !== "idle") return;
    this.#finishReason ??= finishReason;
    this.#meta = meta;
    this.#deliveries = deliveries;
    this.#state = "ended";
    this.#settle();
    for (const waiter of this.#drainWaiters()) waiter.resolve(DONE);
  }

  /**
   * The stream failed (worker error, crash, retirement): the caller gets the buffered chunks, then
   * `error`. @internal
   */
  fail(error: DspexError): void {
    if (this.#state !== "open" && this.#state !== "idle") return;
    this.#state = "failed";
    this.#error = error;
    this.#settle();
    const waiters = this.#drainWaiters();
    const first = waiters.shift();
    if (first !== undefined) first.reject(error);
    else this.#errorPending = true;
    for (const waiter of waiters) waiter.resolve(DONE);
  }

  // ---- inside ----------------------------------------------------------------------------------

  #start(): void {
    this.#state = "open";
    if (this.#options.signal?.aborted === true) {
      this.#state = "failed";
      this.#error = this.#aborted();
      this.#errorPending = true;
      this.#settle();
      return;
    }
    this.#options.onStart?.();
  }

  #took(): void {
    this.#owed++;
    this.#returnCredit();
  }

  #returnCredit(): void {
    if (this.#state !== "open" || this.#owed < this.#creditBatch) return;
    const n = this.#owed;
    this.#owed = 0;
    this.#options.onCredit(n);
  }

  #abort(): void {
    if (this.#state !== "open" && this.#state !== "idle") return;
    const wasOpen = this.#state === "open";
    this.#state = "failed";
    this.#error = this.#aborted();
    this.#buffer = [];
    this.#settle();
    if (wasOpen) this.#options.onCancel("aborted");
    const waiters = this.#drainWaiters();
    if (waiters.length === 0) this.#errorPending = true;
    for (const waiter of waiters) waiter.reject(this.#error);
  }

  #close(reason: "closed"): void {
    const wasOpen = this.#state === "open";
    this.#buffer = [];
    if (this.#state === "idle" || wasOpen) this.#state = "closed";
    this.#errorPending = false;
    this.#settle();
    if (wasOpen) this.#options.onCancel(reason);
    for (const waiter of this.#drainWaiters()) waiter.resolve(DONE);
  }

  #drainWaiters(): Waiter[] {
    const waiters = this.#waiters;
    this.#waiters = [];
    return waiters;
  }

  /** The stream is over: stop listening to the signal. */
  #settle(): void {
    if (this.#onAbort !== undefined) this.#options.signal?.removeEventListener("abort", this.#onAbort);
  }

  /** `ERR_ABORTED` (or `ERR_TIMEOUT` for `AbortSignal.timeout()`), the signal's reason as `cause`. */
  #aborted(): DspexError {
    const { client, signal, stack } = this.#options;
    const error =
      client === undefined
        ? dspexError("ERR_ABORTED", "the stream was aborted", undefined, { cause: signal?.reason })
        : abortError(client, "stream", signal?.reason);
    stack?.applyTo(error);
    return error;
  }
}
