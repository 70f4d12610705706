/**
 * Writes a streamed answer onto the response: the opening events, then the text chunks `delayMs` apart
 * (or all in one write when there is no delay), then hands over to `finish` for the closing events or
 * the scripted stream fault.
 */
import type { ServerResponse } from "node:http";
import type { Fault } from "./types.js";
import type { StreamFrames } from "./wire.js";

/** Where a stream goes, and the slot for its pending chunk timer (cleared when the client leaves). */
export interface StreamTarget {
  readonly res: ServerResponse;
  timer: NodeJS.Timeout | undefined;
}

/** How many text chunks go out before the stream fault strikes: all of them when there is none. */
export function cutPoint(fault: Fault | undefined, chunkCount: number): number {
  if (fault === undefined || !("afterChunks" in fault)) return chunkCount;
  return Math.min(Math.max(0, Math.floor(fault.afterChunks)), chunkCount);
}

/** Writes `frames.preamble` and the first `cut` chunks, then calls `finish` (unless the client left). */
export function writeFrames(
  target: StreamTarget,
  frames: StreamFrames,
  cut: number,
  delayMs: number,
  finish: () => void,
): void {
  const { res } = target;
  if (delayMs === 0) {
    let head = frames.preamble;
    for (let i = 0; i < cut; i++) head += frames.chunks[i];
    res.write(head);
    finish();
    return;
  }
  res.write(frames.preamble);
  let sent = 0;
  const next = (): void => {
    target.timer = undefined;
    if (res.destroyed) return;
    if (sent < cut) {
      res.write(frames.chunks[sent] as string);
      sent++;
      target.timer = setTimeout(next, delayMs);
      return;
    }
    finish();
  };
  target.timer = setTimeout(next, delayMs);
}
