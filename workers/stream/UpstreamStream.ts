/**
 * One streamed upstream response, read one socket read at a time so that not reading *is* the
 * backpressure: while nobody calls {@link UpstreamStream.read}, undici's body buffer fills
 * ({@link BODY_HIGH_WATER_MARK}), undici pauses the socket, and TCP flow control stops the server.
 *
 * Failures are {@link AttemptFailure}s, so the retry loop and the breaker judge them exactly as they
 * judge a call's (a 503 before the stream opened, an error event, a dropped connection).
 *
 * Bounded like a call's {@link Exchange}: a non-2xx body is read up to `limits.maxErrorBytes`, then the
 * connection is torn down; a 2xx stream past `limits.maxBytes` in total (however it is cut into events)
 * is torn down with `ERR_BAD_RESPONSE`. The SSE reader's unfinished line is part of those bytes, so an
 * upstream that never sends a line break cannot grow it without bound either.
 */
import type { Dispatcher } from "undici";
import { DEFAULTS } from "../../src/defaults.js";
import type { DspexError, ErrorData } from "../../src/errors.js";
import { redact, scrubError } from "../../src/redact.js";
import type { StreamChunk } from "../../src/types.js";
import { AttemptFailure, type FailureKind } from "../http/AttemptFailure.js";
import { type BodyLimits, tooLarge } from "../http/Exchange.js";
import type { Provider, UpstreamRequest } from "../providers/Provider.js";
import { createStreamDecoder } from "../providers/StreamDecoder.js";
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
  readonly #body: Dispatcher.ResponseData["body"];
  readonly #chunks: AsyncIterator<Buffer>;
  readonly #reader: SseReader;
  readonly #secret: string | undefined;
  /** Bytes of the body the stream may still read before it is torn down. */
  #room: number;
  readonly #maxBytes: number;
  /** Why the request was torn down, when we tore it down. */
  #stopped: AttemptFailure | undefined;

  private constructor(
    body: Dispatcher.ResponseData["body"],
    reader: SseReader,
    secret: string | undefined,
    maxBytes: number,
  ) {
    this.#body = body;
    this.#chunks = body[Symbol.asyncIterator]();
    this.#reader = reader;
    this.#secret = secret;
    this.#room = maxBytes;
    this.#maxBytes = maxBytes;
  }

  /**
   * Sends `request` and waits for the status line. A non-2xx answer is read (up to
   * `limits.maxErrorBytes`) and thrown as the provider's error (kind `status`); a connection failure as
   * kind `network`. `signal` tears the request down at any time, before or after this resolves: the
   * server sees the connection close.
   */
  static async open(
    dispatcher: Dispatcher,
    provider: Provider,
    request: UpstreamRequest,
    signal: AbortSignal,
    secret: string | undefined,
    limits: BodyLimits,
  ): Promise<UpstreamStream> {
    const url = new URL(request.url);
    let response: Dispatcher.ResponseData;
    try {
      response = await dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: "POST",
        headers: request.headers,
        body: request.body,
        signal,
        highWaterMark: BODY_HIGH_WATER_MARK,
        // Our stall timer is the judge: undici's would also fire while a slow consumer holds us paused.
        bodyTimeout: 0,
      });
    } catch (error) {
      throw networkFailure(error, secret);
    }
    const status = response.statusCode;
    if (status < 200 || status > 299) {
      const text = await readErrorBody(response.body, limits.maxErrorBytes);
      const data = provider.parseError(status, response.headers, text);
      throw new AttemptFailure("status", scrubError(data, secret));
    }
    return new UpstreamStream(
      response.body,
      new SseReader(createStreamDecoder(provider.name)),
      secret,
      limits.maxBytes,
    );
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
    let next: IteratorResult<Buffer>;
    try {
      next = await this.#chunks.next();
    } catch (error) {
      throw this.#stopped ?? networkFailure(error, this.#secret);
    }
    if (this.#stopped !== undefined) throw this.#stopped;
    if (next.done !== true) {
      this.#room -= next.value.length;
      if (this.#room < 0) {
        const failure = tooLarge(200, this.#maxBytes);
        this.destroy(failure);
        throw failure;
      }
    }
    const fed = next.done === true ? this.#reader.end() : this.#reader.feed(next.value);
    const ended = next.done === true || this.#reader.done;
    const read: StreamRead = { deltas: fed.deltas, progressed: fed.progressed, ended };
    if (fed.error !== undefined) read.failure = streamFailure(fed.error, this.#secret);
    return read;
  }

  /** Tears the request down (idempotent); a pending or later `read` throws `failure`. */
  destroy(failure: AttemptFailure): void {
    this.#stopped ??= failure;
    if (!this.#body.destroyed) this.#body.destroy();
  }

  /** After the end event: lets the rest of the body (normally nothing) go without parsing it. */
  release(): void {
    this.#body.dump({ limit: BODY_HIGH_WATER_MARK }).catch(() => {});
  }
}

/**
 * The first `maxBytes` of an error body as text; the rest is not read (the connection is torn down).
 * The status is what matters: a body cut short, or one that fails to arrive, only loses the detail.
 */
async function readErrorBody(body: Dispatcher.ResponseData["body"], maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let room = maxBytes;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (chunk.length >= room) {
        chunks.push(chunk.subarray(0, room));
        break;
      }
      chunks.push(chunk);
      room -= chunk.length;
    }
  } catch {
    // Cut short: keep what came.
  } finally {
    if (!body.destroyed) body.destroy();
  }
  try {
    return Buffer.concat(chunks).toString("utf8");
  } catch {
    return "";
  }
}

/** A connection-level failure as an attempt failure. */
function networkFailure(error: unknown, secret: string | undefined): AttemptFailure {
  const code = (error as { code?: unknown } | null)?.code;
  const detail = error instanceof Error ? error.message : String(error);
  const label = typeof code === "string" ? `${code}: ${detail}` : detail;
  return new AttemptFailure("network", {
    code: "ERR_NETWORK",
    message: redact(`the upstream stream failed (${label})`, secret),
  });
}

const KINDS: Partial<Record<ErrorData["code"], FailureKind>> = {
  ERR_HTTP: "status",
  ERR_RATE_LIMITED: "status",
  ERR_NETWORK: "network",
  ERR_BAD_RESPONSE: "bad_response",
  ERR_CONTENT_FILTER: "status",
};

/** An error found in the stream's content (error event, bad event, early end) as an attempt failure. */
function streamFailure(error: DspexError, secret: string | undefined): AttemptFailure {
  const data = scrubError(error.toJSON(), secret);
  return new AttemptFailure(KINDS[data.code] ?? "bad_response", data);
}
