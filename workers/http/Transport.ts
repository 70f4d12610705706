/**
 * One upstream attempt: sends a provider's {@link UpstreamRequest} through an undici dispatcher as an
 * {@link Exchange}, bounded by its own time-out and the caller's signal, and turns every outcome into a
 * {@link Reply} or an {@link AttemptFailure}. A stream's request takes the same path as a
 * {@link StreamExchange} (`openStream`): same dispatcher, same target, same reading of the headers and
 * of a non-2xx answer, same normalising of connection failures. Every message built from upstream text or a library error passes through
 * `redact` with the API key (every field of an upstream error: `scrubError`): upstream sometimes
 * echoes what it was sent.
 */

import type { Dispatcher } from "undici";
import { type ErrorData, isDspexError } from "../../src/errors.js";
import { clipMessage, redact, scrubError } from "../../src/redact.js";
import type { RateLimitHeaders, Reply } from "../../src/types.js";
import type { CancelSignal } from "../Cancellation.js";
import type { Provider, ResponseHeaders, UpstreamRequest } from "../providers/Provider.js";
import { readHeaderObject, readRawHeaders, type UpstreamHeaderInfo } from "../traffic/rateLimitHeaders.js";
import { AttemptFailure, type FailureKind } from "./AttemptFailure.js";
import { ConnectionPool } from "./ConnectionPool.js";
import { type BodyLimits, Exchange, headersFrom } from "./Exchange.js";
import type { StreamExchange } from "./StreamExchange.js";

/** Told about every answer's status and what its headers said (the rate gate learns from it). */
export type HeaderObserver = (status: number, info: UpstreamHeaderInfo | undefined) => void;

/** The attempt's timer: a plain function, so arming it allocates no closure. */
function stopExchange(exchange: Exchange, kind: FailureKind): void {
  exchange.stop(kind);
}

/**
 * The dispatcher a worker uses by default: a {@link ConnectionPool} to the client's origin, one request
 * per connection. undici's own header and body time-outs (300 s) are off: every attempt carries its own
 * timer, which may be longer, and a stream's stall timer is the judge of a slow body.
 */
export function createPool(baseURL: string, connections: number): ConnectionPool {
  return new ConnectionPool(new URL(baseURL).origin, {
    connections,
    pipelining: 1,
    headersTimeout: 0,
    bodyTimeout: 0,
  });
}

/**
 * What turns an answer into a value: a chat {@link Provider} (a `Reply`), or an embeddings wire format
 * (workers/providers/EmbedProvider.ts). The transport adds the request id and rate-limit headers to it.
 */
export interface AnswerParser<R> {
  parseReply(body: unknown): R;
  parseError(status: number, headers: ResponseHeaders, bodyText: string): ErrorData;
}

/** What every parsed answer may carry from its headers. */
export interface AnswerMeta {
  requestId?: string;
  rateLimit?: RateLimitHeaders;
}

/** What a 2xx answer parses into with the parser `P`. */
export type Parsed<P extends AnswerParser<AnswerMeta>> = ReturnType<P["parseReply"]>;

/**
 * Sends attempts for one client; see the module comment. `P`: what parses its answers (a chat
 * {@link Provider} by default, whose replies are {@link Reply}s).
 */
export class Transport<P extends AnswerParser<AnswerMeta> = Provider> {
  /** Set by the actor when it keeps a rate gate. */
  observe: HeaderObserver | undefined = undefined;
  // Every request of a client goes to the same URL: parse it once.
  #url = "";
  #origin = "";
  #path = "";

  constructor(
    readonly dispatcher: Dispatcher,
    readonly provider: P,
    private readonly secret: string | undefined,
    /** How much of an answer may be read (a stream's exchange takes them too). */
    readonly limits: BodyLimits,
  ) {}

  /**
   * Makes one attempt. It is aborted when `signal` aborts (kind `aborted`) or after `attemptTimeoutMs`
   * (kind `attempt_timeout`), whichever comes first; aborting tears the connection down, so upstream
   * sees the close. The call's deadline needs no timer here: a caller leaves its flight at its
   * deadline, and the last one out aborts `signal`.
   */
  async send(
    request: UpstreamRequest,
    signal: CancelSignal | undefined,
    attemptTimeoutMs: number,
  ): Promise<Parsed<P>> {
    if (signal?.aborted) throw this.#stopped("aborted", attemptTimeoutMs);
    const exchange = new Exchange(this.limits);
    const timer = setTimeout(stopExchange, attemptTimeoutMs, exchange, "attempt_timeout");
    signal?.addEventListener("abort", exchange.onCancel);
    try {
      this.#target(request.url);
      this.dispatcher.dispatch(
        {
          origin: this.#origin,
          path: this.#path,
          method: "POST",
          headers: request.headers,
          body: request.body,
        },
        exchange,
      );
      const response = await exchange.promise;
      const raw = response.rawHeaders;
      const info =
        raw === undefined
          ? undefined
          : response.headers !== undefined
            ? readHeaderObject(response.headers, Date.now())
            : readRawHeaders(raw, Date.now());
      this.observe?.(response.status, info);
      const reply = this.#answer(response.status, response.headers, response.text);
      if (info !== undefined) {
        if (info.requestId !== undefined) reply.requestId = info.requestId;
        if (info.rateLimit !== undefined) reply.rateLimit = info.rateLimit;
      }
      return reply;
    } catch (error) {
      if (exchange.cause !== undefined) throw this.#stopped(exchange.cause, attemptTimeoutMs);
      if (error instanceof AttemptFailure) throw error;
      throw this.#transportError(error);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", exchange.onCancel);
    }
  }

  /**
   * Sends a streamed request as `exchange` and waits for its status line. A 2xx resolves with what its
   * headers said (the body is then read from the exchange); a non-2xx rejects with the provider's error
   * (kind `status`), a connection failure with kind `network`, and a stop (`exchange.stop`) with the
   * failure it was given. The caller owns the exchange's time-outs and cancellation: a stream's attempt
   * lasts until its first chunk, past this status line.
   */
  async openStream(
    request: UpstreamRequest,
    exchange: StreamExchange,
  ): Promise<UpstreamHeaderInfo | undefined> {
    let head: Awaited<StreamExchange["head"]>;
    try {
      this.#target(request.url);
      this.dispatcher.dispatch(
        {
          origin: this.#origin,
          path: this.#path,
          method: "POST",
          headers: request.headers,
          body: request.body,
        },
        exchange,
      );
      head = await exchange.head;
    } catch (error) {
      throw this.failureOf(error);
    }
    if (head.errorText === undefined) {
      const info = readRawHeaders(head.rawHeaders, Date.now());
      this.observe?.(head.status, info);
      return info;
    }
    const headers = headersFrom(head.rawHeaders);
    this.observe?.(head.status, readHeaderObject(headers, Date.now()));
    const data = this.provider.parseError(head.status, headers, head.errorText);
    throw new AttemptFailure("status", scrubError(data, this.secret));
  }

  /** `data` with the API key scrubbed from every field (an error found in a stream's content). */
  scrub(data: ErrorData): ErrorData {
    return scrubError(data, this.secret);
  }

  /** Whatever an exchange failed with, as an attempt failure (a stop's own failure passes as it is). */
  failureOf(error: unknown): AttemptFailure {
    return error instanceof AttemptFailure ? error : this.#transportError(error);
  }

  #target(url: string): void {
    if (url === this.#url) return;
    const parsed = new URL(url);
    this.#origin = parsed.origin;
    this.#path = `${parsed.pathname}${parsed.search}`;
    this.#url = url;
  }

  #answer(status: number, headers: ResponseHeaders | undefined, text: string): Parsed<P> {
    if (status < 200 || status > 299) {
      const data = this.provider.parseError(status, headers ?? {}, text);
      throw new AttemptFailure("status", scrubError(data, this.secret));
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw this.#badResponse(status, `upstream answered ${status} with a body that is not JSON`);
    }
    try {
      return this.provider.parseReply(body) as Parsed<P>;
    } catch (error) {
      // A well-formed refusal (a prompt the vendor's filter blocked) keeps its own code.
      if (isDspexError(error) && error.code !== "ERR_BAD_RESPONSE") {
        const data = scrubError(error.toJSON(), this.secret);
        data.status = status;
        throw new AttemptFailure("status", data);
      }
      const message = error instanceof Error ? error.message : String(error);
      throw this.#badResponse(status, message);
    }
  }

  #badResponse(status: number, message: string): AttemptFailure {
    return new AttemptFailure("bad_response", {
      code: "ERR_BAD_RESPONSE",
      message: clipMessage(redact(message, this.secret)),
      status,
    });
  }

  #stopped(kind: FailureKind, attemptTimeoutMs: number): AttemptFailure {
    const data: ErrorData =
      kind === "aborted"
        ? { code: "ERR_ABORTED", message: "the call was cancelled" }
        : kind === "attempt_timeout"
          ? { code: "ERR_TIMEOUT", message: `upstream did not answer within ${attemptTimeoutMs} ms` }
          : { code: "ERR_TIMEOUT", message: "the call's deadline passed" };
    return new AttemptFailure(kind, data);
  }

  #transportError(error: unknown): AttemptFailure {
    const code = (error as { code?: unknown } | null)?.code;
    const detail = error instanceof Error ? error.message : String(error);
    // undici rejects what it cannot send as given (a header value with a newline, ...): not upstream's fault.
    if (code === "UND_ERR_INVALID_ARG") {
      return new AttemptFailure("invalid", {
        code: "ERR_INVALID_ARGUMENT",
        message: redact(`the request could not be sent: ${detail}`, this.secret),
      });
    }
    const label = typeof code === "string" ? `${code}: ${detail}` : detail;
    return new AttemptFailure("network", {
      code: "ERR_NETWORK",
      message: redact(`the connection to ${this.#origin} failed (${label})`, this.secret),
    });
  }
}
