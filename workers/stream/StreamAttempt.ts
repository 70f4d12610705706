/**
 * One attempt at a stream: open the request and read up to the first event that carries part of the
 * answer. Until then a stream is still a call, so everything that goes wrong here is an
 * {@link AttemptFailure} for the retry loop and the breaker: a non-2xx status, a connection that
 * fails or drops, an error event with no text before it, the attempt's own time-out
 * (`attemptTimeoutMs`, or what is left of the call's `deadline`), or the session's cancellation.
 *
 * The request takes the calls' HTTP path (`http/Transport.ts`, `http/StreamExchange.ts`) and is
 * cancelled the calls' way: the session's {@link CancelSignal} and the attempt's timer stop the
 * exchange, which tears the connection down through undici's `abort`; no `AbortController`.
 */
import type { StreamChunk } from "../../src/types.js";
import type { CancelSignal } from "../Cancellation.js";
import { AttemptFailure } from "../http/AttemptFailure.js";
import type { Transport } from "../http/Transport.js";
import type { UpstreamRequest } from "../providers/Provider.js";
import { UpstreamStream } from "./UpstreamStream.js";

/** What an attempt needs. */
export interface StreamAttemptInput {
  /** The client's HTTP path (the calls' own): dispatcher, bounds, error reading, API key scrubbing. */
  transport: Transport;
  request: UpstreamRequest;
  attemptTimeoutMs: number;
  /** Epoch ms. */
  deadline: number;
  clock: () => number;
  /** The session's signal: aborting it ends the attempt as `aborted`. */
  signal: CancelSignal;
}

/** An opened stream and what its first reads produced. */
export interface OpenedStream {
  upstream: UpstreamStream;
  /** Chunks read so far (possibly none, when the first progress was a tool call or the end). */
  deltas: StreamChunk[];
  /** A failure read right after those deltas: the stream's, delivered after them (not retried). */
  failure?: AttemptFailure;
}

const CANCELLED = (): AttemptFailure =>
  new AttemptFailure("aborted", { code: "ERR_ABORTED", message: "the stream was cancelled" });
const DEADLINE = (): AttemptFailure =>
  new AttemptFailure("deadline", { code: "ERR_TIMEOUT", message: "the call's deadline passed" });

/** Makes one attempt; see the module comment. Rejects with an {@link AttemptFailure}. */
export async function openStreamAttempt(input: StreamAttemptInput): Promise<OpenedStream> {
  if (input.signal.aborted) throw CANCELLED();
  const { attemptTimeoutMs } = input;
  const budget = input.deadline - input.clock();
  if (budget <= 0) throw DEADLINE();
  const byDeadline = budget < attemptTimeoutMs;
  // The request goes out now; `stop` tears it down at any point (the server sees the close).
  const upstream = new UpstreamStream(input.transport, input.request);
  let why: AttemptFailure | undefined;
  const stop = (failure: AttemptFailure) => {
    why ??= failure;
    upstream.destroy(failure);
  };
  const timer = setTimeout(
    () =>
      stop(
        byDeadline
          ? DEADLINE()
          : new AttemptFailure("attempt_timeout", {
              code: "ERR_TIMEOUT",
              message: `upstream sent no chunk within ${attemptTimeoutMs} ms (attemptTimeoutMs)`,
            }),
      ),
    byDeadline ? budget : attemptTimeoutMs,
  );
  const onCancel = () => stop(CANCELLED());
  input.signal.addEventListener("abort", onCancel, { once: true });
  try {
    await upstream.opened;
    for (;;) {
      const read = await upstream.read();
      // A failure with no text before it is the attempt's; after text, the stream's (delivered, then failed).
      if (read.failure !== undefined && read.deltas.length === 0) throw read.failure;
      if (read.progressed || read.ended || read.failure !== undefined) {
        const opened: OpenedStream = { upstream, deltas: read.deltas };
        if (read.failure !== undefined) opened.failure = read.failure;
        return opened;
      }
    }
  } catch (error) {
    const failure = why ?? (error instanceof AttemptFailure ? error : CANCELLED());
    upstream.destroy(failure);
    throw failure;
  } finally {
    clearTimeout(timer);
    input.signal.removeEventListener("abort", onCancel);
  }
}
