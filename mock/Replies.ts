/**
 * How the mock server writes its answers: a JSON or text body with the wire format's headers, a
 * stream of frames (cut short by a stream fault), a dropped connection, the faults of an answer
 * itself; each counted in the stats.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { splitWords } from "./answer.js";
import { writeEndlessBody } from "./endlessBody.js";
import { isStreamFault, retryHeaders } from "./faults.js";
import type { StatsBoard } from "./stats.js";
import { cutPoint, writeFrames } from "./streamWriter.js";
import type { Fault } from "./types.js";
import type { PlannedAnswer, WireFormat } from "./wire.js";

/** The headers of a server-sent-events answer. */
export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
};

/** One request in progress: what its close handler must clean up. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
  timer: NodeJS.Timeout | undefined;
  /** Set when the server destroyed the socket on purpose, so the close is not counted as the client's. */
  droppedByServer: boolean;
}

/** See the module comment. */
export class Replies {
  readonly #board: StatsBoard;
  #requests = 0;

  constructor(board: StatsBoard) {
    this.#board = board;
  }

  /** The next response's request id (`x-request-id`). */
  requestId(): string {
    this.#requests++;
    return `req_mock${this.#requests}`;
  }

  /**
   * Writes a stream: the opening events, one event per text chunk (`chunkDelayMs` apart), then the closing
   * events, unless a stream fault cuts it after `afterChunks` text chunks.
   */
  stream(
    exchange: Exchange,
    wire: WireFormat,
    answer: PlannedAnswer,
    includeUsage: boolean,
    fault: Fault | undefined,
    limitHeaders: Record<string, string> | undefined,
    pace: { chunkSize: number; chunkDelayMs: number },
  ): void {
    const { res } = exchange;
    const frames = wire.stream(answer, splitWords(answer.text, pace.chunkSize), includeUsage);
    const streamFault = fault !== undefined && isStreamFault(fault) ? fault : undefined;
    const cut = cutPoint(streamFault, frames.chunks.length);
    this.count(200);
    res.writeHead(200, { ...wire.headers(this.requestId()), ...limitHeaders, ...SSE_HEADERS });

    const finish = (): void => {
      switch (streamFault?.kind) {
        case undefined:
          res.end(frames.trailer);
          return;
        case "stream_stall":
          return; // keep the connection open; the client's close is counted by #onClose
        case "stream_error":
          res.end(wire.streamError());
          return;
        case "stream_drop":
          // End the socket rather than destroy it: end() flushes what was written first, so the client
          // receives exactly `cut` chunks and then loses the connection mid-stream.
          exchange.droppedByServer = true;
          this.#board.stats.dropped++;
          exchange.req.socket.end();
          return;
      }
    };

    writeFrames(exchange, frames, cut, pace.chunkDelayMs, finish);
  }

  /** Cuts the connection (the `drop` fault), counted as the server's doing. */
  drop(exchange: Exchange): void {
    exchange.droppedByServer = true;
    this.#board.stats.dropped++;
    exchange.req.socket.destroy();
  }

  /** Answers `body` (JSON, or a string as it is) with `status`. */
  sendJson(
    exchange: Exchange,
    wire: WireFormat,
    status: number,
    body: unknown,
    extra?: Record<string, string>,
  ): void {
    const payload = typeof body === "string" ? body : JSON.stringify(body);
    this.send(exchange, status, { "content-type": "application/json", ...extra }, payload, wire);
  }

  /** Answers `payload` with `status`, the wire's headers and `headers`, counted by status. */
  send(
    exchange: Exchange,
    status: number,
    headers: Record<string, string>,
    payload: string,
    wire: WireFormat,
  ): void {
    this.count(status);
    const all = { ...wire.headers(this.requestId()), ...headers };
    all["content-length"] = String(Buffer.byteLength(payload));
    exchange.res.writeHead(status, all);
    exchange.res.end(payload);
  }

  /** Counts an answer of `status`. */
  count(status: number): void {
    const byStatus = this.#board.stats.byStatus;
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    this.#board.changed();
  }

  /**
   * Answers as `fault` scripts it, when it is a fault of the answer itself (a status, a 429, a dropped
   * connection, an endless or malformed body); false for any other (the request is then answered).
   */
  misbehave(exchange: Exchange, wire: WireFormat, stream: boolean, fault: Fault | undefined): boolean {
    switch (fault?.kind) {
      case "status": {
        const body = fault.body ?? wire.errorBody(fault.status, undefined, fault.errorCode);
        this.sendJson(exchange, wire, fault.status, body, fault.headers);
        return true;
      }
      case "rate_limit": {
        const body = wire.rateLimitBody(fault.insufficientQuota === true);
        this.sendJson(exchange, wire, 429, body, retryHeaders(fault));
        return true;
      }
      case "drop":
        this.drop(exchange);
        return true;
      case "endless_body": {
        const status = fault.status ?? 200;
        this.count(status);
        const type = stream && status === 200 ? "text/event-stream" : "application/json";
        exchange.res.writeHead(status, { ...wire.headers(this.requestId()), "content-type": type });
        writeEndlessBody(exchange.res, stream && status === 200 ? "data: " : '{"error":"', fault.bytes);
        return true;
      }
      case "malformed":
        this.send(
          exchange,
          200,
          stream ? SSE_HEADERS : { "content-type": "application/json" },
          wire.malformed(stream),
          wire,
        );
        return true;
      default:
        return false;
    }
  }
}
