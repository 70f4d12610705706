/**
 * A stream as the client proxy tracks it: the {@link Pending} that carries a {@link ReplyStream}
 * across worker incarnations.
 *
 * - The request is built and admitted on the caller's first pull (so its deadline starts then, and an
 *   iterable nobody iterates costs nothing).
 * - `chunk` messages feed the stream, `end` and `error` settle it.
 * - A worker that dies before any chunk arrived gets the stream delivered again (same message, full
 *   credit: nothing was received, so nothing is owed); once a chunk arrived, the stream fails with
 *   `ERR_WORKER_CRASHED` (a partly delivered answer is never replayed, it could differ).
 * - Credit goes back to the worker that holds the stream; leaving early or aborting releases it with
 *   a `cancel`, which makes the worker tear the upstream request down.
 */

import type { Pending } from "./ClientProxy.js";
import type { ResolvedClientSpec } from "./ClientSpec.js";
import type { DspexError, ErrorData } from "./errors.js";
import { isDspexError, toErrorData } from "./errors.js";
import type { FromWorker, ToWorker, WireRequest, WireStreamRequest } from "./protocol.js";
import { ReplyStream } from "./ReplyStream.js";
import type { WireMessage } from "./types.js";
import type { SplitOptions } from "./validate.js";

/** What a stream needs from its client proxy (`ClientProxy` implements it). */
export interface StreamProxy {
  readonly name: string;
  readonly spec: ResolvedClientSpec;
  /** Throws the error a new call would get now (retired, queue full). */
  assertAccepting(): void;
  allocateId(): number;
  wireRequest(messages: WireMessage[], options: SplitOptions): WireRequest;
  /** Registers and sends (or holds) a pending call or stream. */
  admit(pending: Pending): void;
  /** Forgets a pending one; with a reason, tells the worker to cancel it. */
  release(pending: Pending, cancel?: "aborted" | "timeout" | "closed"): void;
  /** Posts `credit` for a stream to the worker that holds it (nothing while it is held). */
  credit(pending: Pending, n: number): void;
  /** Rebuilds a worker's error data (API key scrubbed, client named). */
  error(data: ErrorData): DspexError;
}

/** A stream in the proxy's table; see the module comment. */
export class PendingStream implements Pending {
  deliveries = 0;
  held = false;

  constructor(
    readonly id: number,
    readonly message: Extract<ToWorker, { type: "stream" }>,
    private readonly stream: ReplyStream,
    private readonly proxy: StreamProxy,
  ) {}

  redeliverable(): boolean {
    return this.stream.received === 0;
  }

  receive(message: FromWorker): boolean {
    switch (message.type) {
      case "chunk":
        this.stream.push(message.chunks);
        return false;
      case "end":
        this.stream.end(message.finishReason, message.meta);
        return true;
      case "error":
        this.stream.fail(this.proxy.error(message.error));
        return true;
      default:
        return false;
    }
  }

  fail(error: DspexError): void {
    this.stream.fail(error);
  }
}

/**
 * Opens a stream on `proxy` for validated `messages` and options: what `system.stream()` returns.
 * Never throws; a refusal (retired client, full queue) surfaces on the first pull.
 */
export function openStream(proxy: StreamProxy, messages: WireMessage[], options: SplitOptions): ReplyStream {
  const settings = proxy.spec.stream;
  const controls = options.controls;
  let pending: PendingStream | undefined;
  const stream: ReplyStream = new ReplyStream({
    highWaterMark: settings.highWaterMark,
    signal: controls.signal,
    client: proxy.name,
    onStart: () => {
      try {
        proxy.assertAccepting();
      } catch (error) {
        stream.fail(isDspexError(error) ? error : proxy.error(toErrorData(error)));
        return;
      }
      const id = proxy.allocateId();
      const request: WireStreamRequest = {
        ...proxy.wireRequest(messages, options),
        firstChunkTimeoutMs: controls.firstChunkTimeoutMs ?? settings.firstChunkTimeoutMs,
        idleTimeoutMs: controls.idleTimeoutMs ?? settings.idleTimeoutMs,
      };
      pending = new PendingStream(
        id,
        { type: "stream", id, request, credit: settings.highWaterMark },
        stream,
        proxy,
      );
      proxy.admit(pending);
    },
    onCredit: (n) => {
      if (pending !== undefined) proxy.credit(pending, n);
    },
    onCancel: (reason) => {
      if (pending !== undefined) proxy.release(pending, reason);
    },
  });
  return stream;
}
