/**
 * One streamed upstream response, read one socket read at a time so that not reading *is* the
 * backpressure: while nobody calls {@link UpstreamStream.read}, the {@link StreamExchange} holds up to
 * {@link BODY_HIGH_WATER_MARK} bytes, then undici pauses the socket, and TCP flow control stops the server.
 *
 * The HTTP is the call's (`http/Transport.ts` `openStream`, `http/StreamExchange.ts`): this module
 * only decodes. Failures are {@link AttemptFailure}s, so the retry loop and the breaker judge them
 * exactly as they judge a call's (a 503 before the stream opened, an error event, a dropped connection).
 *
 * Bounded like a call's {@link Exchange}: a non-2xx body is read up to `maxErrorBodyBytes`, then the
 * connection is torn down; a 2xx stream past `maxResponseBytes` in total (however it is cut into events)
 * is torn down with `ERR_BAD_RESPONSE` (both in the exchange). The SSE reader's unfinished line is part
 * of those bytes, so an upstream that never sends a line break cannot grow it without bound either.
 */
import { DEFAULTS } from "../../src/defaults.js";
import type { DspexError, ErrorData } from "../../src/errors.js";
import type { StreamChunk } from "../../src/types.js";
import { AttemptFailure, type FailureKind } from "../http/AttemptFailure.js";
import { StreamExchange } from "../http/StreamExchange.js";
import type { Transport } from "../http/Transport.js";
import type { UpstreamRequest } from "../providers/Provider.js";
import { createStreamDecoder } from "../providers/StreamDecoder.js";
import type { UpstreamHeaderInfo } from "../traffic/rateLimitHeaders.js";
import { SseReader } from "./SseReader.js";

/** Bytes undici may buffer from the socket before it pauses it (undici's own default). */
export const BODY_HIGH_WATER_MARK = DEFAULTS.internal.bodyHighWaterMarkBytes;

/** What one read produced. */
export interface StreamRead {
  /** Chunks of text and reasoning, in order (those decoded before a failure included). */
  deltas: StreamChunk[];
  /** True when an event carried part of the answer (resets the stall timer). */
  progressed: boolean;
  /** True when the vendor's end event was read or the body ended (then `failure` says if it ended early). */
  ended: boolean;
  /** The stream failed after `deltas`: deliver them, then fail with this. */
  failure?: AttemptFailure;
}

/** An open stream; see the module comment. */
export class UpstreamStream {
  readonly #exchange: StreamExchange;
  readonly #transport: Transport;
  readonly #reader: SseReader;
  /** What the answer's headers said (request id, rate limits), once the status line arrived. */
  headers: UpstreamHeaderInfo | undefined = undefined;

  /**
   * Sends `request` through `transport` at once; {@link opened} waits for its status line. `stop`
   * (or {@link destroy}) tears the request down at any time, before or after that: the server sees the
   * connection close.
   */
  constructor(transport: Transport, request: UpstreamRequest) {
    this.#transport = transport;
    this.#exchange = new StreamExchange(transport.limits, BODY_HIGH_WATER_MARK);
    this.#reader = new SseReader(createStreamDecoder(transport.provider.name));
    this.opened = this.#open(request);
  }

  /**
   * Settles once the status line arrived: a 2xx resolves (the body is then read); a non-2xx rejects
   * with the provider's error (kind `status`), a connection failure with kind `network`.
   */
  readonly opened: Promise<void>;

  async #open(request: UpstreamRequest): Promise<void> {
    this.headers = await this.#transport.openStream(request, this.#exchange);
  }

  /** The stream's reader (its summary is complete once the stream ended). */
  get reader(): SseReader {
    return this.#reader;
  }

  /**
   * Reads what the socket has next and decodes it. A failure found in the content (the provider's
   * error event, a malformed event, a body that ends before the vendor's end event) comes back in
   * `failure`, after the text before it; a dropped connection throws an {@link AttemptFailure}.
   */
  async read(): Promise<StreamRead> {
    let piece: Buffer | undefined;
    try {
      piece = await this.#exchange.read();
    } catch (error) {
      throw this.#transport.failureOf(error);
    }
    const fed = piece === undefined ? this.#reader.end() : this.#reader.feed(piece);
    const ended = piece === undefined || this.#reader.done;
    const read: StreamRead = { deltas: fed.deltas, progressed: fed.progressed, ended };
    if (fed.error !== undefined) read.failure = streamFailure(fed.error, this.#transport);
    return read;
  }

  /** Tears the request down (idempotent); a pending or later `read` throws `failure`. */
  destroy(failure: AttemptFailure): void {
    this.#exchange.stop(failure);
  }

  /** After the end event: lets the rest of the body (normally nothing) go without parsing it. */
  release(): void {
    this.#exchange.release();
  }
}

const KINDS: Partial<Record<ErrorData["code"], FailureKind>> = {
  ERR_HTTP: "status",
  ERR_RATE_LIMITED: "status",
  ERR_NETWORK: "network",
  ERR_BAD_RESPONSE: "bad_response",
  ERR_CONTENT_FILTER: "status",
};

/** An error found in the stream's content (error event, bad event, early end) as an attempt failure. */
function streamFailure(error: DspexError, transport: Transport): AttemptFailure {
  const data = transport.scrub(error.toJSON());
  return new AttemptFailure(KINDS[data.code] ?? "bad_response", data);
}
