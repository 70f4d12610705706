/**
 * The `endless_body` fault: a status line, then a body that never ends (or ends after `bytes`), sent
 * as fast as the client reads it. It stands for a broken or hostile upstream: a proxy streaming a
 * file, a loop in a server. The body is filler with no line break, so a client that buffers lines
 * (an SSE reader) or whole bodies grows until something bounds it.
 */
import type { ServerResponse } from "node:http";

/** One write of filler; the server writes the next one when the socket drains. */
const PIECE = Buffer.alloc(64 * 1024, "a");

/**
 * Writes `head` then filler to `res` until `bytes` have gone out (then ends the body) or the client
 * closes the connection. Respects backpressure: memory stays at one piece however slow the reader.
 */
export function writeEndlessBody(res: ServerResponse, head: string, bytes: number | undefined): void {
  let sent = 0;
  const limit = bytes ?? Number.POSITIVE_INFINITY;
  const pump = (): void => {
    while (!res.destroyed) {
      if (sent >= limit) {
        res.end();
        return;
      }
      const piece = sent === 0 ? Buffer.from(head) : PIECE.subarray(0, Math.min(PIECE.length, limit - sent));
      sent += piece.length;
      if (!res.write(piece)) {
        res.once("drain", pump);
        return;
      }
    }
  };
  pump();
}
