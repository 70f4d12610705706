/**
 * The plug between the client actor and streaming: the actor hands every `stream`, `credit` and
 * `cancel` message it does not own to a {@link StreamHandler} (`LazyStreams`, which loads
 * `stream/StreamSessions.ts` on the first stream).
 */
import type { ToWorker } from "../src/protocol.js";

/** Streaming, plugged in by the streaming module. */
export interface StreamHandler {
  /** Starts a stream; the handler answers with `chunk`/`end`/`error` messages. */
  start(message: Extract<ToWorker, { type: "stream" }>): void;
  /** The consumer took `n` chunks. */
  credit(message: Extract<ToWorker, { type: "credit" }>): void;
  /** Tears a stream down; no answer. Returns false when no stream has that id. */
  cancel(id: number): boolean;
  /** Graceful stop: let streams finish within `graceMs`, cancel the rest; resolves with how many were cut. */
  stop?(graceMs: number): Promise<number>;
}
