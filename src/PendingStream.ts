/**
 * A stream as the client proxy tracks it: the {@link Pending} that carries a {@link ReplyStream}
 * across worker incarnations.
 *
 * - The request is snapshotted at `stream()` time (like a call's), built and admitted on the caller's
 *   first pull (so its deadline starts then, and an iterable nobody iterates costs nothing).
 * - `chunk` messages feed the stream, `end` and `error` settle it.
 * - The call's deadline is owned here until the first chunk: a stream whose request never reached a
 *   worker, or whose worker never answered, fails with `ERR_TIMEOUT` by its deadline like a call
 *   (after the first chunk, the worker's `idleTimeoutMs` bounds the silences).
 * - A worker that dies before any chunk arrived gets the stream delivered again (same message, full
 *   credit: nothing was received, so nothing is owed); once a chunk arrived, the stream fails (a
 *   partly delivered answer is never replayed, it could differ).
 * - Credit goes back to the worker the stream was sent to, even while that worker drains; leaving
 *   early or aborting releases it with a `cancel`, which makes that worker tear the upstream request
 *   down at once.
 */

import type { CallerStack } from "./CallerStack.js";
import type { CancelReason, Pending, Redelivery, WorkerLink } from "./CallTable.js";
import type { ResolvedClientSpec } from "./ClientSpec.js";
import type { DspexError, ErrorData } from "./errors.js";
import { dspexError } from "./errors.js";
import type { FromWorker, ToWorker, WireRequest, WireStreamRequest } from "./protocol.js";
import { ReplyStream } from "./ReplyStream.js";
import type { CallTrace } from "./telemetry/CallTrace.js";
import type { WireMessage } from "./types.js";
import type { SplitOptions } from "./validate.js";

/** What a stream needs from its client proxy (`ClientProxy` implements it). */
export interface StreamProxy {
  readonly name: string;
  readonly spec: ResolvedClientSpec;
  /** The error a new call of `messages` would get now (retired, queue full, over budget), or `undefined`. */
  refusal(messages: WireMessage[], options: SplitOptions): DspexError | undefined;
  allocateId(): number;
  wireRequest(messages: WireMessage[], options: SplitOptions): WireRequest;
  /** Registers and sends (or holds) a pending call or stream. */
  admit(pending: Pending): void;
  /** Forgets a pending one; with a reason, tells its worker to cancel it. */
  release(pending: Pending, cancel?: CancelReason, code?: "ERR_TIMEOUT" | "ERR_ABORTED"): void;
  /** Posts `credit` for a stream to the worker that has it (nothing while it is held). */
  credit(pending: Pending, n: number): void;
  /** Rebuilds a worker's error data (API key scrubbed, client named, deliveries, caller's stack). */
  rebuild(data: ErrorData, pending?: Pending & { stack?: CallerStack | undefined }): DspexError;
}

/** A stream in the proxy's table; see the module comment. */
export class PendingStream implements Pending {
  deliveries = 0;
  trace: CallTrace | undefined = undefined;
  crashes = 0;
  link: WorkerLink | undefined = undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: number,
    readonly message: Extract<ToWorker, { type: "stream" }>,
    readonly redeliver: Redelivery,
    private readonly stream: ReplyStream,
    private readonly proxy: StreamProxy,
    readonly stack: CallerStack | undefined,
  ) {
    const ms = Math.max(0, message.request.deadline - Date.now());
    this.#timer = setTimeout(this.#expire, ms);
    this.#timer.unref();
  }

  redeliverable(): boolean {
    return this.stream.received === 0;
  }

  receive(message: FromWorker): boolean {
    switch (message.type) {
      case "chunk":
        this.#disarm();
        this.stream.push(message.chunks);
        return false;
      case "end":
        this.#disarm();
        this.stream.end(message.finishReason, message.meta, this.deliveries);
        this.trace?.succeed();
        return true;
      case "error": {
        this.#disarm();
        const error = this.proxy.rebuild(message.error, this);
        this.stream.fail(error);
        this.trace?.fail(error);
        return true;
      }
      default:
        return false;
    }
  }

  fail(error: DspexError): void {
    this.#disarm();
    this.stack?.applyTo(error);
    this.stream.fail(error);
    this.trace?.fail(error);
  }

  /** The stream left early (closed, aborted): no deadline to watch any more. */
  disarm(): void {
    this.#disarm();
  }

  #disarm(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  readonly #expire = (): void => {
    this.#timer = undefined;
    this.proxy.release(this, "timeout", "ERR_TIMEOUT");
    const client = this.proxy.name;
    const error = dspexError(
      "ERR_TIMEOUT",
      `client "${client}": the stream's deadline passed before its first chunk`,
      {
        client,
        deliveries: this.deliveries,
      },
    );
    this.stack?.applyTo(error);
    this.stream.fail(error);
    this.trace?.fail(error);
  };
}

/**
 * Opens a stream on `proxy` for the snapshot of a caller's `messages` and options: what
 * `system.stream()` returns. Never throws; a refusal (retired client, full queue, a budget that the
 * stream would exceed: nothing is sent) surfaces on the first pull.
 */
export function openStream(
  proxy: StreamProxy,
  messages: WireMessage[],
  options: SplitOptions,
  stack?: CallerStack,
  trace?: CallTrace,
): ReplyStream {
  const settings = proxy.spec.stream;
  const controls = options.controls;
  let pending: PendingStream | undefined;
  const stream: ReplyStream = new ReplyStream({
    highWaterMark: settings.highWaterMark,
    signal: controls.signal,
    client: proxy.name,
    stack,
    onStart: () => {
      trace?.open();
      const refused = proxy.refusal(messages, options);
      if (refused !== undefined) {
        stack?.applyTo(refused);
        stream.fail(refused);
        trace?.fail(refused);
        return;
      }
      const id = proxy.allocateId();
      const request: WireStreamRequest = {
        ...proxy.wireRequest(messages, options),
        firstChunkTimeoutMs: controls.firstChunkTimeoutMs ?? settings.firstChunkTimeoutMs,
        idleTimeoutMs: controls.idleTimeoutMs ?? settings.idleTimeoutMs,
      };
      if (trace !== undefined) trace.mark(request);
      pending = new PendingStream(
        id,
        { type: "stream", id, request, credit: settings.highWaterMark },
        controls.redeliver ?? proxy.spec.redeliver,
        stream,
        proxy,
        stack,
      );
      pending.trace = trace;
      proxy.admit(pending);
    },
    onCredit: (n) => {
      if (pending !== undefined) proxy.credit(pending, n);
    },
    onCancel: (reason) => {
      if (pending === undefined) return;
      pending.disarm();
      const code = reason === "closed" ? undefined : (stream.error?.code as "ERR_TIMEOUT" | "ERR_ABORTED");
      proxy.release(pending, reason, code);
      if (reason === "closed") trace?.closed();
      else
        trace?.fail(
          stream.error ?? dspexError("ERR_ABORTED", `client "${proxy.name}": the stream was aborted`),
        );
    },
  });
  return stream;
}
