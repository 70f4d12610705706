/**
 * One request/response exchange, as an undici dispatch handler: it collects the status, the body and
 * (only for a non-2xx answer, which is all the providers read them for) the headers, and it can be
 * stopped at any moment, which tears the connection down.
 *
 * Why not `Dispatcher.request`: its `RequestHandler` is an `AsyncResource`, wraps the body in a
 * `Readable` stream, parses every response's headers into an object and needs an `AbortSignal` (an
 * `EventTarget`) to be stopped. A cache miss needs none of that. Together with `Cancellation`, this
 * handler took a miss from about 110 to 66-68 µs of process CPU (docs/decisions.md). It uses undici
 * 7's native callbacks (`onConnect` ... `onComplete`), the ones its own `request()` is built on; the
 * newer `onRequestStart` family would be wrapped back into these and parse every header set on the way.
 *
 * Bounded (issue #9 §6): a 2xx body longer than `limits.maxBytes` tears the connection down and
 * fails the exchange with `ERR_BAD_RESPONSE`; a non-2xx body is kept up to `limits.maxErrorBytes` (the
 * status is what matters, the body only adds detail), then the connection is torn down and the
 * exchange settles with what it read. Whatever throws while the answer is put together settles the
 * exchange too: nothing here can leave `promise` pending.
 */
import type { Dispatcher } from "undici";
import type { ResponseHeaders } from "../providers/Provider.js";
import { AttemptFailure, type FailureKind } from "./AttemptFailure.js";

/** What upstream answered. */
export interface RawResponse {
  status: number;
  /** Only for a status outside 2xx. */
  headers: ResponseHeaders | undefined;
  text: string;
}

/** Given to undici's `abort`: the reason a stopped exchange tore its connection down. */
const STOPPED = new Error("the attempt was stopped");

/** How much of an answer an exchange keeps (see the module comment). */
export interface BodyLimits {
  /** Longest 2xx body, in bytes. */
  maxBytes: number;
  /** Longest non-2xx body kept, in bytes. */
  maxErrorBytes: number;
}

/** The failure of a 2xx body over `maxBytes`. */
export function tooLarge(status: number, maxBytes: number): AttemptFailure {
  return new AttemptFailure("bad_response", {
    code: "ERR_BAD_RESPONSE",
    message: `upstream's answer exceeded maxResponseBytes (${maxBytes} bytes)`,
    status,
  });
}

/** One exchange; see the module comment. `promise` settles once, whatever happens. */
export class Exchange implements Dispatcher.DispatchHandler {
  readonly promise: Promise<RawResponse>;
  /** Why {@link stop} ended it, if it did. */
  cause: FailureKind | undefined = undefined;
  #resolve!: (response: RawResponse) => void;
  #reject!: (error: unknown) => void;
  #settled = false;
  #abort: ((error?: Error) => void) | undefined = undefined;
  #status = 0;
  #rawHeaders: Buffer[] | undefined = undefined;
  #chunks: Buffer[] = [];
  #bytes = 0;
  /** The bound of the body being read: `maxBytes` for a 2xx, `maxErrorBytes` otherwise. */
  #limit: number;

  constructor(private readonly limits: BodyLimits) {
    this.#limit = limits.maxBytes;
    this.promise = new Promise<RawResponse>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** The caller cancelled: an arrow property, so it can be added and removed as a listener. */
  readonly onCancel = (): void => {
    this.stop("aborted");
  };

  /**
   * Ends the exchange now (the promise rejects; `cause` says why) and tears the connection down, at
   * once when the request is on a socket, else as soon as undici hands it one.
   */
  stop(kind: FailureKind): void {
    if (this.#settled) return;
    this.#settled = true;
    this.cause = kind;
    this.#reject(STOPPED);
    this.#abort?.(STOPPED);
  }

  /** undici: the request is about to go out on a connection (may repeat if undici re-dispatches it). */
  onConnect(abort: (error?: Error) => void): void {
    if (this.cause !== undefined) abort(STOPPED);
    else this.#abort = abort;
  }

  /** undici: status and headers arrived (a 1xx may come first; the last call is the answer's). */
  onHeaders(status: number, rawHeaders: Buffer[]): boolean {
    this.#status = status;
    const failed = status < 200 || status > 299;
    this.#rawHeaders = failed ? rawHeaders : undefined;
    this.#limit = failed ? this.limits.maxErrorBytes : this.limits.maxBytes;
    return true;
  }

  /** undici: a piece of the body. */
  onData(chunk: Buffer): boolean {
    if (this.#settled) return false;
    const room = this.#limit - this.#bytes;
    if (chunk.length <= room) {
      this.#bytes += chunk.length;
      this.#chunks.push(chunk);
      return true;
    }
    const abort = this.#abort;
    if (this.#rawHeaders === undefined) {
      this.#settled = true;
      this.#abort = undefined;
      this.#chunks = [];
      this.#reject(tooLarge(this.#status, this.limits.maxBytes));
    } else {
      // An error body: keep what fits, answer with it, and hang up on the rest.
      if (room > 0) this.#chunks.push(chunk.subarray(0, room));
      this.#bytes = this.#limit;
      this.#answer();
    }
    abort?.(STOPPED);
    return false;
  }

  /** undici: the whole response has arrived. */
  onComplete(): void {
    this.#answer();
  }

  /** Settles with the answer read so far; a failure to put it together settles it as a failure. */
  #answer(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#abort = undefined;
    const raw = this.#rawHeaders;
    const chunks = this.#chunks;
    this.#chunks = [];
    try {
      this.#resolve({
        status: this.#status,
        headers: raw === undefined ? undefined : headersFrom(raw),
        text: decode(chunks),
      });
    } catch {
      // decode (a body over V8's longest string, were the bound raised that far) or a header: settle.
      this.#reject(
        new AttemptFailure("bad_response", {
          code: "ERR_BAD_RESPONSE",
          message: `upstream's answer (${this.#bytes} bytes) could not be decoded`,
          status: this.#status,
        }),
      );
    }
  }

  /** undici: the exchange failed (connection error, or our own `abort`). */
  onError(error: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#abort = undefined;
    this.#reject(error);
  }
}

/** UTF-8 text of the body, without a byte-order mark (as undici's `body.text()` gives it). */
function decode(chunks: Buffer[]): string {
  const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return bytes.toString("utf8", start);
}

/** Raw `[name, value, ...]` header buffers as an object: names lower-cased, repeated ones as arrays. */
export function headersFrom(raw: readonly (Buffer | string)[]): ResponseHeaders {
  const headers: ResponseHeaders = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = String(raw[i]).toLowerCase();
    const value = String(raw[i + 1]);
    const seen = headers[name];
    if (seen === undefined) headers[name] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else headers[name] = [seen, value];
  }
  return headers;
}
