/**
 * One streamed request/response, as an undici dispatch handler: the stream's counterpart of
 * {@link Exchange}, on the same native callbacks (`onConnect` ... `onComplete`) and stopped the same
 * way, through the `abort` function undici hands it (the server sees the close), never through an
 * `AbortSignal`. Why not `Dispatcher.request` (which streams used before): its handler is an
 * `AsyncResource`, parses every response's headers into an object, wraps the body in a `Readable`
 * whose async iterator allocates per read, and needs an `AbortController` to be stopped.
 *
 * Backpressure is undici's own: `onData` returns false once `highWaterMark` bytes wait unread, undici
 * pauses the socket's parser (TCP flow control then stops the server), and {@link read} resumes it
 * through the `resume` function undici handed `onHeaders` once the consumer has taken them. Not reading
 * *is* the backpressure.
 *
 * Bounded like a call's: a 2xx body past `limits.maxBytes` in total (counted as it arrives, read or not)
 * tears the connection down and fails with `ERR_BAD_RESPONSE`; a non-2xx body is kept up to
 * `limits.maxErrorBytes`, then the connection is torn down and {@link head} settles with what it read.
 * Every path settles: `head` exactly once, and every `read` with a piece, the end, or a failure.
 */
import type { Dispatcher } from "undici";
import type { AttemptFailure } from "./AttemptFailure.js";
import { type BodyLimits, tooLarge } from "./Exchange.js";

/** The status line and headers of a streamed answer (and, for a non-2xx, its bounded body). */
export interface StreamHead {
  status: number;
  /** undici's raw `[name, value, ...]` headers. */
  rawHeaders: Buffer[];
  /** A non-2xx answer's body (up to `maxErrorBytes`); `undefined` for a 2xx, whose body is read. */
  errorText: string | undefined;
}

/** Given to undici's `abort`: a stopped exchange tears its connection down with it. */
const STOPPED = new Error("the stream was stopped");

/**
 * Where the exchange is: waiting for its status line, streaming a 2xx body, collecting a non-2xx body,
 * letting the rest of a finished body go (`draining`), or over (`done`: completed, failed or stopped).
 */
type Phase = "waiting" | "streaming" | "error_body" | "draining" | "done";

/** One streamed exchange; see the module comment. */
export class StreamExchange implements Dispatcher.DispatchHandler {
  readonly #limits: BodyLimits;
  readonly #highWaterMark: number;
  #phase: Phase = "waiting";
  #abort: ((error?: Error) => void) | undefined = undefined;
  #resume: (() => void) | undefined = undefined;
  #paused = false;
  #status = 0;
  #rawHeaders: Buffer[] = [];
  /** Body pieces received and not yet read. */
  #queue: Buffer[] = [];
  #queued = 0;
  /** Bytes of the body received so far (the bound counts them as they arrive). */
  #received = 0;
  /** The body ended (`onComplete`): reads drain the queue, then see the end. */
  #ended = false;
  /** Why the exchange failed or was stopped; every later read rejects with it. */
  #failure: unknown = undefined;
  #headResolve!: (head: StreamHead) => void;
  #headReject!: (error: unknown) => void;
  #headSettled = false;
  /** The read waiting for the next piece, if any (one at a time). */
  #reader: { resolve: (piece: Buffer | undefined) => void; reject: (error: unknown) => void } | undefined;
  /** Settles once the status line and headers arrived (rejects on a failure or a stop before that). */
  readonly head: Promise<StreamHead>;

  constructor(limits: BodyLimits, highWaterMark: number) {
    this.#limits = limits;
    this.#highWaterMark = highWaterMark;
    this.head = new Promise<StreamHead>((resolve, reject) => {
      this.#headResolve = resolve;
      this.#headReject = reject;
    });
    // Nobody may be waiting when a stop rejects it: that is not an unhandled rejection.
    this.head.catch(() => undefined);
  }

  /** True once the exchange is over (completed, failed or stopped). */
  get done(): boolean {
    return this.#phase === "done";
  }

  /**
   * Ends the exchange now with `failure` (the head, the waiting read and every later read reject with
   * it) and tears the connection down: at once when the request is on a socket, else as soon as
   * undici hands it one. A finished exchange stays finished.
   */
  stop(failure: AttemptFailure): void {
    if (this.#phase === "done") return;
    this.#fail(failure);
    this.#abort?.(STOPPED);
    this.#abort = undefined;
  }

  /**
   * The next piece of the body, or `undefined` at its end. One read at a time. Taking a piece may
   * resume a paused socket.
   */
  read(): Promise<Buffer | undefined> {
    const piece = this.#queue.shift();
    if (piece !== undefined) {
      this.#queued -= piece.length;
      this.#resumeIfRoom();
      return Promise.resolve(piece);
    }
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#ended) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      this.#reader = { resolve, reject };
    });
  }

  /**
   * After the vendor's end event: the rest of the body (normally nothing) goes unread, up to
   * `highWaterMark` bytes, so the connection can be reused; more than that tears it down.
   */
  release(): void {
    if (this.#phase !== "streaming") return;
    if (this.#ended) {
      this.#phase = "done";
      return;
    }
    this.#phase = "draining";
    this.#queue = [];
    this.#queued = 0;
    this.#received = 0;
    this.#resumeIfRoom();
  }

  /** undici: the request is about to go out on a connection (may repeat if undici re-dispatches it). */
  onConnect(abort: (error?: Error) => void): void {
    if (this.#phase === "done") abort(STOPPED);
    else this.#abort = abort;
  }

  /** undici: status and headers arrived (a 1xx may come first; the answer's come last). */
  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (status < 200 || this.#phase !== "waiting") return true;
    this.#status = status;
    this.#rawHeaders = rawHeaders;
    this.#resume = resume;
    if (status > 299) {
      this.#phase = "error_body";
      return true;
    }
    this.#phase = "streaming";
    this.#settleHead(undefined);
    return true;
  }

  /** undici: a piece of the body. Returns false to pause the socket (see the module comment). */
  onData(chunk: Buffer): boolean {
    switch (this.#phase) {
      case "streaming": {
        this.#received += chunk.length;
        if (this.#received > this.#limits.maxBytes) {
          this.stop(tooLarge(this.#status, this.#limits.maxBytes));
          return false;
        }
        const reader = this.#reader;
        if (reader !== undefined) {
          this.#reader = undefined;
          reader.resolve(chunk);
          return true;
        }
        this.#queue.push(chunk);
        this.#queued += chunk.length;
        if (this.#queued < this.#highWaterMark) return true;
        this.#paused = true;
        return false;
      }
      case "error_body": {
        const room = this.#limits.maxErrorBytes - this.#received;
        if (chunk.length <= room) {
          this.#queue.push(chunk);
          this.#received += chunk.length;
          return true;
        }
        // Enough to tell what went wrong: keep what fits, answer with it, hang up on the rest.
        if (room > 0) this.#queue.push(chunk.subarray(0, room));
        this.#received = this.#limits.maxErrorBytes;
        this.#answerError();
        this.#phase = "done";
        this.#abort?.(STOPPED);
        this.#abort = undefined;
        return false;
      }
      case "draining": {
        this.#received += chunk.length;
        if (this.#received <= this.#highWaterMark) return true;
        this.#phase = "done";
        this.#abort?.(STOPPED);
        this.#abort = undefined;
        return false;
      }
      default:
        return false;
    }
  }

  /** undici: the whole response has arrived. */
  onComplete(): void {
    this.#abort = undefined;
    switch (this.#phase) {
      case "streaming": {
        this.#ended = true;
        const reader = this.#reader;
        this.#reader = undefined;
        reader?.resolve(undefined);
        return;
      }
      case "error_body":
        this.#answerError();
        this.#phase = "done";
        return;
      case "draining":
        this.#phase = "done";
        return;
      default:
        return;
    }
  }

  /** undici: the exchange failed (connection error, or our own `abort`). */
  onError(error: Error): void {
    this.#abort = undefined;
    if (this.#phase === "done") return;
    if (this.#phase === "error_body") {
      // The status is what matters: a body cut short only loses the detail.
      this.#answerError();
      this.#phase = "done";
      return;
    }
    this.#fail(error);
  }

  /** Fails whatever waits now and every later read. */
  #fail(error: unknown): void {
    this.#phase = "done";
    this.#failure = error;
    this.#queue = [];
    this.#queued = 0;
    if (!this.#headSettled) {
      this.#headSettled = true;
      this.#headReject(error);
    }
    const reader = this.#reader;
    this.#reader = undefined;
    reader?.reject(error);
  }

  #answerError(): void {
    let text = "";
    try {
      text = Buffer.concat(this.#queue).toString("utf8");
    } catch {
      // Undecodable: the status alone says what went wrong.
    }
    this.#queue = [];
    this.#settleHead(text);
  }

  #settleHead(errorText: string | undefined): void {
    if (this.#headSettled) return;
    this.#headSettled = true;
    this.#headResolve({ status: this.#status, rawHeaders: this.#rawHeaders, errorText });
  }

  /** Resumes a paused socket once the unread bytes are below the mark (never from inside undici's parser). */
  #resumeIfRoom(): void {
    if (!this.#paused || this.#queued >= this.#highWaterMark) return;
    this.#paused = false;
    this.#resume?.();
  }
}
